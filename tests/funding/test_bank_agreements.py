"""Bank agreements: versions from a date, never edited; the office writes, a bank reads its own;
a loan keeps the version in force on its start date."""

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.funding.conftest import FundingHeaders
from tests.funding.riskpool_support import (
    SMALL,
    TERMS,
    admin,
    agree,
    bank,
    deposit,
    file_enterprises,
    loan_body,
    register,
)


def test_versions_take_effect_later_and_are_never_edited(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    first = agree(funding_client, funding_headers)
    assert (first["version"], first["leverage_multiple"], first["pool_share_bp"]) == (1, 10, 6000)
    # Not after the latest version: 409; before today (a later version): 422; another name: 409.
    refusals = [
        ({"effective_from": "2015-01-01"}, 409, "bank_agreement_not_later"),
        ({"effective_from": "2016-01-01"}, 422, "bank_agreement_backdated"),
        ({"effective_from": "2999-01-01", "bank_name": "别名"}, 409, "bank_agreement_name_changed"),
        ({"pool_share_bp": 10_001}, 422, "validation_failed"),
        ({"per_enterprise_cap_fen": 699_999}, 422, "validation_failed"),
        ({"bank_code": "J"}, 422, "validation_failed"),
    ]
    for changes, status, code in refusals:
        answer = funding_client.post(
            "/v1/bank-agreements", json={**TERMS, **changes}, headers=admin(funding_headers)
        )
        assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text
    second = agree(funding_client, funding_headers, effective_from="2999-01-01", rate_cap_bp=500)
    assert second["version"] == 2
    read = funding_client.get("/v1/bank-agreements/JSB", headers=admin(funding_headers)).json()
    assert [v["version"] for v in read["versions"]] == [1, 2]
    assert read["in_force"]["version"] == 1 and read["in_force"]["rate_cap_bp"] == 650
    # Only the office writes (a bank holds no funding:admin; one with it still is not an admin).
    as_bank = funding_client.post(
        "/v1/bank-agreements", json=TERMS, headers=bank(funding_headers, key=False)
    )
    assert as_bank.status_code == 403


def test_a_bank_reads_its_own_agreement_only(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    agree(funding_client, funding_headers)
    agree(funding_client, funding_headers, bank_code="TYB", bank_name="太原银行")
    own = funding_client.get("/v1/bank-agreements/JSB", headers=bank(funding_headers, key=False))
    assert own.status_code == 200 and own.json()["bank_name"] == "晋商银行"
    other = funding_client.get("/v1/bank-agreements/TYB", headers=bank(funding_headers, key=False))
    assert other.status_code == 404 and other.json()["code"] == "bank_agreement_not_found"
    listed = funding_client.get("/v1/bank-agreements", headers=bank(funding_headers, key=False))
    assert [a["bank_code"] for a in listed.json()] == ["JSB"]
    everyone = funding_client.get("/v1/bank-agreements", headers=admin(funding_headers))
    assert [a["bank_code"] for a in everyone.json()] == ["JSB", "TYB"]


def test_a_loan_is_checked_against_and_keeps_the_version_in_force_on_its_start_date(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    file_enterprises(funding_app)
    deposit(funding_client, funding_headers, 1_000_000)
    agree(funding_client, funding_headers)  # from 2015: cap 650 bp, pool share 60%
    agree(
        funding_client,
        funding_headers,
        effective_from="2999-01-01",
        rate_cap_bp=500,
        pool_share_bp=5000,
    )
    old = register(funding_client, funding_headers, loan_body(1, 1000, SMALL, rate_bp=600))
    assert old.status_code == 201 and old.json()["agreement_version"] == 1
    assert old.json()["pool_share_bp"] == 6000
    later = loan_body(2, 1000, SMALL, rate_bp=600, start_on="2999-02-01", maturity_on="3000-01-31")
    refused = register(funding_client, funding_headers, later)
    assert refused.status_code == 422 and refused.json()["code"] == "loan_rate_over_cap"
    fits = register(funding_client, funding_headers, {**later, "rate_bp": 500})
    assert fits.status_code == 201 and fits.json()["agreement_version"] == 2
    assert fits.json()["pool_share_bp"] == 5000
