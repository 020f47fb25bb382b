"""Fee subsidies (涉企收费清单) through the API: the office keeps the list; a new small firm's
listed fees paid during the demonstration are reimbursed in full as disbursements; a fee not
on the list is refused by name; every refusal changes nothing."""

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.etag import Precondition
from services.common.identity import ClientKind, Principal
from services.funding.demo import load as load_demo
from services.funding.fees import service as fees_service
from services.funding.fees.schemas import FeeItemUpdate
from tests.funding.conftest import FundingHeaders
from tests.funding.subsidy_support import (
    FEE_LINE,
    GRADUATE_USCC,
    OTHER_USCC,
    admin,
    balance,
    enterprise,
    file_enterprise,
    fund_line,
    pay_and_publish,
    portal,
    public_record,
    zero_sum,
)
from tests.locks import waits_then_answers

URL = "/v1/subsidies/fee-claims"
FUNDS = 1_000_000
ITEM = {
    "code": "special-equipment-inspection",
    "item": "特种设备检验检测费",
    "department": "太原市质量技术监督局",
    "legal_basis": "《中华人民共和国特种设备安全法》",
}
CLAIM = {
    "fee_code": "special-equipment-inspection",
    "receipt_no": "QTS-2015-0008812",
    "paid_on": "2015-06-12",
    "amount_fen": 120_000,
}


