"""The public ledger names the programme of each payment in Chinese, for every purpose a domain of
the funding service proposes: a paid disbursement of each purpose, read back without a key from
/v1/public/ledger/records, carries its programme's name (never the fallback naming the code).

The proposals come from other domains (reward runs, voucher settlements, the risk pool, the
subsidies, guarantee compensation), so the set-up proposes through `propose` with each domain's
own purpose constant; approval, payment and the public read go through the HTTP API.
"""

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.funding.disbursements.models import REWARD, VOUCHER_SETTLEMENT
from services.funding.fees.service import PURPOSE as FEE_SUBSIDY
from services.funding.guarantees.service import PURPOSE as GUARANTEE_COMPENSATION
from services.funding.interest.service import PURPOSE as INTEREST_SUBSIDY
from services.funding.riskpool.service import PURPOSE as ZHUBAODAI_COMPENSATION
from tests.funding.conftest import FundingHeaders
from tests.funding.disbursement_support import fund_line, propose_one

# Written out by hand: what the public reads for each purpose.
NAMES = {
    REWARD: "小微企业创业创新基地城市示范：创业创新基地奖励",
    VOUCHER_SETTLEMENT: "小微企业创业创新基地城市示范：创业券、创新券兑付",
    ZHUBAODAI_COMPENSATION: "小微企业创业创新基地城市示范：“助保贷”风险补偿",
    INTEREST_SUBSIDY: "小微企业创业创新基地城市示范：大学生创业贷款基准利率贴息",
    GUARANTEE_COMPENSATION: "小微企业创业创新基地城市示范：融资性担保机构风险补偿",
    FEE_SUBSIDY: "小微企业创业创新基地城市示范：新注册小微企业涉企行政事业性收费补贴",
}


def admin(headers: FundingHeaders, client_id: str, **extra: str) -> dict[str, str]:
    return {**headers(kind="admin", org=None, client_id=client_id), **extra}


def etag_of(client: TestClient, headers: FundingHeaders, disbursement_id: str) -> str:
    answer = client.get(
        f"/v1/disbursements/{disbursement_id}", headers=admin(headers, "cli_admin_b")
    )
    assert answer.status_code == 200, answer.text
    return str(answer.headers["etag"])


def approve_and_pay(client: TestClient, headers: FundingHeaders, disbursement_id: str) -> Any:
    """Approved by one admin, paid by another; the paid disbursement."""
    approved = client.post(
        f"/v1/disbursements/{disbursement_id}/approval",
        json={"note": "checked"},
        headers=admin(
            headers, "cli_admin_b", **{"If-Match": etag_of(client, headers, disbursement_id)}
        ),
    )
    assert approved.status_code == 200, approved.text
    paid = client.post(
        f"/v1/disbursements/{disbursement_id}/payment",
        json={"payment_reference": f"BANK-{uuid.uuid4().hex[:12]}", "paid_on": "2015-11-04"},
        headers=admin(
            headers,
            "cli_admin_c",
            **{
                "If-Match": etag_of(client, headers, disbursement_id),
                "Idempotency-Key": uuid.uuid4().hex,
            },
        ),
    )
    assert paid.status_code == 200, paid.text
    return paid.json()


@pytest.mark.parametrize("purpose", sorted(NAMES))
def test_a_paid_disbursement_shows_its_programme_in_chinese(
    purpose: str, funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    fund_line(funding_app)
    disbursement_id = propose_one(funding_app, purpose=purpose, amount_fen=30_001)
    paid = approve_and_pay(funding_client, funding_headers, disbursement_id)
    records = funding_client.get("/v1/public/ledger/records").json()["items"]  # no key
    (record,) = [r for r in records if r["disbursement_id"] == disbursement_id]
    assert (record["sequence"], record["amount_fen"]) == (paid["public_record_seq"], 30_001)
    assert record["programme"] == NAMES[purpose]
    # The single record reads the same.
    single = funding_client.get(f"/v1/public/ledger/records/{record['sequence']}").json()
    assert single["programme"] == NAMES[purpose]


def test_a_purpose_without_a_name_still_names_the_programme(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    fund_line(funding_app)
    disbursement_id = propose_one(funding_app, purpose="pilot_scheme", amount_fen=7)
    approve_and_pay(funding_client, funding_headers, disbursement_id)
    (record,) = funding_client.get("/v1/public/ledger/records").json()["items"]
    assert record["programme"] == "小微企业创业创新基地城市示范：pilot_scheme"
