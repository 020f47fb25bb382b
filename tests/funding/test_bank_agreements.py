"""Bank agreements: versions from a date, never edited; the office writes, a bank reads its own;
a loan keeps the version in force on its start date."""

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.identity import ClientKind, Principal
from services.funding.agreements import service as agreements_service
from services.funding.agreements.errors import NotABank
from services.funding.agreements.schemas import BankAgreementCreate
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
from tests.locks import waits_then_answers


def test_versions_take_effect_later_and_are_never_edited(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    first = agree(funding_client, funding_headers)
    assert (first["version"], first["leverage_multiple"], first["pool_share_bp"]) == (1, 10, 6000)
    # Not after the latest version: 409; before today (a later version): 422; another name: 409.
    refusals: list[tuple[dict[str, Any], int, str]] = [
        ({"effective_from": "2015-01-01"}, 409, "bank_agreement_not_later"),
        ({"effective_from": "2016-01-01"}, 422, "bank_agreement_backdated"),
        ({"effective_from": "2999-01-01", "bank_name": "别名"}, 409, "bank_agreement_name_changed"),
        (  # a name sorting after the bank's as well as one before it
            {"effective_from": "2999-01-01", "bank_name": "晋商银行股份有限公司"},
            409,
            "bank_agreement_name_changed",
        ),
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
    assert as_bank.status_code == 403 and as_bank.json()["code"] == "forbidden_client_kind"


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
    # A loan starting on the day version 2 takes effect is under version 2; the day before, 1.
    on_the_day = loan_body(3, 1000, SMALL, start_on="2999-01-01", maturity_on="2999-12-31")
    first_day = register(funding_client, funding_headers, on_the_day)
    assert first_day.status_code == 422 and first_day.json()["code"] == "loan_rate_over_cap"
    day_before = {**on_the_day, "start_on": "2998-12-31"}
    last_day = register(funding_client, funding_headers, day_before)
    assert last_day.status_code == 201 and last_day.json()["agreement_version"] == 1


def test_a_third_version_is_checked_against_the_latest_and_numbered_after_it(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    agree(funding_client, funding_headers)  # version 1 from 2015-01-01
    agree(funding_client, funding_headers, effective_from="2999-01-01")
    # After version 1 but not after version 2 (the latest): refused, nothing added.
    between = funding_client.post(
        "/v1/bank-agreements",
        json={**TERMS, "effective_from": "2998-06-01"},
        headers=admin(funding_headers),
    )
    assert between.status_code == 409 and between.json()["code"] == "bank_agreement_not_later"
    assert "version 2 takes effect on 2999-01-01" in between.json()["errors"][0]["message"]
    third = agree(funding_client, funding_headers, effective_from="3000-01-01")
    assert (third["version"], third["effective_from"]) == (3, "3000-01-01")
    read = funding_client.get("/v1/bank-agreements/JSB", headers=admin(funding_headers)).json()
    assert [(v["version"], v["effective_from"]) for v in read["versions"]] == [
        (1, "2015-01-01"), (2, "2999-01-01"), (3, "3000-01-01"),
    ]  # fmt: skip


def test_a_version_from_today_is_in_force_at_once(
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 2026-12-01 17:00 UTC is 2026-12-02 in Shanghai: "today" is the city's date.
    monkeypatch.setattr(
        agreements_service, "utcnow", lambda: datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    )
    agree(funding_client, funding_headers)
    yesterday = funding_client.post(
        "/v1/bank-agreements",
        json={**TERMS, "effective_from": "2026-12-01"},
        headers=admin(funding_headers),
    )
    assert yesterday.status_code == 422 and yesterday.json()["code"] == "bank_agreement_backdated"
    today = agree(funding_client, funding_headers, effective_from="2026-12-02", rate_cap_bp=500)
    assert today["version"] == 2
    read = funding_client.get("/v1/bank-agreements/JSB", headers=admin(funding_headers)).json()
    assert read["in_force"]["version"] == 2 and read["in_force"]["rate_cap_bp"] == 500


def test_banks_see_only_their_own_terms_whichever_way_their_codes_sort(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    agree(funding_client, funding_headers)
    agree(funding_client, funding_headers, bank_code="TYB", bank_name="太原银行")
    # TYB sorts after JSB (and JSB before TYB): neither sees the other's terms.
    for reader, other in (("TYB", "JSB"), ("JSB", "TYB")):
        headers = bank(funding_headers, reader, key=False)
        hidden = funding_client.get(f"/v1/bank-agreements/{other}", headers=headers)
        assert hidden.status_code == 404 and hidden.json()["code"] == "bank_agreement_not_found"
        listed = funding_client.get("/v1/bank-agreements", headers=headers).json()
        assert [a["bank_code"] for a in listed] == [reader]
    # A department (with an org of its own) reads every bank's terms, as the office does.
    department = funding_headers(kind="department", org="TYC")
    everyone = funding_client.get("/v1/bank-agreements", headers=department).json()
    assert [a["bank_code"] for a in everyone] == ["JSB", "TYB"]


def test_a_bank_without_an_agreement_registers_no_loan(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """JSB's agreement is the only one: another bank's loan finds no terms."""
    file_enterprises(funding_app)
    deposit(funding_client, funding_headers, 1_000_000)
    agree(funding_client, funding_headers)
    for code in ("ABC", "ZYB"):  # sorting before JSB, and after it
        answer = register(funding_client, funding_headers, loan_body(1, 1000, SMALL), code=code)
        assert answer.status_code == 409 and answer.json()["code"] == "no_bank_agreement"
        assert f"Bank {code} has no agreement" in answer.json()["detail"]
    loans = funding_client.get("/v1/risk-pool/loans", headers=admin(funding_headers)).json()
    assert loans["items"] == []


def test_two_versions_added_at_once_number_one_and_refuse_the_other(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    postgres_database: str | None,
) -> None:
    """The second waits on the first's uncommitted version 1 (the unique version number),
    then is refused as not later, and the first stands alone."""
    if postgres_database is None:
        pytest.skip("SQLite's BEGIN IMMEDIATE queues the second writer on its busy timeout")
    database = funding_app.state.database
    office = Principal(
        client_id="cli_admin_1", kind=ClientKind.ADMIN, org=None, scopes=frozenset(), actor=None
    )
    holder = database.session()
    try:
        agreements_service.add_version(
            session=holder, principal=office, data=BankAgreementCreate.model_validate(TERMS)
        )
        answer = waits_then_answers(
            holder,
            lambda: funding_client.post(
                "/v1/bank-agreements",
                json={**TERMS, "effective_from": "2016-01-01"},
                headers=admin(funding_headers),
            ),
            database,
            table="funding_bank_agreements",
        )
    finally:
        holder.close()
    assert answer.status_code == 409 and answer.json()["code"] == "bank_agreement_not_later"
    read = funding_client.get("/v1/bank-agreements/JSB", headers=admin(funding_headers)).json()
    assert [(v["version"], v["effective_from"]) for v in read["versions"]] == [(1, "2015-01-01")]


def test_only_a_bank_client_naming_its_bank_acts_for_a_bank() -> None:
    """bank_of's contract, whoever calls it: another kind naming a bank is not that bank."""
    for kind in (ClientKind.ADMIN, ClientKind.DEPARTMENT, ClientKind.PORTAL):
        other = Principal(client_id="cli_x", kind=kind, org="JSB", scopes=frozenset(), actor=None)
        with pytest.raises(NotABank, match="Only a bank client"):
            agreements_service.bank_of(other)
    jsb = Principal(client_id="cli_jsb", kind=ClientKind.BANK, org="JSB", scopes=frozenset(),
                    actor=None)  # fmt: skip
    assert agreements_service.bank_of(jsb) == "JSB"
