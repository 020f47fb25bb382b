"""Subsidy claims under concurrency (SQLite and PostgreSQL), through the API: parallel claims
against one yearly line never overspend it (each proposes its disbursement through the ledger,
whose database CHECK refuses an overdraft: the claim that would overspend is refused whole), and
one loan's quarter claimed many times at once is recorded once.

Every request runs in its own client thread, all released together by a barrier.
"""

import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.funding.conftest import FundingHeaders
from tests.funding.subsidy_support import (
    FEE_LINE,
    GRADUATE_USCC,
    GUARANTEE_LINE,
    INTEREST_LINE,
    admin,
    balance,
    enterprise,
    file_enterprise,
    fund_line,
    race,
    zero_sum,
)

RACERS = 12
FITS = 5  # the line is funded for five claims and a fen short of a sixth


def _outcomes(answers: list[Any]) -> Counter[Any]:
    return Counter(a.status_code if a.status_code == 201 else a.json()["code"] for a in answers)


def _post(
    client: TestClient, url: str, body: dict[str, Any], headers: dict[str, str]
) -> Callable[[], Any]:
    return lambda: client.post(url, json=body, headers=headers)


def _loan(n: int) -> dict[str, Any]:
    # 2015 Q3, a one-year loan of 36,000,000 fen from 1 July: 1 July – 25 August at 4.85%
    # (56 days), 26 August – 30 September at 4.60% (36 days):
    # 36,000,000 × (485×56 + 460×36) / 3,600,000 = 10 × (27,160 + 16,560) = 437,200 fen.
    return {"bank_code": "JSB", "loan_ref": f"JSB-RACE-{n}", "loan_date": "2015-07-01",
            "matures_on": "2016-07-01", "principal_fen": 36_000_000, "year": 2015, "quarter": 3}  # fmt: skip