@pytest.fixture
def listed(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> dict[str, Any]:
    """One fee on the list, a small firm founded on 2015-02-10, the 2015 `other` line funded."""
    file_enterprise(funding_app, GRADUATE_USCC)
    fund_line(funding_app, account=FEE_LINE, amount_fen=FUNDS)
    answer = funding_client.post("/v1/fee-list", json=ITEM, headers=admin(funding_headers))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _claims(client: TestClient, headers: FundingHeaders) -> list[dict[str, Any]]:
    return list(client.get(URL, headers=admin(headers)).json()["items"])


def test_a_listed_fee_is_reimbursed_in_full(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    listed: dict[str, Any],
) -> None:
    answer = funding_client.post(URL, json=CLAIM, headers=portal(funding_headers))
    assert answer.status_code == 201, answer.text
    claim = answer.json()
    assert (claim["amount_fen"], claim["fee_item"], claim["account"]) == (
        120_000,
        "特种设备检验检测费",
        FEE_LINE,
    )
    assert claim["actor"] == "cli_portal_sx"
    disbursement = funding_client.get(
        f"/v1/disbursements/{claim['disbursement_id']}", headers=admin(funding_headers)
    ).json()
    assert (disbursement["payee_uscc"], disbursement["amount_fen"], disbursement["purpose"]) == (
        GRADUATE_USCC,
        120_000,
        "fee_subsidy",
    )
    assert balance(funding_app, FEE_LINE) == FUNDS - 120_000
    assert zero_sum(funding_client)
    # The same receipt again: refused, nothing more committed.
    again = funding_client.post(URL, json=CLAIM, headers=enterprise(funding_headers))
    assert again.status_code == 409 and again.json()["code"] == "fee_claim_exists"
    assert balance(funding_app, FEE_LINE) == FUNDS - 120_000


def test_a_fee_not_on_the_list_is_refused_naming_it(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    listed: dict[str, Any],
) -> None:
    answer = funding_client.post(
        URL, json={**CLAIM, "fee_code": "business-licence-fee"}, headers=enterprise(funding_headers)
    )
    problem = answer.json()
    assert answer.status_code == 422 and problem["code"] == "fee_not_listed", answer.text
    assert "business-licence-fee" in problem["detail"]
    assert problem["errors"][0]["field"] == "body.fee_code"
    # A fee taken off the list is refused from then on.
    off = funding_client.patch(
        "/v1/fee-list/special-equipment-inspection",
        json={"listed": False},
        headers={**admin(funding_headers), "If-Match": '"special-equipment-inspection.1"'},
    )
    assert off.status_code == 200 and off.json()["listed"] is False, off.text
    withdrawn = funding_client.post(URL, json=CLAIM, headers=enterprise(funding_headers))
    assert withdrawn.status_code == 422 and withdrawn.json()["code"] == "fee_not_listed"
    assert "特种设备检验检测费" in withdrawn.json()["detail"]
    assert _claims(funding_client, funding_headers) == []
    assert balance(funding_app, FEE_LINE) == FUNDS and zero_sum(funding_client)


@pytest.mark.parametrize(
    ("fields", "body", "status", "code"),
    [
        ({"size_class": "medium"}, {}, 422, "fee_firm_not_small"),
        ({"status": "deregistered"}, {}, 422, "fee_firm_not_small"),
        ({"founded_on": "2014-12-31"}, {}, 422, "fee_firm_not_new"),
        ({"founded_on": "2018-01-01"}, {}, 422, "fee_firm_not_new"),
        ({}, {"paid_on": "2015-02-09"}, 422, "fee_paid_outside_period"),
        ({}, {"paid_on": "2018-01-02"}, 422, "fee_paid_outside_period"),
        ({}, {"paid_on": "2016-03-01"}, 409, "fee_budget_line_missing"),
        ({}, {"amount_fen": 0}, 422, "validation_failed"),
        ({}, {"receipt_no": ""}, 422, "validation_failed"),
    ],
)
def test_claims_outside_the_rules_are_refused_and_change_nothing(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    fields: dict[str, Any],
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    file_enterprise(funding_app, GRADUATE_USCC, **fields)
    fund_line(funding_app, account=FEE_LINE, amount_fen=FUNDS)
    assert (
        funding_client.post("/v1/fee-list", json=ITEM, headers=admin(funding_headers)).status_code
        == 201
    )
    answer = funding_client.post(URL, json={**CLAIM, **body}, headers=enterprise(funding_headers))
    assert answer.status_code == status and answer.json()["code"] == code, answer.text
    assert _claims(funding_client, funding_headers) == []
    assert balance(funding_app, FEE_LINE) == FUNDS and balance(funding_app, "payable") == 0
    assert zero_sum(funding_client)


def test_the_claim_that_would_overspend_the_line_is_refused(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    listed: dict[str, Any],
) -> None:
    first = funding_client.post(
        URL, json={**CLAIM, "amount_fen": 900_000}, headers=enterprise(funding_headers)
    )
    assert first.status_code == 201, first.text
    second = funding_client.post(
        URL,
        json={**CLAIM, "receipt_no": "QTS-2", "amount_fen": 100_001},
        headers=enterprise(funding_headers),
    )
    assert second.status_code == 409 and second.json()["code"] == "ledger_insufficient_funds"
    # Exactly what is left fits.
    third = funding_client.post(
        URL,
        json={**CLAIM, "receipt_no": "QTS-3", "amount_fen": 100_000},
        headers=enterprise(funding_headers),
    )
    assert third.status_code == 201, third.text
    assert len(_claims(funding_client, funding_headers)) == 2
    assert balance(funding_app, FEE_LINE) == 0 and zero_sum(funding_client)


def test_the_list_is_the_offices_and_public(
    funding_client: TestClient, funding_headers: FundingHeaders, listed: dict[str, Any]
) -> None:
    for kind in ("enterprise", "bank", "department"):
        refused = funding_client.post(
            "/v1/fee-list", json={**ITEM, "code": "x-" + kind}, headers=funding_headers(kind=kind)
        )
        assert refused.status_code == 403, refused.text
    taken = funding_client.post("/v1/fee-list", json=ITEM, headers=admin(funding_headers))
    assert taken.status_code == 409 and taken.json()["code"] == "fee_item_exists"
    stale = funding_client.patch(
        "/v1/fee-list/special-equipment-inspection",
        json={"department": "太原市市场监督管理局"},
        headers={**admin(funding_headers), "If-Match": '"special-equipment-inspection.9"'},
    )
    assert stale.status_code == 412 and stale.json()["code"] == "stale_etag"
    public = funding_client.get("/v1/public/fee-list")
    assert public.status_code == 200
    assert [(i["code"], i["item"], i["department"], i["legal_basis"]) for i in public.json()] == [
        (ITEM["code"], ITEM["item"], ITEM["department"], ITEM["legal_basis"])
    ]
    one = funding_client.get(
        "/v1/fee-list/special-equipment-inspection", headers=funding_headers(kind="enterprise")
    )
    assert one.status_code == 200 and one.headers["ETag"] == '"special-equipment-inspection.1"'
    missing = funding_client.get("/v1/fee-list/nothing-here", headers=admin(funding_headers))
    assert missing.status_code == 404 and missing.json()["code"] == "fee_item_not_found"


def test_the_demo_seed_lists_fees_once_each_with_its_department_and_legal_basis(
    funding_app: FastAPI, funding_client: TestClient
) -> None:
    assert load_demo(funding_app.state.database) is True
    assert load_demo(funding_app.state.database) is False
    listed = funding_client.get("/v1/public/fee-list").json()
    assert len(listed) == 4
    assert {item["item"] for item in listed} >= {"特种设备检验检测费", "防空地下室易地建设费"}
    for item in listed:
        assert item["department"].startswith("太原市") and "《" in item["legal_basis"]
        assert (item["listed"], item["version"]) == (True, 1)


def test_a_reimbursed_fee_appears_in_the_public_ledger(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    listed: dict[str, Any],
) -> None:
    claim = funding_client.post(URL, json=CLAIM, headers=enterprise(funding_headers)).json()
    sequence = pay_and_publish(funding_client, funding_headers, claim["disbursement_id"])
    record = public_record(funding_client, sequence)
    assert (record["payee_uscc"], record["amount_fen"], record["budget_line"]) == (
        GRADUATE_USCC,
        120_000,
        "other",
    )
    assert (
        record["programme"] == "小微企业创业创新基地城市示范：新注册小微企业涉企行政事业性收费补贴"
    )
    assert balance(funding_app, f"payee:{GRADUATE_USCC}") == 120_000
    assert zero_sum(funding_client)


def test_the_2015_other_line_holds_0_1_yi_and_refuses_beyond_it(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    load_demo(funding_app.state.database)  # the 2015 budget (其他资金 0.1亿) and the fee list
    file_enterprise(funding_app, GRADUATE_USCC)
    assert balance(funding_app, FEE_LINE) == 1_000_000_000
    over = funding_client.post(
        URL, json={**CLAIM, "amount_fen": 1_000_000_001}, headers=enterprise(funding_headers)
    )
    assert over.status_code == 409 and over.json()["code"] == "ledger_insufficient_funds"
    fits = funding_client.post(
        URL, json={**CLAIM, "amount_fen": 1_000_000_000}, headers=enterprise(funding_headers)
    )
    assert fits.status_code == 201, fits.text
    assert balance(funding_app, FEE_LINE) == 0 and zero_sum(funding_client)


def test_another_enterprise_neither_reads_nor_lists_a_claim_and_the_office_filters(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    listed: dict[str, Any],
) -> None:
    claim = funding_client.post(URL, json=CLAIM, headers=enterprise(funding_headers)).json()
    own = funding_client.get(f"{URL}/{claim['id']}", headers=enterprise(funding_headers))
    assert own.status_code == 200 and own.json() == claim
    file_enterprise(funding_app, OTHER_USCC)
    other = funding_client.get(
        f"{URL}/{claim['id']}", headers=enterprise(funding_headers, OTHER_USCC)
    )
    assert other.status_code == 404 and other.json()["code"] == "fee_claim_not_found"
    assert (
        funding_client.get(URL, headers=enterprise(funding_headers, OTHER_USCC)).json()["items"]
        == []
    )
    mine = funding_client.get(
        URL, params={"enterprise": GRADUATE_USCC}, headers=admin(funding_headers)
    )
    theirs = funding_client.get(
        URL, params={"enterprise": OTHER_USCC}, headers=admin(funding_headers)
    )
    assert [c["id"] for c in mine.json()["items"]] == [claim["id"]]
    assert theirs.json()["items"] == []
    by_fee = funding_client.get(URL, params={"fee": ITEM["code"]}, headers=admin(funding_headers))
    no_fee = funding_client.get(URL, params={"fee": "unlisted-fee"}, headers=admin(funding_headers))
    assert [c["id"] for c in by_fee.json()["items"]] == [claim["id"]]
    assert no_fee.json()["items"] == []
    assert balance(funding_app, FEE_LINE) == FUNDS - 120_000


FEE_PATH = "/v1/fee-list/special-equipment-inspection"


def test_each_change_to_a_fee_needs_the_version_it_was_read_at_and_a_fee_taken_off_leaves(
    funding_client: TestClient, funding_headers: FundingHeaders, listed: dict[str, Any]
) -> None:
    """Each change moves the ETag on by one; a change from an older reading is 412; a fee taken
    off is gone from the list and the public list, and shown with `include_withdrawn`."""
    office = admin(funding_headers)
    moved = funding_client.patch(
        FEE_PATH,
        json={"department": "太原市市场监督管理局"},
        headers={**office, "If-Match": '"special-equipment-inspection.1"'},
    )
    assert moved.status_code == 200 and moved.headers["ETag"] == '"special-equipment-inspection.2"'
    again = funding_client.patch(
        FEE_PATH,
        json={"listed": False},
        headers={**office, "If-Match": '"special-equipment-inspection.1"'},
    )
    assert again.status_code == 412 and again.json()["code"] == "stale_etag"
    assert funding_client.get(FEE_PATH, headers=office).json()["listed"] is True
    off = funding_client.patch(
        FEE_PATH,
        json={"listed": False},
        headers={**office, "If-Match": '"special-equipment-inspection.2"'},
    )
    assert off.status_code == 200 and off.headers["ETag"] == '"special-equipment-inspection.3"'
    other = {**ITEM, "code": "zz-later-fee", "item": "另一项收费"}
    assert funding_client.post("/v1/fee-list", json=other, headers=office).status_code == 201
    on_list = funding_client.get("/v1/fee-list", headers=office).json()
    everything = funding_client.get(
        "/v1/fee-list", params={"include_withdrawn": True}, headers=office
    ).json()
    public = funding_client.get("/v1/public/fee-list").json()
    assert [i["code"] for i in on_list] == ["zz-later-fee"]
    assert [(i["code"], i["listed"]) for i in everything] == [
        ("special-equipment-inspection", False),
        ("zz-later-fee", True),
    ]
    assert [i["code"] for i in public] == ["zz-later-fee"]


@pytest.mark.parametrize(
    ("founded_on", "accepted"),
    [("2014-12-31", False), ("2015-01-01", True), ("2017-12-31", True), ("2018-01-01", False)],
)
def test_a_firm_founded_on_the_first_or_last_day_of_the_demonstration_is_new(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    founded_on: str,
    accepted: bool,
) -> None:
    """The period is 2015-01-01 to 2017-12-31, both days in it (the fee paid on 2017-12-31)."""
    file_enterprise(funding_app, GRADUATE_USCC, founded_on=founded_on)
    fund_line(funding_app, account="line:2017:other", year=2017, amount_fen=FUNDS)
    assert (
        funding_client.post("/v1/fee-list", json=ITEM, headers=admin(funding_headers)).status_code
        == 201
    )
    body = {**CLAIM, "paid_on": "2017-12-31"}
    answer = funding_client.post(URL, json=body, headers=enterprise(funding_headers))
    if accepted:
        assert answer.status_code == 201, answer.text
    else:
        assert answer.status_code == 422 and answer.json()["code"] == "fee_firm_not_new"


@pytest.mark.parametrize(
    ("paid_on", "accepted"),
    [("2015-02-09", False), ("2015-02-10", True), ("2017-12-31", True), ("2018-01-01", False)],
)
def test_a_fee_paid_on_the_founding_day_or_the_last_day_of_the_demonstration_is_reimbursed(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    listed: dict[str, Any],
    paid_on: str,
    accepted: bool,
) -> None:
    """The firm was founded on 2015-02-10; the period ends on 2017-12-31."""
    for year in (2017, 2018):
        fund_line(funding_app, account=f"line:{year}:other", year=year, amount_fen=FUNDS)
    answer = funding_client.post(
        URL, json={**CLAIM, "paid_on": paid_on}, headers=enterprise(funding_headers)
    )
    if accepted:
        assert answer.status_code == 201, answer.text
    else:
        assert answer.status_code == 422 and answer.json()["code"] == "fee_paid_outside_period"
        assert answer.json()["errors"][0]["field"] == "body.paid_on"


def test_each_enterprise_sees_its_own_claims_and_the_office_filters_exactly(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    listed: dict[str, Any],
) -> None:
    """Two enterprises (OTHER_USCC sorts first), two fees ("zz-…" sorts last)."""
    assert OTHER_USCC < GRADUATE_USCC
    file_enterprise(funding_app, OTHER_USCC)
    later_fee = {**ITEM, "code": "zz-later-fee", "item": "另一项收费"}
    assert (
        funding_client.post(
            "/v1/fee-list", json=later_fee, headers=admin(funding_headers)
        ).status_code
        == 201
    )
    made = {}
    for uscc in (OTHER_USCC, GRADUATE_USCC):
        for fee in (ITEM["code"], "zz-later-fee"):
            body = {**CLAIM, "fee_code": fee, "receipt_no": f"R-{uscc[-4:]}-{fee[:2]}"}
            answer = funding_client.post(URL, json=body, headers=enterprise(funding_headers, uscc))
            assert answer.status_code == 201, answer.text
            made[uscc, fee] = answer.json()["id"]

    def ids(answer: Any) -> set[str]:
        assert answer.status_code == 200, answer.text
        return {c["id"] for c in answer.json()["items"]}

    for uscc in (OTHER_USCC, GRADUATE_USCC):
        own = {made[uscc, fee] for fee in (ITEM["code"], "zz-later-fee")}
        assert ids(funding_client.get(URL, headers=enterprise(funding_headers, uscc))) == own
        theirs = made[OTHER_USCC if uscc == GRADUATE_USCC else GRADUATE_USCC, ITEM["code"]]
        read = funding_client.get(f"{URL}/{theirs}", headers=enterprise(funding_headers, uscc))
        assert read.status_code == 404 and read.json()["code"] == "fee_claim_not_found"
    office = admin(funding_headers)
    for uscc in (OTHER_USCC, GRADUATE_USCC):
        by_firm = funding_client.get(URL, params={"enterprise": uscc}, headers=office)
        assert ids(by_firm) == {made[uscc, ITEM["code"]], made[uscc, "zz-later-fee"]}
    for fee in (ITEM["code"], "zz-later-fee"):
        by_fee = funding_client.get(URL, params={"fee": fee}, headers=office)
        assert ids(by_fee) == {made[OTHER_USCC, fee], made[GRADUATE_USCC, fee]}


def test_two_changes_to_a_fee_from_one_reading_land_once(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    listed: dict[str, Any],
    postgres_database: str | None,
) -> None:
    """The second change waits for the first's transaction (a row lock, PostgreSQL), then finds
    its `If-Match` stale: 412, and the first's change stands. Had it read the row without
    waiting, both would match version 1 and the second would overwrite the first."""
    if postgres_database is None:
        pytest.skip("SQLite's BEGIN IMMEDIATE queues the second writer on its busy timeout")
    database = funding_app.state.database
    office = Principal(
        client_id="cli_first_editor", kind=ClientKind.ADMIN, org=None, scopes=frozenset(),
        actor="cli_first_editor",
    )  # fmt: skip
    read_at_1 = '"special-equipment-inspection.1"'
    holder = database.session()
    try:
        fees_service.update_item(  # the first change, its transaction left open
            session=holder,
            principal=office,
            code=ITEM["code"],
            data=FeeItemUpdate(department="太原市市场监督管理局"),
            precondition=Precondition(read_at_1, required=True),
        )
        answer = waits_then_answers(
            holder,
            lambda: funding_client.patch(
                FEE_PATH,
                json={"listed": False},
                headers={**admin(funding_headers), "If-Match": read_at_1},
            ),
            database,
            table="fee_items",
            what="the second change",
        )
    finally:
        holder.close()
    assert answer.status_code == 412 and answer.json()["code"] == "stale_etag", answer.text
    now = funding_client.get(FEE_PATH, headers=admin(funding_headers))
    assert now.headers["ETag"] == '"special-equipment-inspection.2"'
    assert (now.json()["department"], now.json()["listed"]) == ("太原市市场监督管理局", True)
