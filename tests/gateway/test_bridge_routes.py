"""The edge's scopes for the bridge fund: an enterprise (a portal on its behalf) applies with
funding:apply, the loan's bank confirms the renewal with funding:loans, the office loads
capital and records repayments with funding:admin; every kind concerned reads with
funding:read."""

import pytest

from gateway.auth.scopes import DEFAULT_SCOPES, DELEGABLE_SCOPES, rule_for
from services.common.identity import ClientKind

CALLS = [
    ("POST", "/v1/bridge-loans", "funding:apply", ClientKind.ENTERPRISE),
    ("GET", "/v1/bridge-loans", "funding:read", ClientKind.ENTERPRISE),
    ("GET", "/v1/bridge-loans/brl_1", "funding:read", ClientKind.BANK),
    ("POST", "/v1/bridge-loans/brl_1/renewal", "funding:loans", ClientKind.BANK),
    ("POST", "/v1/bridge-loans/brl_1/repayment", "funding:admin", ClientKind.ADMIN),
    ("GET", "/v1/bridge-fund", "funding:read", ClientKind.BANK),
    ("POST", "/v1/bridge-fund/capital", "funding:admin", ClientKind.ADMIN),
]


@pytest.mark.parametrize(("method", "path", "scope", "kind"), CALLS)
def test_each_bridge_route_asks_the_scope_its_caller_holds(
    method: str, path: str, scope: str, kind: ClientKind
) -> None:
    rule = rule_for("funding", path)
    assert rule is not None and rule.scope_for(method) == scope
    assert scope in DEFAULT_SCOPES[kind]


def test_a_portal_may_apply_on_behalf_but_never_confirm_or_repay() -> None:
    assert "funding:apply" in DELEGABLE_SCOPES
    assert "funding:loans" not in DELEGABLE_SCOPES and "funding:admin" not in DELEGABLE_SCOPES