def test_parallel_interest_claims_never_overspend_the_line(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    each = 437_200
    file_enterprise(funding_app, GRADUATE_USCC)
    fund_line(funding_app, account=INTEREST_LINE, amount_fen=FITS * each + each - 1)
    calls = [
        _post(
            funding_client, "/v1/subsidies/interest-claims", _loan(n), enterprise(funding_headers)
        )
        for n in range(RACERS)
    ]
    outcomes = _outcomes(race(calls))
    assert outcomes == {201: FITS, "ledger_insufficient_funds": RACERS - FITS}, outcomes
    claims = funding_client.get(
        "/v1/subsidies/interest-claims", headers=admin(funding_headers)
    ).json()["items"]
    assert len(claims) == FITS and all(c["amount_fen"] == each for c in claims)
    assert balance(funding_app, INTEREST_LINE) == each - 1
    assert balance(funding_app, "payable") == FITS * each
    assert zero_sum(funding_client)


def test_one_loans_quarter_claimed_many_times_at_once_is_recorded_once(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    file_enterprise(funding_app, GRADUATE_USCC)
    fund_line(funding_app, account=INTEREST_LINE, amount_fen=10_000_000)
    calls = [
        _post(
            funding_client, "/v1/subsidies/interest-claims", _loan(0), enterprise(funding_headers)
        )
        for _ in range(RACERS)
    ]
    outcomes = _outcomes(race(calls))
    assert outcomes == {201: 1, "interest_claim_exists": RACERS - 1}, outcomes
    assert balance(funding_app, INTEREST_LINE) == 10_000_000 - 437_200
    assert zero_sum(funding_client)


def test_parallel_guarantee_payouts_never_overspend_the_line(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    each = 3_000_000  # 30% of a payout of 10,000,000
    file_enterprise(funding_app, GRADUATE_USCC)
    fund_line(funding_app, account=GUARANTEE_LINE, amount_fen=FITS * each + each - 1)
    institution = {
        "code": "TYGUAR",
        "name": "太原市中小企业融资担保有限公司",
        "uscc": "91140100MA0K000017",
    }
    assert funding_client.post(
        "/v1/guarantee-institutions", json=institution, headers=admin(funding_headers)
    ).status_code == 201  # fmt: skip
    bank = funding_headers(kind="bank", org="TYGUAR", scopes=("funding:read", "funding:loans"))
    guarantees = []
    for n in range(RACERS):
        body = {"enterprise_uscc": GRADUATE_USCC, "lender": "晋商银行", "loan_ref": f"L-{n}",
                "principal_fen": 20_000_000, "guaranteed_fen": 15_000_000,
                "starts_on": "2015-03-01", "ends_on": "2016-02-29"}  # fmt: skip
        answer = funding_client.post("/v1/guarantees", json=body, headers=bank)
        assert answer.status_code == 201, answer.text
        guarantees.append(answer.json()["id"])
    calls = [
        _post(
            funding_client,
            f"/v1/guarantees/{guarantee_id}/payouts",
            {"reference": f"DC-{n}", "paid_on": "2015-10-10", "payout_fen": 10_000_000},
            {**bank, "Idempotency-Key": uuid.uuid4().hex},
        )
        for n, guarantee_id in enumerate(guarantees)
    ]
    outcomes = _outcomes(race(calls))
    assert outcomes == {201: FITS, "ledger_insufficient_funds": RACERS - FITS}, outcomes
    listed = funding_client.get("/v1/guarantees", headers=bank).json()
    assert sum(g["paid_out_fen"] for g in listed["items"]) == FITS * 10_000_000
    assert balance(funding_app, GUARANTEE_LINE) == each - 1
    assert zero_sum(funding_client)


def test_parallel_payouts_under_one_guarantee_never_exceed_it(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    file_enterprise(funding_app, GRADUATE_USCC)
    fund_line(funding_app, account=GUARANTEE_LINE, amount_fen=100_000_000)
    institution = {
        "code": "TYGUAR",
        "name": "太原市中小企业融资担保有限公司",
        "uscc": "91140100MA0K000017",
    }
    funding_client.post(
        "/v1/guarantee-institutions", json=institution, headers=admin(funding_headers)
    )
    bank = funding_headers(kind="bank", org="TYGUAR", scopes=("funding:read", "funding:loans"))
    body = {"enterprise_uscc": GRADUATE_USCC, "lender": "晋商银行", "loan_ref": "L-one",
            "principal_fen": 20_000_000, "guaranteed_fen": 15_000_000,
            "starts_on": "2015-03-01", "ends_on": "2016-02-29"}  # fmt: skip
    guarantee_id = funding_client.post("/v1/guarantees", json=body, headers=bank).json()["id"]
    # Each 4,000,000: three fit in the 15,000,000 guaranteed, a fourth would not.
    calls = [
        _post(
            funding_client,
            f"/v1/guarantees/{guarantee_id}/payouts",
            {"reference": f"DC-{n}", "paid_on": "2015-10-10", "payout_fen": 4_000_000},
            {**bank, "Idempotency-Key": uuid.uuid4().hex},
        )
        for n in range(RACERS)
    ]
    outcomes = _outcomes(race(calls))
    assert outcomes == {201: 3, "guarantee_payout_exceeds_guarantee": RACERS - 3}, outcomes
    read = funding_client.get(f"/v1/guarantees/{guarantee_id}", headers=bank).json()
    assert (read["paid_out_fen"], read["compensated_fen"]) == (12_000_000, 3_600_000)
    assert balance(funding_app, GUARANTEE_LINE) == 100_000_000 - 3_600_000
    assert zero_sum(funding_client)


def test_parallel_fee_claims_never_overspend_the_line(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    each = 120_000
    file_enterprise(funding_app, GRADUATE_USCC)
    fund_line(funding_app, account=FEE_LINE, amount_fen=FITS * each + each - 1)
    item = {"code": "sewage-treatment", "item": "污水处理费", "department": "太原市城乡管理委员会",
            "legal_basis": "《城镇排水与污水处理条例》"}  # fmt: skip
    assert (
        funding_client.post("/v1/fee-list", json=item, headers=admin(funding_headers)).status_code
        == 201
    )
    calls = [
        _post(
            funding_client,
            "/v1/subsidies/fee-claims",
            {
                "fee_code": "sewage-treatment",
                "receipt_no": f"R-{n}",
                "paid_on": "2015-06-01",
                "amount_fen": each,
            },
            enterprise(funding_headers),
        )
        for n in range(RACERS)
    ]
    outcomes = _outcomes(race(calls))
    assert outcomes == {201: FITS, "ledger_insufficient_funds": RACERS - FITS}, outcomes
    claims = funding_client.get("/v1/subsidies/fee-claims", headers=admin(funding_headers)).json()
    assert len(claims["items"]) == FITS
    assert balance(funding_app, FEE_LINE) == each - 1
    assert zero_sum(funding_client)
