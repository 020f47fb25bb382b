"""The risk pool's remaining refusals and edges through the API: a repayment beyond what is
outstanding, a recovery on a loan that has not defaulted (each changing nothing), the loan
list by status, and a recovery too small to give the pool a whole fen back."""

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.funding.conftest import FundingHeaders
from tests.funding.riskpool_support import (
    SMALL,
    admin,
    agree,
    balances,
    bank,
    deposit,
    file_enterprises,
    loan_body,
    pool,
    register,
)


def _setup(app: FastAPI, client: TestClient, headers: FundingHeaders) -> dict[str, Any]:
    file_enterprises(app)
    agree(client, headers)
    deposit(client, headers, 1_000_000)
    loan = register(client, headers, loan_body(1, 500_000, SMALL))
    assert loan.status_code == 201, loan.text
    return dict(loan.json())


def test_a_repayment_beyond_the_outstanding_and_a_recovery_before_default_are_refused(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    loan = _setup(funding_app, funding_client, funding_headers)
    url = f"/v1/risk-pool/loans/{loan['id']}"
    figures, books = pool(funding_client, funding_headers), balances(funding_client)
    over = funding_client.post(
        f"{url}/repayments",
        json={"amount_fen": 500_001, "repaid_on": "2015-12-01"},
        headers=bank(funding_headers),
    )
    assert over.status_code == 409 and over.json()["code"] == "repayment_over_outstanding"
    early = funding_client.post(
        f"{url}/recoveries",
        json={"amount_fen": 1, "recovered_on": "2015-12-01"},
        headers=bank(funding_headers),
    )
    assert early.status_code == 409 and early.json()["code"] == "loan_not_defaulted"
    assert pool(funding_client, funding_headers) == figures
    assert balances(funding_client) == books
    read = funding_client.get(url, headers=admin(funding_headers)).json()
    assert (read["status"], read["outstanding_fen"]) == ("active", 500_000)


def test_the_loan_list_filters_by_status(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    loan = _setup(funding_app, funding_client, funding_headers)
    second = register(funding_client, funding_headers, loan_body(2, 100_000, SMALL)).json()
    defaulted = funding_client.post(
        f"/v1/risk-pool/loans/{second['id']}/default",
        json={"loss_fen": 100_000, "defaulted_on": "2016-06-30"},
        headers=bank(funding_headers),
    )
    assert defaulted.status_code == 200, defaulted.text
    active = funding_client.get("/v1/risk-pool/loans?status=active", headers=admin(funding_headers))
    gone = funding_client.get(
        "/v1/risk-pool/loans?status=defaulted", headers=admin(funding_headers)
    )
    assert [x["id"] for x in active.json()["items"]] == [loan["id"]]
    assert [x["id"] for x in gone.json()["items"]] == [second["id"]]


def test_a_recovery_too_small_for_a_whole_fen_of_the_pools_share_moves_no_money(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    loan = _setup(funding_app, funding_client, funding_headers)
    url = f"/v1/risk-pool/loans/{loan['id']}"
    defaulted = funding_client.post(
        f"{url}/default",
        json={"loss_fen": 500_000, "defaulted_on": "2016-06-30"},
        headers=bank(funding_headers),
    ).json()
    # pool share 60%: 500,000 × 0.6 = 300,000 proposed to the bank
    disbursement_id = defaulted["claim"]["disbursement_id"]
    dsb = f"/v1/disbursements/{disbursement_id}"
    approved = funding_client.post(
        f"{dsb}/approval",
        json={},
        headers={**admin(funding_headers, 2), "If-Match": f'"{disbursement_id}.1"'},
    )
    assert approved.status_code == 200, approved.text
    paid = funding_client.post(
        f"{dsb}/payment",
        json={"payment_reference": "JSB-PAY-0009", "paid_on": "2016-07-15"},
        headers={
            **admin(funding_headers, 2),
            "If-Match": approved.headers["ETag"],
            "Idempotency-Key": "pay-9",
        },
    )
    assert paid.status_code == 200, paid.text
    books = balances(funding_client)
    assert books["payee:JSB"] == 300_000
    # 1 fen recovered: the pool's part is 1 × 0.6 = 0.6 → 0 fen; the bank keeps the 1 fen.
    tiny = funding_client.post(
        f"{url}/recoveries",
        json={"amount_fen": 1, "recovered_on": "2017-01-10"},
        headers=bank(funding_headers),
    )
    assert tiny.status_code == 200, tiny.text
    (recovery,) = tiny.json()["claim"]["recoveries"]
    assert (recovery["pool_part_fen"], recovery["bank_part_fen"]) == (0, 1)
    assert balances(funding_client) == books
    # the next fen brings the cumulative 2 × 0.6 = 1.2 → 1 fen back to the pool
    more = funding_client.post(
        f"{url}/recoveries",
        json={"amount_fen": 1, "recovered_on": "2017-01-11"},
        headers=bank(funding_headers),
    )
    assert more.status_code == 200, more.text
    assert more.json()["claim"]["recoveries"][-1]["pool_part_fen"] == 1
    after = balances(funding_client)
    assert after["pool:risk"] == books["pool:risk"] + 1 and after["payee:JSB"] == 299_999


def test_a_bank_client_naming_no_bank_registers_nothing(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app, funding_client, funding_headers)
    figures, books = pool(funding_client, funding_headers), balances(funding_client)
    nameless = {
        **funding_headers(kind="bank", org=None, client_id="cli_bank_nameless"),
        "Idempotency-Key": "nameless-1",
    }
    answer = funding_client.post("/v1/risk-pool/loans", json=loan_body(2, 1_000), headers=nameless)
    assert answer.status_code == 403 and answer.json()["code"] == "not_a_bank"
    listed = funding_client.get("/v1/risk-pool/loans", headers=admin(funding_headers)).json()
    assert len(listed["items"]) == 1
    assert pool(funding_client, funding_headers) == figures
    assert balances(funding_client) == books
