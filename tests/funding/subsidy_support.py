"""Set-up for the subsidy tests (interest, guarantees, fees): enterprises in the replica as the
registry's `enterprise.filed` makes them, funded yearly lines, the second admin's approval and
the payment that publishes a disbursement, the trial balance."""

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.funding.enterprises.service import apply_filed
from tests.funding.conftest import FundingHeaders
from tests.funding.disbursement_support import balance, fund_line

GRADUATE_USCC = "91140105MA0KDE119Q"
OTHER_USCC = "91140100MA0K00002X"
INTEREST_LINE = "line:2015:financing:graduate-interest"
GUARANTEE_LINE = "line:2015:financing:guarantee-risk"
FEE_LINE = "line:2015:other"

__all__ = ["balance", "fund_line"]


def file_enterprise(app: FastAPI, uscc: str, **fields: Any) -> None:
    """The enterprise in funding's replica, as the registry's `enterprise.filed` carries it."""
    payload = {
        "uscc": uscc,
        "version": 1,
        "name": f"太原{uscc[-4:]}科技有限公司",
        "district": "xiaodian",
        "industry": "I65",
        "founded_on": "2015-02-10",
        "registered_capital_fen": 5_000_000,
        "employees": 8,
        "size_class": "small",
        "is_tech_sme": True,
        "founder_graduated_on": "2014-07-01",
        "status": "active",
        **fields,
    }
    with app.state.database.transaction() as session:
        assert apply_filed(session, payload)


def enterprise(headers: FundingHeaders, uscc: str = GRADUATE_USCC, **extra: str) -> dict[str, str]:
    """An enterprise client acting for itself, with an Idempotency-Key."""
    return {
        **headers(kind="enterprise", org=uscc, scopes=("funding:read", "funding:apply"),
                  client_id=f"cli_ent_{uscc[-4:]}"),
        "Idempotency-Key": uuid.uuid4().hex,
        **extra,
    }  # fmt: skip


def portal(headers: FundingHeaders, uscc: str = GRADUATE_USCC) -> dict[str, str]:
    """A portal acting on the enterprise's behalf (its token names the portal as `act`)."""
    return {
        **headers(kind="portal", org=uscc, scopes=("funding:read", "funding:apply", "on_behalf"),
                  client_id="cli_portal_sx", actor="cli_portal_sx"),
        "Idempotency-Key": uuid.uuid4().hex,
    }  # fmt: skip


def admin(headers: FundingHeaders, n: int = 1) -> dict[str, str]:
    """An admin of the office (number `n`)."""
    return headers(kind="admin", org=None, client_id=f"cli_office_{n}")


def zero_sum(client: TestClient) -> bool:
    """Whether the ledger's trial balance sums to zero and every balance agrees with its entries."""
    trial = client.get("/v1/ledger/trial-balance").json()
    return bool(trial["zero_sum"] and trial["total_fen"] == 0 and trial["entries_agree"])


def pay_and_publish(client: TestClient, headers: FundingHeaders, disbursement_id: str) -> int:
    """A second admin approves the proposed disbursement, the first records the bank's payment;
    the public ledger record's sequence."""
    url = f"/v1/disbursements/{disbursement_id}"
    approved = client.post(
        f"{url}/approval",
        json={},
        headers={**admin(headers, 2), "If-Match": f'"{disbursement_id}.1"'},
    )
    assert approved.status_code == 200, approved.text
    paid = client.post(
        f"{url}/payment",
        json={"payment_reference": f"BOC-{uuid.uuid4().hex[:12]}", "paid_on": "2015-12-20"},
        headers={
            **admin(headers, 1),
            "If-Match": f'"{disbursement_id}.2"',
            "Idempotency-Key": uuid.uuid4().hex,
        },
    )
    assert paid.status_code == 200, paid.text
    return int(paid.json()["public_record_seq"])


def public_record(client: TestClient, sequence: int) -> dict[str, Any]:
    """A record of the public ledger, read without a key."""
    answer = client.get(f"/v1/public/ledger/records/{sequence}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in parallel threads, released together by a barrier; their answers."""
    barrier = Barrier(len(calls), timeout=30)

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))
