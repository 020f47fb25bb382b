"""The edge lets banks call the 助保贷 loan routes and read the pool and their agreement; an
admin (who never holds funding:loans) reads but cannot register loans."""

import pytest

from gateway.auth.scopes import DEFAULT_SCOPES, rule_for
from services.common.identity import ClientKind

BANK_CALLS = [
    ("POST", "/v1/risk-pool/loans", "funding:loans"),
    ("GET", "/v1/risk-pool/loans", "funding:read"),
    ("GET", "/v1/risk-pool/loans/rpl_1", "funding:read"),
    ("POST", "/v1/risk-pool/loans/rpl_1/repayments", "funding:loans"),
    ("POST", "/v1/risk-pool/loans/rpl_1/default", "funding:loans"),
    ("POST", "/v1/risk-pool/loans/rpl_1/recoveries", "funding:loans"),
    ("GET", "/v1/risk-pool", "funding:read"),
    ("GET", "/v1/bank-agreements/JSB", "funding:read"),
]


@pytest.mark.parametrize(("method", "path", "scope"), BANK_CALLS)
def test_a_bank_holds_the_scope_of_each_loan_route(method: str, path: str, scope: str) -> None:
    rule = rule_for("funding", path)
    assert rule is not None and rule.scope_for(method) == scope
    assert scope in DEFAULT_SCOPES[ClientKind.BANK]


def test_deposits_and_agreements_are_the_admins_and_loans_never() -> None:
    admin = DEFAULT_SCOPES[ClientKind.ADMIN]
    for path in ("/v1/risk-pool/deposits", "/v1/bank-agreements"):
        rule = rule_for("funding", path)
        assert rule is not None and rule.scope_for("POST") == "funding:admin"
        assert "funding:admin" in admin and "funding:admin" not in DEFAULT_SCOPES[ClientKind.BANK]
    assert "funding:loans" not in admin
