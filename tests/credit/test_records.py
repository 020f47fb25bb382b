"""Credit records through HTTP: batch filing, refiling, corrections, withdrawal, repair, reads,
the five-year rule, the public lists and the events."""

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.clock import utcnow
from services.common.dates import shanghai_date
from services.common.db import Database
from services.credit.records import rules, service
from tests.credit.conftest import CreditHeaders, SeedEnterprise

A = "91140100MA0K000017"  # the enterprise kind's default org
B = "91140105MA0GRX0Y7C"
UNKNOWN = "91140105MA0ZZZZZZ9"
TODAY = shanghai_date(utcnow())


def item(reference: str = "ref-1", **over: Any) -> dict[str, Any]:
    body = {
        "type": "administrative_penalty",
        "uscc": A,
        "reference": reference,
        "occurred_on": "2026-03-02",
        "ended_on": "2026-04-15",
        "title": "逾期未申报增值税，罚款2000元",
        "evidence_url": "https://tax.example.cn/penalties/118",
    }
    body.update(over)
    return {k: v for k, v in body.items() if v is not None}


def file(
    client: TestClient, headers: dict[str, str], *records: dict[str, Any], key: str | None = None
) -> Any:
    return client.post(
        "/v1/records",
        json={"records": list(records)},
        headers={**headers, "Idempotency-Key": key or uuid.uuid4().hex},
    )


