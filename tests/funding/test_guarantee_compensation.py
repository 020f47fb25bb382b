"""Guarantee risk compensation through the API: the office admits an institution, which (as a
`bank` client whose org is its code) registers guarantees of small firms' loans and reports
payouts; the fund compensates the share in force on the payout day, from the yearly line, as a
disbursement (figures computed by hand below)."""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.funding.demo import load as load_demo
from services.funding.guarantees import service as guarantees_service
from tests.funding.conftest import FundingHeaders
from tests.funding.subsidy_support import (
    GRADUATE_USCC,
    GUARANTEE_LINE,
    OTHER_USCC,
    admin,
    balance,
    file_enterprise,
    fund_line,
    pay_and_publish,
    public_record,
    zero_sum,
)

INSTITUTION = {
    "code": "TYGUAR",
    "name": "太原市中小企业融资担保有限公司",
    "uscc": "91140100MA0K000017",
}
FUNDS = 20_000_000
GUARANTEE = {
    "enterprise_uscc": GRADUATE_USCC,
    "lender": "晋商银行太原分行",
    "loan_ref": "JSB-TY-2015-000456",
    "principal_fen": 100_000_000,
    "guaranteed_fen": 80_000_000,
    "starts_on": "2015-04-01",
    "ends_on": "2016-03-31",
}


def institution(headers: FundingHeaders, code: str = "TYGUAR") -> dict[str, str]:
    """The institution's client: kind `bank`, org its code, with an Idempotency-Key."""
    return {
        **headers(kind="bank", org=code, scopes=("funding:read", "funding:loans"),
                  client_id=f"cli_{code.lower()}"),
        "Idempotency-Key": uuid.uuid4().hex,
    }  # fmt: skip


