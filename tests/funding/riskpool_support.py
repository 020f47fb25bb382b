"""Set-up for the 助保贷 risk-pool tests: filed enterprises (through the registry feed), a bank
agreement and deposits (through the API), and reads of the pool and the books."""

import uuid
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.funding.enterprises.service import credit_handlers, registry_handlers
from tests.funding.conftest import FundingHeaders
from tests.funding.feeds import consume

SMALL = "91140105MA0KDE119Q"
MICRO = "91140100MA0K000017"

# An enterprise that sorts after SMALL ("91140105…") as MICRO ("91140100…") sorts before it.
LATER = "91140199MA0K00005X"


def file_later(app: FastAPI) -> None:
    """LATER filed in funding's replica, as the registry's feed would."""
    filed = {
        "uscc": LATER, "version": 1, "name": "企业005X", "district": "xiaodian",
        "industry": "I65", "founded_on": "2014-05-20", "size_class": "small",
        "is_tech_sme": False, "employees": 12, "registered_capital_fen": 50_000_000,
        "founder_graduated_on": None, "status": "active",
    }  # fmt: skip
    consume(app, "funding.registry.later", registry_handlers(), [("enterprise.filed", filed)])


MEDIUM = "91140100MA0K00002X"
LISTED = "91140100MA0K00003Y"
UNFILED = "91140100MA0K00004W"


def _filed(uscc: str, size: str) -> dict[str, Any]:
    return {
        "uscc": uscc, "version": 1, "name": f"企业{uscc[-4:]}", "district": "xiaodian",
        "industry": "I65", "founded_on": "2014-05-20", "size_class": size, "is_tech_sme": False,
        "employees": 12, "registered_capital_fen": 50_000_000, "founder_graduated_on": None,
        "status": "active",
    }  # fmt: skip


def file_enterprises(app: FastAPI) -> None:
    """A small, a micro and a medium enterprise, and a small one on the dishonesty list."""
    filed = [
        ("enterprise.filed", _filed(SMALL, "small")),
        ("enterprise.filed", _filed(MICRO, "micro")),
        ("enterprise.filed", _filed(MEDIUM, "medium")),
        ("enterprise.filed", _filed(LISTED, "small")),
    ]
    consume(app, "funding.registry", registry_handlers(), filed)
    listed = {"uscc": LISTED, "source": "courts", "record_id": "crr_1",
              "enterprise_listed": True, "listed_on": "2015-01-05", "ended_on": None}  # fmt: skip
    consume(app, "funding.credit", credit_handlers(), [("dishonesty.listed", listed)])


def admin(headers: FundingHeaders, n: int = 1) -> dict[str, str]:
    """Admin number n's headers (each its own client id: four eyes)."""
    return headers(kind="admin", org=None, client_id=f"cli_admin_{n}")


def bank(headers: FundingHeaders, code: str = "JSB", *, key: bool = True) -> dict[str, str]:
    """A bank client's headers (with a fresh Idempotency-Key)."""
    found = headers(kind="bank", org=code, client_id=f"cli_bank_{code.lower()}")
    return {**found, "Idempotency-Key": uuid.uuid4().hex} if key else found


TERMS = {
    "bank_code": "JSB",
    "bank_name": "晋商银行",
    "effective_from": "2015-01-01",
    "leverage_multiple": 10,
    "rate_cap_bp": 650,
    "pool_share_bp": 6000,
    "per_loan_cap_fen": 700_000,
    "per_enterprise_cap_fen": 2_000_000,
}


def agree(client: TestClient, headers: FundingHeaders, **changes: Any) -> dict[str, Any]:
    """Add a version of a bank's agreement (TERMS with changes)."""
    answer = client.post("/v1/bank-agreements", json={**TERMS, **changes}, headers=admin(headers))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def deposit(
    client: TestClient, headers: FundingHeaders, amount_fen: int, *, year: int = 2014,
    kind: str = "stock",
) -> dict[str, Any]:  # fmt: skip
    """Deposit into the pool (admin)."""
    answer = client.post(
        "/v1/risk-pool/deposits",
        json={"year": year, "kind": kind, "amount_fen": amount_fen},
        headers={**admin(headers), "Idempotency-Key": uuid.uuid4().hex},
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def loan_body(n: int, principal_fen: int, uscc: str = SMALL, **changes: Any) -> dict[str, Any]:
    """A loan's registration."""
    return {
        "contract_no": f"JSB-ZBD-{n:04d}",
        "enterprise_uscc": uscc,
        "principal_fen": principal_fen,
        "rate_bp": 600,
        "start_on": "2015-06-01",
        "maturity_on": "2016-05-31",
        **changes,
    }


def register(
    client: TestClient, headers: FundingHeaders, body: dict[str, Any], code: str = "JSB"
) -> Any:
    """POST a loan as the bank."""
    return client.post("/v1/risk-pool/loans", json=body, headers=bank(headers, code))


def pool(client: TestClient, headers: FundingHeaders) -> dict[str, Any]:
    """The pool as the admin reads it."""
    answer = client.get("/v1/risk-pool", headers=admin(headers))
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def trial_balance(client: TestClient) -> dict[str, Any]:
    """The ledger's trial balance (asserted zero-sum and agreeing with its entries)."""
    answer = client.get("/v1/ledger/trial-balance")
    assert answer.status_code == 200, answer.text
    body = dict(answer.json())
    assert body["zero_sum"] is True and body["entries_agree"] is True, body
    return body


def balances(client: TestClient) -> dict[str, int]:
    """Every account's balance, from the trial balance (which must be zero-sum)."""
    return {a["code"]: a["balance_fen"] for a in trial_balance(client)["accounts"]}