def events(client: TestClient, headers: CreditHeaders) -> list[dict[str, Any]]:
    response = client.get(
        "/v1/events",
        params={"limit": 1000},
        headers=headers(kind="service", org=None, scopes=["events:read"]),
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def listed(client: TestClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = client.get("/v1/records", params=params, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@pytest.fixture
def two(seed_enterprise: SeedEnterprise) -> None:
    seed_enterprise(A, name="太原晋阳软件有限公司")
    seed_enterprise(B, name="太原并州测试有限公司")


# --- filing ---------------------------------------------------------------------------------


def test_department_files_a_batch_and_reads_it_back(
    credit_client: TestClient, credit_headers: CreditHeaders, two: None
) -> None:
    dept = credit_headers()
    response = file(
        credit_client,
        dept,
        item("P-1"),
        item("A-1", type="award", uscc=B, ended_on=None, title="  市级科技进步奖 "),
        item("D-1", type="serious_dishonesty", ended_on=None, title="拒不履行法院判决"),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["created"] == 3 and body["unchanged"] == 0
    assert [(i["index"], i["outcome"]) for i in body["items"]] == [
        (0, "created"),
        (1, "created"),
        (2, "created"),
    ]
    penalty, award, dishonesty = (i["record"] for i in body["items"])
    assert penalty["source"] == "tax_bureau" and penalty["source_kind"] == "department"
    assert penalty["polarity"] == "negative" and penalty["status"] == "active"
    assert penalty["filed_by"] == "cli_test_department" and penalty["version"] == 1
    assert penalty["occurred_on"] == "2026-03-02" and penalty["ended_on"] == "2026-04-15"
    assert penalty["counts_until"] == "2031-04-15"
    assert penalty["reference"] == "P-1" and penalty["evidence_url"].startswith("https://")
    assert award["uscc"] == B and award["polarity"] == "positive" and award["counts_until"] is None
    assert award["title"] == "市级科技进步奖"
    assert dishonesty["counts_until"] is None

    got = credit_client.get(f"/v1/records/{penalty['id']}", headers=dept)
    assert got.status_code == 200
    assert got.headers["etag"] == f'"{penalty["id"]}.1"'
    assert got.json() == penalty
    assert sorted(r["id"] for r in listed(credit_client, dept)) == sorted(
        [penalty["id"], award["id"], dishonesty["id"]]
    )
    assert [r["id"] for r in listed(credit_client, dept, uscc=B)] == [award["id"]]
    assert [r["id"] for r in listed(credit_client, dept, type="serious_dishonesty")] == [
        dishonesty["id"]
    ]
    first = credit_client.get("/v1/records", params={"limit": 2}, headers=dept).json()
    rest = credit_client.get(
        "/v1/records", params={"limit": 2, "cursor": first["next_cursor"]}, headers=dept
    ).json()
    assert len(first["items"]) == 2 and len(rest["items"]) == 1
    assert sorted(r["id"] for r in first["items"] + rest["items"]) == sorted(
        [penalty["id"], award["id"], dishonesty["id"]]
    )
    assert rest["next_cursor"] is None


def test_filing_needs_an_idempotency_key_and_replays_it(
    credit_client: TestClient, credit_headers: CreditHeaders, two: None
) -> None:
    dept = credit_headers()
    bare = credit_client.post("/v1/records", json={"records": [item()]}, headers=dept)
    assert bare.status_code == 400
    assert bare.json()["code"] == "idempotency_key_required"
    first = file(credit_client, dept, item(), key="k1")
    again = file(credit_client, dept, item(), key="k1")
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert len(listed(credit_client, dept)) == 1


def test_refiling_the_same_content_is_a_no_op_and_other_content_is_409(
    credit_client: TestClient, credit_headers: CreditHeaders, two: None
) -> None:
    dept = credit_headers()
    created = file(credit_client, dept, item("P-1")).json()["items"][0]["record"]
    same = file(credit_client, dept, item("P-1"), item("P-2"))
    assert same.status_code == 201
    assert [(i["outcome"], i["record"]["reference"]) for i in same.json()["items"]] == [
        ("unchanged", "P-1"),
        ("created", "P-2"),
    ]
    assert same.json()["items"][0]["record"] == created
    all_same = file(credit_client, dept, item("P-1"))
    assert all_same.status_code == 200
    assert all_same.json()["created"] == 0 and all_same.json()["unchanged"] == 1

    changed = file(credit_client, dept, item("P-3"), item("P-1", title="罚款5000元"))
    assert changed.status_code == 409
    problem = changed.json()
    assert problem["code"] == "record_reference_taken"
    assert "corrections" in problem["detail"]
    assert [e["field"] for e in problem["errors"]] == ["body.records.1.reference"]
    assert created["id"] in problem["errors"][0]["message"]
    # nothing of the refused batch was stored
    assert sorted(r["reference"] for r in listed(credit_client, dept)) == ["P-1", "P-2"]
    # another department may use the same reference: it is its own
    court = credit_headers(org="intermediate_court")
    assert file(credit_client, court, item("P-1", title="另一事项")).status_code == 201


def test_a_bad_batch_is_one_422_naming_each_record_and_field_and_stores_nothing(
    credit_client: TestClient, credit_headers: CreditHeaders, two: None
) -> None:
    dept = credit_headers()
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    response = file(
        credit_client,
        dept,
        item("ok"),
        item("future", occurred_on=tomorrow, ended_on=None),
        item("backwards", occurred_on="2026-03-02", ended_on="2026-03-01"),
        item("no-evidence", evidence_url=None),
        item("stranger", uscc=UNKNOWN),
        item("ok"),
        item("with-loan-status", loan_status="overdue"),
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "validation_failed"
    assert {(e["field"], e["code"]) for e in problem["errors"]} == {
        ("body.records.1.occurred_on", "occurred_in_future"),
        ("body.records.2.ended_on", "ended_before_occurred"),
        ("body.records.3.evidence_url", "evidence_required"),
        ("body.records.4.uscc", "unknown_enterprise"),
        ("body.records.5.reference", "duplicate_reference"),
        ("body.records.6.loan_status", "loan_status_not_allowed"),
    }
    assert listed(credit_client, dept) == []
    assert [e for e in events(credit_client, credit_headers) if e["type"] == "record.added"] == []

    schema = file(
        credit_client,
        dept,
        item("a"),
        item("b", evidence_url="http://plain.example.cn/x"),
        item("c", type="gossip"),
    )
    assert schema.status_code == 422
    assert {e["field"] for e in schema.json()["errors"]} == {
        "body.records.1.evidence_url",
        "body.records.2.type",
    }
    assert listed(credit_client, dept) == []


def test_unknown_enterprise_is_its_own_code(
    credit_client: TestClient, credit_headers: CreditHeaders, two: None
) -> None:
    response = file(credit_client, credit_headers(), item(uscc=UNKNOWN))
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "unknown_enterprise"
    assert problem["errors"] == [
        {
            "field": "body.records.0.uscc",
            "code": "unknown_enterprise",
            "message": f"no filed enterprise {UNKNOWN} is known to the credit service.",
        }
    ]


def test_records_about_a_deregistered_enterprise_are_accepted(
    credit_client: TestClient, credit_headers: CreditHeaders, seed_enterprise: SeedEnterprise
) -> None:
    """征信 keeps a struck-off firm's history: its records are filed as any other's."""
    seed_enterprise(B, status="deregistered")
    response = file(credit_client, credit_headers(), item(uscc=B))
    assert response.status_code == 201, response.text
    [filed] = response.json()["items"]
    assert (filed["outcome"], filed["record"]["uscc"]) == ("created", B)
    assert [r["id"] for r in listed(credit_client, credit_headers(), uscc=B)] == [
        filed["record"]["id"]
    ]


def test_a_caller_without_an_organisation_files_nothing(
    credit_client: TestClient, credit_headers: CreditHeaders, two: None
) -> None:
    response = file(credit_client, credit_headers(org=None), item())
    assert response.status_code == 403
    assert response.json()["code"] == "source_org_missing"
    admin = file(credit_client, credit_headers(kind="admin", org=None), item())
    assert admin.status_code == 403 and admin.json()["code"] == "forbidden_client_kind"
    assert listed(credit_client, credit_headers(kind="admin", org=None)) == []


def test_record_types_are_data_with_both_names(
    credit_client: TestClient, credit_headers: CreditHeaders
) -> None:
    response = credit_client.get(
        "/v1/record-types", headers=credit_headers(kind="enterprise", scopes=["credit:read"])
    )
    assert response.status_code == 200
    types = {t["code"]: t for t in response.json()}
    assert len(types) == 12
    assert types["bridge_loan_overdue"]["polarity"] == "negative"
    assert types["serious_dishonesty"] == {
        "code": "serious_dishonesty",
        "polarity": "negative",
        "name_en": "Serious violation and dishonesty",
        "name_zh": "严重违法失信",
        "filed_by": "department",
        "public_list": "dishonesty",
    }
    assert types["loan"]["polarity"] == "loan" and types["loan"]["filed_by"] == "bank"
    assert types["patent_granted"]["polarity"] == "positive"
    assert credit_client.get("/v1/record-types").status_code == 401


# --- banks ----------------------------------------------------------------------------------


def test_banks_file_loan_records_only_and_departments_none(
    credit_client: TestClient, credit_headers: CreditHeaders, two: None
) -> None:
    bank = credit_headers(kind="bank")
    loan = item("L-1", type="loan", loan_status="on_time", evidence_url=None, ended_on=None)
    response = file(credit_client, bank, loan)
    assert response.status_code == 201, response.text
    record = response.json()["items"][0]["record"]
    assert record["source"] == "JSB" and record["source_kind"] == "bank"
    assert record["polarity"] == "loan" and record["loan_status"] == "on_time"

    award = file(credit_client, bank, loan, item("A-1", type="award"))
    assert award.status_code == 403
    assert award.json()["code"] == "bank_files_loans_only"
    assert award.json()["errors"][0]["field"] == "body.records.1.type"
    dept_loan = file(credit_client, credit_headers(), loan)
    assert dept_loan.status_code == 403
    assert dept_loan.json()["code"] == "loans_filed_by_banks"
    no_status = file(credit_client, bank, {**loan, "reference": "L-2", "loan_status": None})
    assert no_status.status_code == 422
    assert no_status.json()["code"] == "loan_status_required"

    # a bank sees its own filings only; a department's record about the same enterprise is 404
    penalty = file(credit_client, credit_headers(), item()).json()["items"][0]["record"]
    assert [r["id"] for r in listed(credit_client, bank)] == [record["id"]]
    assert credit_client.get(f"/v1/records/{penalty['id']}", headers=bank).status_code == 404
    # another bank may not touch this loan; the lending bank corrects it
    other = credit_headers(kind="bank", org="ICBC_TY")
    refused = credit_client.post(
        f"/v1/records/{record['id']}/corrections",
        json={"loan_status": "overdue", "reason": "逾期"},
        headers={**other, "If-Match": f'"{record["id"]}.1"'},
    )
    assert refused.status_code == 403 and refused.json()["code"] == "not_record_source"
    overdue = credit_client.post(
        f"/v1/records/{record['id']}/corrections",
        json={"loan_status": "overdue", "reason": "逾期"},
        headers={**bank, "If-Match": f'"{record["id"]}.1"'},
    )
    assert overdue.status_code == 200
    assert overdue.json()["loan_status"] == "overdue" and overdue.json()["version"] == 2


# --- corrections and withdrawal --------------------------------------------------------------


def test_correction_makes_a_new_version_under_if_match(
    credit_client: TestClient, credit_headers: CreditHeaders, two: None
) -> None:
    dept = credit_headers()
    record = file(credit_client, dept, item()).json()["items"][0]["record"]
    url = f"/v1/records/{record['id']}/corrections"
    change = {"ended_on": "2026-05-20", "title": "罚款已缴清", "reason": "缴清日期更正"}
    missing = credit_client.post(url, json=change, headers=dept)
    assert missing.status_code == 428 and missing.json()["code"] == "if_match_required"
    corrected = credit_client.post(
        url, json=change, headers={**dept, "If-Match": f'"{record["id"]}.1"'}
    )
    assert corrected.status_code == 200, corrected.text
    body = corrected.json()
    assert corrected.headers["etag"] == f'"{record["id"]}.2"'
    assert body["version"] == 2 and body["ended_on"] == "2026-05-20"
    assert body["title"] == "罚款已缴清" and body["counts_until"] == "2031-05-20"
    assert body["reference"] == record["reference"] and body["filed_at"] == record["filed_at"]

    stale = credit_client.post(
        url, json=change, headers={**dept, "If-Match": f'"{record["id"]}.1"'}
    )
    assert stale.status_code == 412 and stale.json()["code"] == "stale_etag"
    same = credit_client.post(url, json=change, headers={**dept, "If-Match": f'"{record["id"]}.2"'})
    assert same.status_code == 422 and same.json()["code"] == "nothing_to_correct"
    backwards = credit_client.post(
        url,
        json={"ended_on": "2020-01-01", "reason": "x"},
        headers={**dept, "If-Match": f'"{record["id"]}.2"'},
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "body.ended_on"
    assert backwards.json()["code"] == "ended_before_occurred"

    versions = credit_client.get(f"/v1/records/{record['id']}/versions", headers=dept).json()
    assert [(v["version"], v["change"], v["reason"]) for v in versions["items"]] == [
        (1, "filed", None),
        (2, "corrected", "缴清日期更正"),
    ]
    assert versions["items"][0]["values"]["ended_on"] == "2026-04-15"
    assert versions["items"][0]["values"]["title"] == record["title"]
    assert versions["items"][1]["values"]["ended_on"] == "2026-05-20"
    assert {v["actor"] for v in versions["items"]} == {"cli_test_department"}
    # refiling the original content is still answered as the same record, unchanged
    refiled = file(credit_client, dept, item())
    assert refiled.status_code == 200
    assert refiled.json()["items"][0]["record"]["version"] == 2


def test_only_the_source_changes_a_record_and_who_reads_what(
    credit_client: TestClient, credit_headers: CreditHeaders, two: None
) -> None:
    record = file(credit_client, credit_headers(), item()).json()["items"][0]["record"]
    rid = record["id"]
    court = credit_headers(org="intermediate_court")
    for path, body in (
        ("corrections", {"title": "x", "reason": "y"}),
        ("withdrawal", {"reason": "y"}),
        ("repair", {"reason": "y", "evidence_url": "https://x.example.cn/r"}),
    ):
        response = credit_client.post(
            f"/v1/records/{rid}/{path}", json=body, headers={**court, "If-Match": f'"{rid}.1"'}
        )
        assert response.status_code == 403, (path, response.text)
        assert response.json()["code"] == "not_record_source"
    unknown = credit_client.post(
        "/v1/records/rec_nope/withdrawal", json={"reason": "y"}, headers=credit_headers()
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "record_not_found"
    enterprise = credit_headers(kind="enterprise")
    writes = credit_client.post(
        f"/v1/records/{rid}/withdrawal", json={"reason": "y"}, headers=enterprise
    )
    assert writes.status_code == 403 and writes.json()["code"] == "forbidden_client_kind"

    # reads: the source, the enterprise itself (and a portal for it), the office; nobody else
    assert credit_client.get(f"/v1/records/{rid}", headers=court).status_code == 404
    assert listed(credit_client, court) == []
    assert [r["id"] for r in listed(credit_client, enterprise)] == [rid]
    portal = credit_headers(kind="portal", actor="cli_portal_x")
    assert credit_client.get(f"/v1/records/{rid}", headers=portal).status_code == 200
    other = credit_headers(kind="enterprise", org=B)
    assert credit_client.get(f"/v1/records/{rid}", headers=other).status_code == 404
    assert listed(credit_client, other) == []
    admin = credit_headers(kind="admin", org=None)
    assert [r["id"] for r in listed(credit_client, admin)] == [rid]
    provider = credit_client.get("/v1/records", headers=credit_headers(kind="provider"))
    assert provider.status_code == 403 and provider.json()["code"] == "forbidden_client_kind"


def test_withdrawal_keeps_history_and_ends_counting(
    credit_client: TestClient, credit_headers: CreditHeaders, two: None
) -> None:
    dept = credit_headers()
    record = file(credit_client, dept, item(ended_on=None)).json()["items"][0]["record"]
    rid = record["id"]
    assert [r["id"] for r in listed(credit_client, dept, counting_on=TODAY.isoformat())] == [rid]
    response = credit_client.post(
        f"/v1/records/{rid}/withdrawal", json={"reason": "决定已撤销"}, headers=dept
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "withdrawn" and response.json()["version"] == 2
    assert response.headers["etag"] == f'"{rid}.2"'
    again = credit_client.post(
        f"/v1/records/{rid}/withdrawal", json={"reason": "again"}, headers=dept
    )
    assert again.status_code == 409 and again.json()["code"] == "record_withdrawn"
    correct = credit_client.post(
        f"/v1/records/{rid}/corrections",
        json={"title": "x", "reason": "y"},
        headers={**dept, "If-Match": f'"{rid}.2"'},
    )
    assert correct.status_code == 409 and correct.json()["code"] == "record_withdrawn"
    assert listed(credit_client, dept, counting_on=TODAY.isoformat()) == []
    assert [r["status"] for r in listed(credit_client, dept)] == ["withdrawn"]
    versions = credit_client.get(f"/v1/records/{rid}/versions", headers=dept).json()["items"]
    assert [(v["change"], v["reason"], v["values"]["status"]) for v in versions] == [
        ("filed", None, "active"),
        ("withdrawn", "决定已撤销", "withdrawn"),
    ]


# --- the five-year rule ------------------------------------------------------------------------


def test_negative_records_count_until_five_years_after_they_end(
    credit_client: TestClient, credit_headers: CreditHeaders, two: None
) -> None:
    dept = credit_headers()
    batch = file(
        credit_client,
        dept,
        item("plain", occurred_on="2018-06-01", ended_on="2019-03-15"),
        item("leap", occurred_on="2019-06-01", ended_on="2020-02-29"),
        item("open", occurred_on="2010-01-05", ended_on=None),
        item("award", type="award", occurred_on="2019-01-01", ended_on="2021-01-01"),
    ).json()["items"]
    plain, leap, open_, award = (i["record"] for i in batch)
    assert plain["counts_until"] == "2024-03-15"
    assert leap["counts_until"] == "2025-02-28"  # 29 February has no counterpart in 2025
    assert open_["counts_until"] is None and award["counts_until"] is None

    def counting(day: str) -> set[str]:
        return {r["reference"] for r in listed(credit_client, dept, counting_on=day)}

    assert counting("2018-05-31") == {"open"}
    assert counting("2018-06-01") == {"open", "plain"}
    assert counting("2020-12-31") == {"open", "plain", "leap", "award"}
    assert counting("2021-01-01") == {"open", "plain", "leap"}  # the award lasted until then
    assert counting("2024-03-15") == {"open", "leap", "plain"}  # its last day
    assert counting("2024-03-16") == {"open", "leap"}
    assert counting("2025-02-28") == {"open", "leap"}
    assert counting("2025-03-01") == {"open"}
    assert counting(TODAY.isoformat()) == {"open"}
    bad = credit_client.get("/v1/records", params={"counting_on": "20250301"}, headers=dept)
    assert (
        bad.status_code == 422
        and [e["field"] for e in bad.json()["errors"]] == ["query.counting_on"]
        and bad.json()["errors"][0]["field"] == "query.counting_on"
    )


def test_counts_on_and_its_sql_agree_day_by_day_around_the_boundaries() -> None:
    for ended in (date(2019, 3, 15), date(2020, 2, 29), date(2019, 2, 28), date(2023, 3, 1)):
        record = _Row(ended_on=ended)
        for offset in range(-3, 4):
            day = rules.add_years(ended, 5) + timedelta(days=offset)
            assert rules.counts_on(record, day) == (offset <= 0), (ended, day)
            assert (ended >= rules.earliest_counting_end(day)) == (offset <= 0), (ended, day)
    # a leap day itself as the day asked about
    assert rules.earliest_counting_end(date(2028, 2, 29)) == date(2023, 3, 1)
    overdue = _Row(ended_on=date(2019, 3, 15), polarity="loan", loan_status="overdue")
    settled = _Row(ended_on=date(2019, 3, 15), polarity="loan", loan_status="settled")
    assert not rules.counts_on(overdue, date(2024, 3, 16))
    assert rules.counts_on(settled, date(2040, 1, 1))
    assert not rules.counts_on(_Row(status="withdrawn"), date(2019, 1, 1))
    repaired = _Row(repaired_on=date(2019, 1, 1))
    assert rules.counts_on(repaired, date(2018, 12, 31))
    assert not rules.counts_on(repaired, date(2019, 1, 1))


class _Row:
    def __init__(self, **values: Any) -> None:
        self.type = "administrative_penalty"
        self.polarity = "negative"
        self.status = "active"
        self.occurred_on = date(2018, 1, 1)
        self.ended_on: date | None = None
        self.loan_status: str | None = None
        self.repaired_on: date | None = None
        self.__dict__.update(values)


# --- public lists, repair, events ---------------------------------------------------------------


def test_public_lists_show_listing_and_removal_dates(
    credit_client: TestClient, credit_headers: CreditHeaders, two: None
) -> None:
    dept = credit_headers(org="intermediate_court")
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    batch = file(
        credit_client,
        dept,
        item("D-now", type="serious_dishonesty", occurred_on="2026-01-10", ended_on=None,
             title="拒不履行法院生效判决"),
        item("D-ended", type="serious_dishonesty", uscc=B, occurred_on="2020-01-10",
             ended_on=yesterday, title="虚假申报"),
        item("D-later", type="serious_dishonesty", uscc=B, occurred_on="2025-01-10",
             ended_on="2099-01-01", title="未按期履行"),
        item("AB-1", type="abnormal_operation", occurred_on="2025-07-01", ended_on=None,
             title="未按时公示年报"),
        item("D-wrong", type="serious_dishonesty", occurred_on="2026-01-11", ended_on=None),
    ).json()["items"]  # fmt: skip
    now, ended, later, abnormal, wrong = (i["record"]["id"] for i in batch)
    credit_client.post(f"/v1/records/{wrong}/withdrawal", json={"reason": "错误"}, headers=dept)

    current = credit_client.get("/v1/public/dishonesty-list")  # no key
    assert current.status_code == 200, current.text
    entries = current.json()["items"]
    assert [e["record_id"] for e in entries] == [later, now]  # by listing date
    assert entries[1] == {
        "record_id": now,
        "uscc": A,
        "enterprise_name": "太原晋阳软件有限公司",
        "reason": "拒不履行法院生效判决",
        "source": "intermediate_court",
        "listed_on": "2026-01-10",
        "removed_on": None,
        "removal": None,
    }
    assert entries[0]["removed_on"] == "2099-01-01" and entries[0]["removal"] is None
    everything = credit_client.get(
        "/v1/public/dishonesty-list", params={"include_removed": "true"}
    ).json()["items"]
    assert [e["record_id"] for e in everything] == [ended, later, now]
    assert everything[0]["enterprise_name"] == "太原并州测试有限公司"
    assert (everything[0]["listed_on"], everything[0]["removed_on"], everything[0]["removal"]) == (
        "2020-01-10",
        yesterday,
        "ended",
    )
    abnormal_list = credit_client.get("/v1/public/abnormal-operations").json()["items"]
    assert [(e["record_id"], e["listed_on"]) for e in abnormal_list] == [(abnormal, "2025-07-01")]
    page = credit_client.get("/v1/public/dishonesty-list", params={"limit": 1}).json()
    assert [e["record_id"] for e in page["items"]] == [later] and page["next_cursor"]
    rest = credit_client.get(
        "/v1/public/dishonesty-list", params={"limit": 1, "cursor": page["next_cursor"]}
    ).json()
    assert [e["record_id"] for e in rest["items"]] == [now] and rest["next_cursor"] is None


def test_repair_takes_the_enterprise_off_the_list(
    credit_app: FastAPI, credit_client: TestClient, credit_headers: CreditHeaders, two: None
) -> None:
    dept = credit_headers()
    batch = file(
        credit_client,
        dept,
        item("D-1", type="serious_dishonesty", occurred_on="2026-01-10", ended_on=None),
        item("AW", type="award", ended_on=None),
    ).json()["items"]
    rid, award = batch[0]["record"]["id"], batch[1]["record"]["id"]
    database: Database = credit_app.state.database
    with database.transaction() as session:
        assert service.list_status(session=session, uscc=A, on=TODAY) == {
            "serious_dishonesty": True,
            "abnormal_operation": False,
        }
        assert {r.id for r in service.records_of(session=session, uscc=A, on=TODAY)} == {rid, award}
    repair = {"reason": "已履行判决", "evidence_url": "https://court.example.cn/repair/7"}
    stale = credit_client.post(
        f"/v1/records/{rid}/repair", json=repair, headers={**dept, "If-Match": f'"{rid}.9"'}
    )
    assert stale.status_code == 412 and stale.json()["code"] == "stale_etag"
    response = credit_client.post(f"/v1/records/{rid}/repair", json=repair, headers=dept)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "repaired" and body["repaired_on"] == TODAY.isoformat()
    assert body["version"] == 2
    assert credit_client.get("/v1/public/dishonesty-list").json()["items"] == []
    removed = credit_client.get(
        "/v1/public/dishonesty-list", params={"include_removed": "true"}
    ).json()["items"]
    assert [(e["record_id"], e["removed_on"], e["removal"]) for e in removed] == [
        (rid, TODAY.isoformat(), "repaired")
    ]
    with database.transaction() as session:
        assert service.list_status(session=session, uscc=A, on=TODAY)["serious_dishonesty"] is False
        assert service.list_status(session=session, uscc=A, on=TODAY - timedelta(days=1)) == {
            "serious_dishonesty": True,
            "abnormal_operation": False,
        }
        assert {r.id for r in service.records_of(session=session, uscc=A, on=TODAY)} == {award}
    versions = credit_client.get(f"/v1/records/{rid}/versions", headers=dept).json()["items"]
    assert versions[1]["change"] == "repaired" and versions[1]["reason"] == "已履行判决"
    assert versions[1]["values"]["repair_evidence_url"] == repair["evidence_url"]
    twice = credit_client.post(f"/v1/records/{rid}/repair", json=repair, headers=dept)
    assert twice.status_code == 409 and twice.json()["code"] == "record_not_repairable"
    positive = credit_client.post(f"/v1/records/{award}/repair", json=repair, headers=dept)
    assert positive.status_code == 409 and positive.json()["code"] == "record_not_repairable"
    kinds = [(e["type"], e["payload"]["record_id"]) for e in events(credit_client, credit_headers)]
    assert kinds[-2:] == [("record.repaired", rid), ("dishonesty.cleared", rid)]
    cleared = events(credit_client, credit_headers)[-1]["payload"]
    assert cleared == {
        "record_id": rid,
        "uscc": A,
        "source": "tax_bureau",
        "enterprise_listed": False,
        "removed_on": TODAY.isoformat(),
        "cause": "repaired",
    }


def test_events_announce_records_and_the_dishonesty_list(
    credit_client: TestClient, credit_headers: CreditHeaders, two: None
) -> None:
    dept = credit_headers()
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    batch = file(
        credit_client,
        dept,
        item("P-1"),
        item("D-1", type="serious_dishonesty", occurred_on="2026-01-10", ended_on=None),
        item("D-2", type="serious_dishonesty", occurred_on="2026-01-12", ended_on=None),
        item("D-old", type="serious_dishonesty", occurred_on="2020-01-10", ended_on="2021-01-10"),
    ).json()["items"]
    penalty, d1, d2, old = (i["record"]["id"] for i in batch)
    feed = events(credit_client, credit_headers)
    assert [(e["type"], e["payload"]["record_id"]) for e in feed] == [
        ("record.added", penalty),
        ("record.added", d1),
        ("dishonesty.listed", d1),
        ("record.added", d2),
        ("dishonesty.listed", d2),
        ("record.added", old),  # ended before today: never on the list
    ]
    assert feed[0]["payload"] == {
        "record_id": penalty,
        "uscc": A,
        "type": "administrative_penalty",
        "polarity": "negative",
        "source": "tax_bureau",
        "version": 1,
        "occurred_on": "2026-03-02",
        "ended_on": "2026-04-15",
        "loan_status": None,
        "status": "active",
    }
    assert feed[2]["payload"] == {
        "record_id": d1,
        "uscc": A,
        "source": "tax_bureau",
        "enterprise_listed": True,
        "listed_on": "2026-01-10",
        "ended_on": None,
    }
    seen = len(feed)

    # an ended_on in the past takes D-1 off the list; D-2 still lists the enterprise
    credit_client.post(
        f"/v1/records/{d1}/corrections",
        json={"ended_on": yesterday, "reason": "已履行"},
        headers={**dept, "If-Match": f'"{d1}.1"'},
    )
    credit_client.post(f"/v1/records/{d2}/withdrawal", json={"reason": "错误"}, headers=dept)
    feed = events(credit_client, credit_headers)[seen:]
    assert [(e["type"], e["payload"]["record_id"]) for e in feed] == [
        ("record.corrected", d1),
        ("dishonesty.cleared", d1),
        ("record.withdrawn", d2),
        ("dishonesty.cleared", d2),
    ]
    assert feed[0]["payload"]["changed"] == ["ended_on"] and feed[0]["payload"]["version"] == 2
    assert feed[1]["payload"]["cause"] == "corrected"
    assert feed[1]["payload"]["removed_on"] == yesterday
    assert feed[1]["payload"]["enterprise_listed"] is True
    assert feed[3]["payload"]["cause"] == "withdrawn"
    assert feed[3]["payload"]["enterprise_listed"] is False
    assert feed[2]["payload"]["reason"] == "错误" and feed[2]["payload"]["status"] == "withdrawn"


@pytest.mark.parametrize("same", [True, False], ids=["same-content", "other-content"])
def test_two_filings_of_one_reference_racing_answer_as_if_one_came_later(
    credit_app: FastAPI,
    credit_headers: CreditHeaders,
    two: None,
    monkeypatch: pytest.MonkeyPatch,
    same: bool,
) -> None:
    import threading

    import httpx

    from tests.conftest import POSTGRES_URL
    from tests.servers import serve

    # On PostgreSQL both requests pass the "already filed?" check before either inserts: the
    # unique key makes the second wait for the first, then it plans again and answers as a
    # later filing would. SQLite serialises writers, so there the second starts after the first.
    overlap = POSTGRES_URL is not None
    barrier = threading.Barrier(2 if overlap else 1, timeout=10)
    real_new_id = service.new_id
    calls: list[int] = []

    def after_the_check(prefix: str) -> str:
        calls.append(1)
        if len(calls) <= 2:
            barrier.wait()
        return real_new_id(prefix)

    monkeypatch.setattr(service, "new_id", after_the_check)
    dept = credit_headers()
    bodies = [item("RACE"), item("RACE") if same else item("RACE", title="另一内容")]
    answers: list[httpx.Response] = []
    with serve(credit_app) as url:

        def post(body: dict[str, Any]) -> None:
            answers.append(
                httpx.post(
                    f"{url}/v1/records",
                    json={"records": [body]},
                    headers={**dept, "Idempotency-Key": uuid.uuid4().hex},
                    timeout=30,
                )
            )

        threads = [threading.Thread(target=post, args=(body,)) for body in bodies]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not barrier.broken and len(calls) == (2 if overlap else 1), calls
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == ([200, 201] if same else [201, 409]), [a.text for a in answers]
        won = next(answer for answer in answers if answer.status_code == 201)
        lost = next(answer for answer in answers if answer.status_code != 201)
        record_id = won.json()["items"][0]["record"]["id"]
        if same:
            assert lost.json()["items"][0] == {
                "index": 0,
                "outcome": "unchanged",
                "record": won.json()["items"][0]["record"],
            }
        else:
            assert lost.json()["code"] == "record_reference_taken"
            assert record_id in lost.json()["errors"][0]["message"]
        rows = httpx.get(f"{url}/v1/records", headers=dept).json()["items"]
        assert [r["id"] for r in rows] == [record_id]
        feed = httpx.get(
            f"{url}/v1/events",
            headers=credit_headers(kind="service", org=None, scopes=["events:read"]),
        ).json()["items"]
        assert [(e["type"], e["payload"]["record_id"]) for e in feed] == [
            ("record.added", record_id)
        ]