@pytest.fixture
def guarantee(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> dict[str, Any]:
    """TYGUAR admitted, a guarantee of a small firm's loan registered, the 2015 line funded."""
    file_enterprise(funding_app, GRADUATE_USCC)
    fund_line(funding_app, account=GUARANTEE_LINE, amount_fen=FUNDS)
    admitted = funding_client.post(
        "/v1/guarantee-institutions", json=INSTITUTION, headers=admin(funding_headers)
    )
    assert admitted.status_code == 201, admitted.text
    answer = funding_client.post(
        "/v1/guarantees", json=GUARANTEE, headers=institution(funding_headers)
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _payout(client: TestClient, headers: FundingHeaders, guarantee_id: str, **body: Any) -> Any:
    payload = {"reference": f"DC-{uuid.uuid4().hex[:8]}", "paid_on": "2015-11-18",
               "payout_fen": 30_000_000, **body}  # fmt: skip
    return client.post(
        f"/v1/guarantees/{guarantee_id}/payouts", json=payload, headers=institution(headers)
    )


def test_a_payout_is_compensated_by_the_share_in_force_to_the_fen(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    guarantee: dict[str, Any],
) -> None:
    answer = _payout(funding_client, funding_headers, guarantee["id"], payout_fen=33_333_333)
    assert answer.status_code == 201, answer.text
    payout = answer.json()
    # 30% (version 1, from 2015): 33,333,333 × 3,000 / 10,000 = 9,999,999.9 → 9,999,999 fen
    # (rounded down: the fund never pays more than its share).
    assert (payout["share_bp"], payout["compensation_fen"]) == (3_000, 9_999_999)
    assert payout["rule_set_version"] == "funding.guarantee.compensation@1"
    disbursement = funding_client.get(
        f"/v1/disbursements/{payout['disbursement_id']}", headers=admin(funding_headers)
    ).json()
    assert (disbursement["payee_uscc"], disbursement["amount_fen"], disbursement["account"]) == (
        INSTITUTION["uscc"],
        9_999_999,
        GUARANTEE_LINE,
    )
    read = funding_client.get(
        f"/v1/guarantees/{guarantee['id']}", headers=institution(funding_headers)
    )
    assert (read.json()["paid_out_fen"], read.json()["compensated_fen"]) == (33_333_333, 9_999_999)
    assert balance(funding_app, GUARANTEE_LINE) == FUNDS - 9_999_999
    assert zero_sum(funding_client)


def test_a_new_share_applies_to_payouts_from_its_day(
    funding_client: TestClient, funding_headers: FundingHeaders, guarantee: dict[str, Any]
) -> None:
    saved = funding_client.post(
        "/v1/rule-sets",
        json={"family": "funding.guarantee.compensation", "effective_from": "2015-12-01",
              "rules": [{"name": "share_bp", "expression": "4000"}]},
        headers=admin(funding_headers),
    )  # fmt: skip
    assert saved.status_code == 201, saved.text
    before = _payout(funding_client, funding_headers, guarantee["id"], paid_on="2015-11-30",
                     payout_fen=10_000_000).json()  # fmt: skip
    after = _payout(funding_client, funding_headers, guarantee["id"], paid_on="2015-12-01",
                    payout_fen=10_000_000).json()  # fmt: skip
    # 10,000,000 × 30% = 3,000,000; from 1 December 40%: 4,000,000.
    assert (before["compensation_fen"], after["compensation_fen"]) == (3_000_000, 4_000_000)
    listed = funding_client.get(
        f"/v1/guarantees/{guarantee['id']}/payouts", headers=admin(funding_headers)
    ).json()
    assert [p["id"] for p in listed] == [before["id"], after["id"]]


def test_payouts_never_exceed_the_guarantee_nor_repeat_a_reference(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    guarantee: dict[str, Any],
) -> None:
    first = _payout(funding_client, funding_headers, guarantee["id"], reference="DC-1",
                    payout_fen=60_000_000)  # fmt: skip
    assert first.status_code == 201, first.text
    # 60,000,000 + 20,000,001 > 80,000,000 guaranteed.
    over = _payout(funding_client, funding_headers, guarantee["id"], payout_fen=20_000_001)
    assert over.status_code == 409 and over.json()["code"] == "guarantee_payout_exceeds_guarantee"
    again = _payout(funding_client, funding_headers, guarantee["id"], reference="DC-1",
                    payout_fen=1_000)  # fmt: skip
    assert again.status_code == 409 and again.json()["code"] == "guarantee_payout_exists"
    early = _payout(funding_client, funding_headers, guarantee["id"], paid_on="2015-03-31")
    assert early.status_code == 422 and early.json()["code"] == "guarantee_payout_outside_term"
    # 60,000,000 × 30% = 18,000,000 committed; nothing else.
    assert balance(funding_app, GUARANTEE_LINE) == FUNDS - 18_000_000
    read = funding_client.get(f"/v1/guarantees/{guarantee['id']}", headers=admin(funding_headers))
    assert read.json()["paid_out_fen"] == 60_000_000
    # Fits exactly: 80,000,000 in all; 20,000,000 × 30% = 6,000,000 > the 2,000,000 left.
    short = _payout(funding_client, funding_headers, guarantee["id"], payout_fen=20_000_000)
    assert short.status_code == 409 and short.json()["code"] == "ledger_insufficient_funds"
    read = funding_client.get(f"/v1/guarantees/{guarantee['id']}", headers=admin(funding_headers))
    assert read.json()["paid_out_fen"] == 60_000_000
    assert balance(funding_app, GUARANTEE_LINE) == 2_000_000
    assert zero_sum(funding_client)


def test_who_may_register_and_what_is_refused(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    guarantee: dict[str, Any],
) -> None:
    # A bank that is not an institution of the scheme.
    stranger = funding_client.post(
        "/v1/guarantees", json=GUARANTEE, headers=institution(funding_headers, "JSB")
    )
    assert stranger.status_code == 403 and stranger.json()["code"] == "not_a_guarantee_institution"
    payout = _payout(funding_client, funding_headers, guarantee["id"])
    assert payout.status_code == 201
    elsewhere = funding_client.post(
        f"/v1/guarantees/{guarantee['id']}/payouts",
        json={"reference": "X-1", "paid_on": "2015-11-18", "payout_fen": 1_000},
        headers=institution(funding_headers, "JSB"),
    )
    assert (
        elsewhere.status_code == 403 and elsewhere.json()["code"] == "not_a_guarantee_institution"
    )
    # An admitted institution reporting a payout on another institution's guarantee: not its to
    # see, so not found, and nothing is paid.
    other = {**INSTITUTION, "code": "AAGUAR", "uscc": "91140100MA0K00002X"}
    admitted = funding_client.post(
        "/v1/guarantee-institutions", json=other, headers=admin(funding_headers)
    )
    assert admitted.status_code == 201, admitted.text
    before = funding_client.get(
        f"/v1/guarantees/{guarantee['id']}/payouts", headers=admin(funding_headers)
    ).json()
    line = balance(funding_app, GUARANTEE_LINE)
    foreign = funding_client.post(
        f"/v1/guarantees/{guarantee['id']}/payouts",
        json={"reference": "AA-1", "paid_on": "2015-11-18", "payout_fen": 1_000},
        headers=institution(funding_headers, "AAGUAR"),
    )
    assert foreign.status_code == 404 and foreign.json()["code"] == "guarantee_not_found"
    after = funding_client.get(
        f"/v1/guarantees/{guarantee['id']}/payouts", headers=admin(funding_headers)
    ).json()
    assert after == before and balance(funding_app, GUARANTEE_LINE) == line
    assert zero_sum(funding_client)
    # Admins, enterprises and portals do not register guarantees.
    for kind in ("admin", "enterprise", "portal"):
        refused = funding_client.post(
            "/v1/guarantees", json=GUARANTEE, headers=funding_headers(kind=kind)
        )
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden_client_kind", (
            refused.text
        )
    twice = funding_client.post(
        "/v1/guarantees", json=GUARANTEE, headers=institution(funding_headers)
    )
    assert twice.status_code == 409 and twice.json()["code"] == "guarantee_exists"
    file_enterprise(funding_app, OTHER_USCC, size_class="medium")
    medium = funding_client.post(
        "/v1/guarantees",
        json={**GUARANTEE, "enterprise_uscc": OTHER_USCC, "loan_ref": "L-2"},
        headers=institution(funding_headers),
    )
    assert medium.status_code == 422 and medium.json()["code"] == "guarantee_not_sme"
    unfiled = funding_client.post(
        "/v1/guarantees",
        json={**GUARANTEE, "enterprise_uscc": "91140100MA0K00011X", "loan_ref": "L-3"},
        headers=institution(funding_headers),
    )
    assert unfiled.status_code == 422 and unfiled.json()["code"] == "unknown_enterprise"
    invalid = funding_client.post(
        "/v1/guarantees",
        json={**GUARANTEE, "guaranteed_fen": 100_000_001, "loan_ref": "L-4"},
        headers=institution(funding_headers),
    )
    assert invalid.status_code == 422 and invalid.json()["code"] == "validation_failed"
    taken = funding_client.post(
        "/v1/guarantee-institutions", json=INSTITUTION, headers=admin(funding_headers)
    )
    assert taken.status_code == 409 and taken.json()["code"] == "guarantee_institution_exists"
    listed = funding_client.get("/v1/guarantees", headers=admin(funding_headers)).json()["items"]
    assert [g["id"] for g in listed] == [guarantee["id"]]
    none = funding_client.get("/v1/guarantees", headers=institution(funding_headers, "JSB"))
    assert none.json()["items"] == []
    hidden = funding_client.get(
        f"/v1/guarantees/{guarantee['id']}", headers=institution(funding_headers, "JSB")
    )
    assert hidden.status_code == 404 and hidden.json()["code"] == "guarantee_not_found"
    assert zero_sum(funding_client)


def test_a_year_without_its_line_refuses_and_changes_nothing(
    funding_client: TestClient, funding_headers: FundingHeaders, guarantee: dict[str, Any]
) -> None:
    answer = _payout(funding_client, funding_headers, guarantee["id"], paid_on="2016-01-15")
    assert answer.status_code == 409 and answer.json()["code"] == "guarantee_budget_line_missing"
    read = funding_client.get(f"/v1/guarantees/{guarantee['id']}", headers=admin(funding_headers))
    assert read.json()["paid_out_fen"] == 0


def test_a_paid_compensation_appears_in_the_public_ledger(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    guarantee: dict[str, Any],
) -> None:
    payout = _payout(funding_client, funding_headers, guarantee["id"]).json()
    sequence = pay_and_publish(funding_client, funding_headers, payout["disbursement_id"])
    record = public_record(funding_client, sequence)
    # 30,000,000 × 30% = 9,000,000 fen to the institution.
    assert (record["payee_uscc"], record["amount_fen"], record["budget_line"]) == (
        INSTITUTION["uscc"],
        9_000_000,
        "financing:guarantee-risk",
    )
    assert record["programme"] == "小微企业创业创新基地城市示范：融资性担保机构风险补偿"
    assert balance(funding_app, f"payee:{INSTITUTION['uscc']}") == 9_000_000
    assert zero_sum(funding_client)


def test_the_2015_line_of_the_budget_holds_0_2_yi_and_refuses_beyond_it(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    load_demo(funding_app.state.database)  # the 2015 budget: guarantee risk 0.2亿
    file_enterprise(funding_app, GRADUATE_USCC)
    assert balance(funding_app, GUARANTEE_LINE) == 2_000_000_000
    funding_client.post(
        "/v1/guarantee-institutions", json=INSTITUTION, headers=admin(funding_headers)
    )
    body = {**GUARANTEE, "principal_fen": 90_000_000_000, "guaranteed_fen": 80_000_000_000}
    guarantee_id = funding_client.post(
        "/v1/guarantees", json=body, headers=institution(funding_headers)
    ).json()["id"]
    # 6,666,666,667 × 30% = 2,000,000,000.1 → 2,000,000,000 fen: exactly the line.
    # 6,666,666,671 × 30% = 2,000,000,001.3 → 2,000,000,001 fen: a fen too much.
    over = _payout(funding_client, funding_headers, guarantee_id, payout_fen=6_666_666_671)
    assert over.status_code == 409 and over.json()["code"] == "ledger_insufficient_funds"
    fits = _payout(funding_client, funding_headers, guarantee_id, payout_fen=6_666_666_667)
    assert fits.status_code == 201 and fits.json()["compensation_fen"] == 2_000_000_000
    assert balance(funding_app, GUARANTEE_LINE) == 0
    read = funding_client.get(f"/v1/guarantees/{guarantee_id}", headers=admin(funding_headers))
    assert read.json()["paid_out_fen"] == 6_666_666_667
    assert zero_sum(funding_client)


def test_a_payout_before_the_guarantee_starts_or_worth_no_fen_is_refused_and_changes_nothing(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    guarantee: dict[str, Any],
) -> None:
    early = _payout(funding_client, funding_headers, guarantee["id"], paid_on="2015-03-31")
    assert early.status_code == 422 and early.json()["code"] == "guarantee_payout_outside_term"
    assert early.json()["errors"][0]["field"] == "body.paid_on"
    # 3 fen × 3,000 bp / 10,000 = 0.9 → 0 fen: nothing to compensate, nothing proposed
    tiny = _payout(funding_client, funding_headers, guarantee["id"], payout_fen=3)
    assert tiny.status_code == 422 and tiny.json()["code"] == "guarantee_nothing_to_compensate"
    read = funding_client.get(f"/v1/guarantees/{guarantee['id']}", headers=admin(funding_headers))
    assert (read.json()["paid_out_fen"], read.json()["compensated_fen"]) == (0, 0)
    assert balance(funding_app, GUARANTEE_LINE) == FUNDS
    proposed = funding_client.get("/v1/disbursements", headers=admin(funding_headers)).json()
    assert proposed["items"] == []


def test_the_guarantee_list_filters_by_institution_and_enterprise(
    funding_client: TestClient, funding_headers: FundingHeaders, guarantee: dict[str, Any]
) -> None:
    def ids(query: str) -> list[str]:
        answer = funding_client.get(f"/v1/guarantees?{query}", headers=admin(funding_headers))
        assert answer.status_code == 200, answer.text
        return [g["id"] for g in answer.json()["items"]]

    assert ids("institution=TYGUAR") == [guarantee["id"]]
    assert ids("institution=OTHERG") == []
    assert ids(f"enterprise={GRADUATE_USCC}") == [guarantee["id"]]
    assert ids(f"enterprise={OTHER_USCC}") == []


def _save_share(
    client: TestClient, headers: FundingHeaders, effective_from: str, share: str
) -> None:
    saved = client.post(
        "/v1/rule-sets",
        json={"family": "funding.guarantee.compensation", "effective_from": effective_from,
              "rules": [{"name": "share_bp", "expression": share}]},
        headers=admin(headers),
    )  # fmt: skip
    assert saved.status_code == 201, saved.text


def test_a_share_of_0_to_10000_basis_points_applies_and_one_outside_is_refused(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    guarantee: dict[str, Any],
) -> None:
    """From June 100%, from July 0%, from August -1 bp, from September 10001 bp (a rule set to
    correct): the whole payout, nothing to compensate, and two refusals naming the share."""
    for effective_from, share in (("2015-06-01", "10000"), ("2015-07-01", "0"),
                                  ("2015-08-01", "0 - 1"), ("2015-09-01", "10001")):  # fmt: skip
        _save_share(funding_client, funding_headers, effective_from, share)
    answers = [
        _payout(funding_client, funding_headers, guarantee["id"], paid_on=f"2015-{month:02d}-15",
                payout_fen=1_000_000)
        for month in (6, 7, 8, 9)
    ]  # fmt: skip
    assert answers[0].status_code == 201 and answers[0].json()["compensation_fen"] == 1_000_000
    codes = [answer.json()["code"] for answer in answers[1:]]
    assert codes == [
        "guarantee_nothing_to_compensate",
        "guarantee_share_invalid",
        "guarantee_share_invalid",
    ]
    assert "gave a share of -1 basis points" in answers[2].json()["detail"]
    assert "gave a share of 10001 basis points" in answers[3].json()["detail"]
    read = funding_client.get(f"/v1/guarantees/{guarantee['id']}", headers=admin(funding_headers))
    assert (read.json()["paid_out_fen"], read.json()["compensated_fen"]) == (1_000_000, 1_000_000)
    assert balance(funding_app, GUARANTEE_LINE) == FUNDS - 1_000_000


def test_a_payout_is_reported_from_the_guarantees_first_day_to_today_in_shanghai(
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    guarantee: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Today is 30 June 2015 in Shanghai (23:59 there, 15:59 UTC); the guarantee starts on
    1 April: payouts of 1 April and 30 June are compensated, one dated 1 July is refused."""
    at = datetime(2015, 6, 30, 15, 59, tzinfo=UTC)
    monkeypatch.setattr(guarantees_service, "utcnow", lambda: at)
    first = _payout(funding_client, funding_headers, guarantee["id"], paid_on="2015-04-01")
    today = _payout(funding_client, funding_headers, guarantee["id"], paid_on="2015-06-30")
    tomorrow = _payout(funding_client, funding_headers, guarantee["id"], paid_on="2015-07-01")
    assert (first.status_code, today.status_code) == (201, 201), today.text
    assert tomorrow.status_code == 422
    assert tomorrow.json()["code"] == "guarantee_payout_outside_term"
    assert "today (2015-06-30)" in tomorrow.json()["detail"]


def test_a_deregistered_enterprises_loan_is_not_guaranteed_under_the_scheme(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    guarantee: dict[str, Any],
) -> None:
    file_enterprise(funding_app, OTHER_USCC, status="deregistered")
    body = {**GUARANTEE, "enterprise_uscc": OTHER_USCC, "loan_ref": "JSB-TY-2015-000999"}
    refused = funding_client.post("/v1/guarantees", json=body, headers=institution(funding_headers))
    assert refused.status_code == 422 and refused.json()["code"] == "guarantee_not_sme"
    assert refused.json()["errors"][0]["field"] == "body.enterprise_uscc"


def test_each_institution_and_guarantee_lists_its_own(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    guarantee: dict[str, Any],
) -> None:
    """A second institution (its code sorting first) guaranteeing another enterprise's loan
    (its code sorting first too): each institution sees its own guarantees, the office filters
    exactly, and each guarantee lists only its payouts."""
    other = {**INSTITUTION, "code": "AAGUAR", "uscc": "91140100MA0K00002X"}
    admitted = funding_client.post(
        "/v1/guarantee-institutions", json=other, headers=admin(funding_headers)
    )
    assert admitted.status_code == 201, admitted.text
    file_enterprise(funding_app, OTHER_USCC)
    theirs = funding_client.post(
        "/v1/guarantees",
        json={**GUARANTEE, "enterprise_uscc": OTHER_USCC},
        headers=institution(funding_headers, "AAGUAR"),
    )
    assert theirs.status_code == 201, theirs.text
    office = admin(funding_headers)

    def ids(headers: dict[str, str], **params: str) -> list[str]:
        answer = funding_client.get("/v1/guarantees", params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        return [g["id"] for g in answer.json()["items"]]

    assert ids(office, institution="AAGUAR") == [theirs.json()["id"]]
    assert ids(office, institution="TYGUAR") == [guarantee["id"]]
    assert ids(office, enterprise=OTHER_USCC) == [theirs.json()["id"]]
    assert ids(office, enterprise=GRADUATE_USCC) == [guarantee["id"]]
    assert ids(institution(funding_headers)) == [guarantee["id"]]
    assert ids(institution(funding_headers, "AAGUAR")) == [theirs.json()["id"]]
    peek = funding_client.get(
        f"/v1/guarantees/{theirs.json()['id']}", headers=institution(funding_headers)
    )
    assert peek.status_code == 404 and peek.json()["code"] == "guarantee_not_found", peek.text
    ours = _payout(funding_client, funding_headers, guarantee["id"]).json()["id"]
    theirs_paid = funding_client.post(
        f"/v1/guarantees/{theirs.json()['id']}/payouts",
        json={"reference": "DC-AA-1", "paid_on": "2015-11-18", "payout_fen": 1_000_000},
        headers=institution(funding_headers, "AAGUAR"),
    )
    assert theirs_paid.status_code == 201, theirs_paid.text
    for guarantee_id, payout_id in (
        (guarantee["id"], ours),
        (theirs.json()["id"], theirs_paid.json()["id"]),
    ):
        listed = funding_client.get(f"/v1/guarantees/{guarantee_id}/payouts", headers=office)
        assert [p["id"] for p in listed.json()] == [payout_id]


def test_a_payout_worth_one_fen_of_compensation_is_paid(
    funding_client: TestClient, funding_headers: FundingHeaders, guarantee: dict[str, Any]
) -> None:
    """4 fen × 3,000 bp / 10,000 = 1.2 → 1 fen (3 fen make 0.9 → 0: refused, see above)."""
    answer = _payout(funding_client, funding_headers, guarantee["id"], payout_fen=4)
    assert answer.status_code == 201, answer.text
    assert answer.json()["compensation_fen"] == 1
