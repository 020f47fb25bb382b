"""诚信企业 rounds through HTTP: candidates by the default rules, a public notice with an
objection removing a candidate, finalisation only after the notice, the public list with
progress against 300, and a serious record revoking a title."""

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from services.common.consumer import FeedEvent
from services.common.db import Database
from services.common.etag import Precondition
from services.common.identity import ClientKind, Principal
from services.common.outbox import emit_many
from services.credit.app import CHANGE_LISTENERS
from services.credit.certification import service as certification_service
from services.credit.certification.models import CertificationRound
from services.credit.certification.schemas import (
    CertificationDecisionCreate,
    CertificationNoticeCreate,
    CertificationObjectionCreate,
)
from services.credit.enterprises.service import registry_handlers
from services.credit.ratings import run as rating_run
from services.credit.ratings import service as rating_service
from tests.credit.conftest import CreditHeaders, SeedEnterprise
from tests.credit.records_support import add_record, file_indicators
from tests.locks import wait_for_lock_waiter, waits_then_answers

GOOD = "91140100MA0K000017"
OBJECTED = "91140105MA0GRX0Y7C"
YOUNG = "91140105MA0KDE119Q"
THIRD = "91140107MA0K3X2P1C"


class Clock:
    """A settable 'now' for the certification service."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    for module in (certification_service, rating_service, rating_run):
        monkeypatch.setattr(module, "utcnow", lambda: clock.now)
    return clock


@pytest.fixture
def enterprises(
    credit_app: FastAPI,
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    clock: Clock,
) -> None:
    """Three enterprises with their 2025 indicators (through the registry feed's handlers, as
    the app's consumer applies them), rated by a batch run of the ratings domain."""
    seed_enterprise(GOOD, name="太原晋阳软件有限公司", founded_on=date(2018, 1, 1))
    seed_enterprise(OBJECTED, name="太原并州测试有限公司", founded_on=date(2018, 3, 1))
    seed_enterprise(YOUNG, name="太原新创有限公司", founded_on=date(2026, 6, 1))
    database: Database = credit_app.state.database
    handlers = registry_handlers(CHANGE_LISTENERS)
    with database.transaction() as session:
        for seq, uscc in enumerate((GOOD, OBJECTED, YOUNG), start=1):
            payload = {
                "report_id": f"ind_{uscc[-4:]}", "uscc": uscc, "year": 2025, "quarter": None,
                "source": "statistics", "figures": {"employees": 20},
                "effective": {"employees": 20},
            }  # fmt: skip
            event = FeedEvent(
                seq, f"evt_{seq}", "indicators.reported", payload, datetime(2026, 2, 1, tzinfo=UTC)
            )
            handlers["indicators.reported"](session, event)
    run = credit_client.post(
        "/v1/ratings/runs",
        json={},
        headers={**credit_headers(kind="admin", org=None), "Idempotency-Key": "cert-rating"},
    )
    assert run.status_code == 202, run.text


def _grade(client: TestClient, headers: CreditHeaders, uscc: str) -> str:
    answer = client.get(f"/v1/enterprises/{uscc}/rating", headers=headers(kind="department"))
    assert answer.status_code == 200, answer.text
    grade: str = answer.json()["grade"]
    return grade


def _admin(headers: CreditHeaders) -> dict[str, str]:
    return headers(kind="admin", org=None, scopes=("credit:read", "credit:admin"))


def _events(client: TestClient, headers: CreditHeaders, type_: str) -> list[dict[str, Any]]:
    feed = client.get(
        "/v1/events",
        params={"limit": 1000},
        headers=headers(kind="service", org=None, scopes=("events:read",)),
    )
    return [e for e in feed.json()["items"] if e["type"] == type_]


def test_a_round_from_opening_to_the_final_list_and_a_revocation(
    credit_client: TestClient,
    credit_app: FastAPI,
    credit_headers: CreditHeaders,
    enterprises: None,
    clock: Clock,
) -> None:
    admin = _admin(credit_headers)
    opened = credit_client.post(
        "/v1/certification/rounds",
        json={"year": 2026, "rule_set_id": "rls_credit_certification_v1"},
        headers=admin,
    )
    assert opened.status_code == 201, opened.text
    rid = opened.json()["id"]
    assert opened.json()["stage"] == "opened" and opened.json()["rule_set_version"] == 1
    again = credit_client.post(
        "/v1/certification/rounds",
        json={"year": 2026, "rule_set_id": "rls_credit_certification_v1"},
        headers=admin,
    )
    assert again.status_code == 409 and again.json()["code"] == "certification_round_year_taken"

    early = credit_client.post(
        f"/v1/certification/rounds/{rid}/notice", json={"days": 7}, headers=admin
    )
    assert early.status_code == 409 and early.json()["code"] == "certification_round_stage"
    assert early.json()["detail"] == f"Round '{rid}' is at 'opened', not 'candidates'."
    computed = credit_client.post(f"/v1/certification/rounds/{rid}/candidates", headers=admin)
    assert computed.status_code == 200, computed.text
    candidates = computed.json()["candidates"]
    # Their grades are the ratings domain's (rated above by a batch run).
    grades = {u: _grade(credit_client, credit_headers, u) for u in (GOOD, OBJECTED, YOUNG)}
    assert grades == {GOOD: "A", OBJECTED: "A", YOUNG: "B"}
    # YOUNG is under a year in operation and rated B: not a candidate.
    assert [c["uscc"] for c in candidates] == [GOOD, OBJECTED]
    trace = {step["rule"]: step["value"] for step in candidates[0]["reasons"]}
    inputs = {step["rule"]: step["inputs_used"] for step in candidates[0]["reasons"]}
    assert inputs["grade_a_or_better"]["grade"] == "A"
    assert trace["grade_a_or_better"] is True and trace["eligible"] is True
    assert trace["operating_long_enough"] is True

    # Not public before the notice.
    assert credit_client.get(f"/v1/public/certification/rounds/{rid}").status_code == 404
    notice = credit_client.post(
        f"/v1/certification/rounds/{rid}/notice", json={"days": 7}, headers=admin
    )
    assert notice.status_code == 200, notice.text
    assert notice.json()["notice_from"] == "2026-12-01"
    assert notice.json()["notice_until"] == "2026-12-08"
    public = credit_client.get(f"/v1/public/certification/rounds/{rid}")
    assert public.status_code == 200 and len(public.json()["candidates"]) == 2
    # Noticed, the candidates are fixed: computing them again is refused.
    late = credit_client.post(f"/v1/certification/rounds/{rid}/candidates", headers=admin)
    assert late.status_code == 409 and late.json()["code"] == "certification_round_stage"
    assert late.json()["detail"] == f"Round '{rid}' is at 'notice': candidates are fixed."

    # A department objects; the office upholds it: the candidate is removed.
    objection = credit_client.post(
        f"/v1/certification/rounds/{rid}/objections",
        json={"uscc": OBJECTED, "reason": "Wage arrears found in November."},
        headers=credit_headers(kind="department", org="hr_bureau"),
    )
    assert objection.status_code == 201, objection.text
    assert objection.json()["filer_kind"] == "department"
    oid = objection.json()["id"]
    not_candidate = credit_client.post(
        f"/v1/certification/rounds/{rid}/objections",
        json={"uscc": YOUNG, "reason": "x"},
        headers=credit_headers(kind="bank"),
    )
    assert not_candidate.status_code == 422
    assert not_candidate.json()["code"] == "not_a_certification_candidate"
    not_admin = credit_client.post(
        f"/v1/certification/rounds/{rid}/objections/{oid}/decision",
        json={"decision": "upheld", "note": "n"},
        headers=credit_headers(kind="department", scopes=("credit:read", "credit:admin")),
    )
    assert not_admin.status_code == 403 and not_admin.json()["code"] == "forbidden_client_kind"
    decided = credit_client.post(
        f"/v1/certification/rounds/{rid}/objections/{oid}/decision",
        json={"decision": "upheld", "note": "Confirmed by the HR bureau."},
        headers=admin,
    )
    assert decided.status_code == 200 and decided.json()["status"] == "upheld"

    # Before the notice ends: refused.
    clock.now = datetime(2026, 12, 8, 15, 0, tzinfo=UTC)  # 23:00 on the last day
    early = credit_client.post(f"/v1/certification/rounds/{rid}/finalisation", headers=admin)
    assert early.status_code == 409 and early.json()["code"] == "notice_period_running"
    clock.now += timedelta(hours=2)
    late_objection = credit_client.post(
        f"/v1/certification/rounds/{rid}/objections",
        json={"uscc": GOOD, "reason": "x"},
        headers=credit_headers(kind="bank"),
    )
    assert late_objection.status_code == 409
    assert late_objection.json()["code"] == "certification_notice_closed"
    final = credit_client.post(f"/v1/certification/rounds/{rid}/finalisation", headers=admin)
    assert final.status_code == 200, final.text
    statuses = {c["uscc"]: c["status"] for c in final.json()["candidates"]}
    assert statuses == {GOOD: "certified", OBJECTED: "removed"}
    listed = credit_client.get("/v1/public/certified-enterprises", params={"year": 2026})
    assert listed.status_code == 200
    body = listed.json()
    assert [i["uscc"] for i in body["items"]] == [GOOD]
    assert (body["count"], body["target"], body["share_percent"]) == (1, 300, "0.33")
    granted = _events(credit_client, credit_headers, "certification.granted")
    assert [e["payload"]["uscc"] for e in granted] == [GOOD]

    # A serious negative record filed later revokes the title (through the outbox).
    filed = credit_client.post(
        "/v1/records",
        json={
            "records": [
                {
                    "type": "serious_dishonesty",
                    "uscc": GOOD,
                    "reference": "court-2026-1",
                    "occurred_on": "2026-11-30",
                    "title": "Listed as a dishonest judgment debtor",
                    "evidence_url": "https://court.example.cn/2026-1",
                }
            ]
        },
        headers={
            **credit_headers(kind="department", org="court"),
            "Idempotency-Key": uuid.uuid4().hex,
        },
    )
    assert filed.status_code == 201, filed.text
    database: Database = credit_app.state.database
    with database.transaction() as session:
        assert certification_service.catch_up(session=session) >= 1
    with database.transaction() as session:
        assert certification_service.catch_up(session=session) == 0
    revoked = _events(credit_client, credit_headers, "certification.revoked")
    assert [(e["payload"]["uscc"], e["payload"]["year"]) for e in revoked] == [(GOOD, 2026)]
    after = credit_client.get("/v1/public/certified-enterprises", params={"year": 2026}).json()
    assert after["count"] == 0 and after["items"] == []
    with Session(database.engine) as session:
        status = certification_service.certification_status(
            session=session, uscc=GOOD, at=clock.now + timedelta(days=1)
        )
    assert status.certified is False and status.year == 2026


def test_wrong_callers_and_wrong_criteria(
    credit_client: TestClient, credit_headers: CreditHeaders, clock: Clock
) -> None:
    dept = credit_client.post(
        "/v1/certification/rounds",
        json={"year": 2026, "rule_set_id": "rls_credit_certification_v1"},
        headers=credit_headers(kind="department"),
    )
    assert dept.status_code == 403 and dept.json()["code"] == "forbidden_client_kind"
    unknown = credit_client.post(
        "/v1/certification/rounds",
        json={"year": 2026, "rule_set_id": "rls_nope"},
        headers=_admin(credit_headers),
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "rule_set_not_found"


# A rule set that admits every active enterprise and echoes each input in its trace, so a
# candidate's reasons show what the round read for it.
ECHO_INPUTS = {
    "score": "int", "grade": "string", "years_operating": "int", "negative_records": "int",
    "negative_records_3y": "int", "overdue_loans": "int", "is_tech_sme": "bool",
    "record_types": "list<string>", "indicators_filed": "bool", "on_list": "bool",
}  # fmt: skip
ECHO = {
    "family": "credit.certification",
    "effective_from": "2027-01-01",
    "description": "Everyone, showing what was read",
    "inputs": ECHO_INPUTS,
    "rules": [
        *({"name": f"seen_{name}", "expression": name} for name in ECHO_INPUTS),
        {"name": "eligible", "expression": "true"},
    ],
}
LEAP_DAY = datetime(2028, 2, 29, 4, 0, tzinfo=UTC)  # noon in Shanghai


def _echo_round(client: TestClient, headers: CreditHeaders, year: int) -> str:
    """Open the year's round under the echo rule set."""
    saved = client.post("/v1/rule-sets", json=ECHO, headers=_admin(headers))
    assert saved.status_code == 201, saved.text
    opened = client.post(
        "/v1/certification/rounds",
        json={"year": year, "rule_set_id": saved.json()["id"]},
        headers=_admin(headers),
    )
    assert opened.status_code == 201, opened.text
    round_id: str = opened.json()["id"]
    return round_id


def _seen(candidate: dict[str, Any]) -> dict[str, Any]:
    return {
        step["rule"].removeprefix("seen_"): step["value"]
        for step in candidate["reasons"]
        if step["rule"].startswith("seen_")
    }


def test_a_round_reads_each_enterprise_as_it_stands_on_the_day(
    credit_client: TestClient,
    credit_app: FastAPI,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    clock: Clock,
) -> None:
    """Computed on 29 February 2028: three years back is 1 March 2025, a year in operation
    ends on the founding day's date, and each count reads only its own enterprise's records."""
    clock.now = LEAP_DAY
    database: Database = credit_app.state.database
    seed_enterprise(GOOD, founded_on=date(2018, 2, 28))  # 10 full years on 2028-02-29
    seed_enterprise(OBJECTED, founded_on=date(2018, 3, 1), is_tech_sme=True)  # 9 full years
    seed_enterprise(YOUNG, status="deregistered")  # not active: never read
    # Last by USCC, no filings, no records; the registry takes any past founding date.
    seed_enterprise(THIRD, founded_on=date(1000, 3, 1))
    penalties = ((date(2025, 3, 1), None), (date(2025, 2, 28), date(2025, 3, 1)),
                 (date(2024, 2, 1), None))  # fmt: skip
    for occurred, ended in penalties:
        add_record(
            database, GOOD, "administrative_penalty", "negative", occurred_on=occurred,
            ended_on=ended,
        )  # fmt: skip
    add_record(database, GOOD, "tax_arrears", "negative", occurred_on=date(2027, 6, 1))
    add_record(database, GOOD, "award", "positive", occurred_on=date(2027, 1, 1))
    for n, status in enumerate(("on_time", "overdue", "settled", "overdue", "on_time")):
        add_record(
            database, GOOD, "loan", "loan", occurred_on=date(2026, 1, 1 + n), loan_status=status
        )
    add_record(database, OBJECTED, "abnormal_operation", "negative", occurred_on=date(2019, 1, 1),
               ended_on=date(2028, 1, 1))  # fmt: skip
    file_indicators(database, OBJECTED, {2027: 30})  # the year before the round's
    file_indicators(database, GOOD, {2026: 30, 2028: 30})  # not the year before
    rid = _echo_round(credit_client, credit_headers, 2028)
    computed = credit_client.post(
        f"/v1/certification/rounds/{rid}/candidates", headers=_admin(credit_headers)
    )
    assert computed.status_code == 200, computed.text
    seen = {c["uscc"]: _seen(c) for c in computed.json()["candidates"]}
    assert seen == {
        GOOD: {
            "score": 0, "grade": "unrated", "years_operating": 10, "negative_records": 4,
            "negative_records_3y": 2, "overdue_loans": 2, "is_tech_sme": False,
            "record_types": ["administrative_penalty", "award", "loan", "tax_arrears"],
            "indicators_filed": False, "on_list": False,
        },
        OBJECTED: {
            "score": 0, "grade": "unrated", "years_operating": 9, "negative_records": 1,
            "negative_records_3y": 0, "overdue_loans": 0, "is_tech_sme": True,
            "record_types": ["abnormal_operation"], "indicators_filed": True, "on_list": False,
        },
        THIRD: {
            "score": 0, "grade": "unrated", "years_operating": 1027, "negative_records": 0,
            "negative_records_3y": 0, "overdue_loans": 0, "is_tech_sme": False,
            "record_types": [], "indicators_filed": False, "on_list": False,
        },
    }  # fmt: skip
    # A day later three years back is 1 March 2025 still, and OBJECTED has its tenth year.
    clock.now = LEAP_DAY + timedelta(days=1)
    next_day = credit_client.post(
        f"/v1/certification/rounds/{rid}/candidates", headers=_admin(credit_headers)
    )
    counted = {
        c["uscc"]: (_seen(c)["negative_records_3y"], _seen(c)["years_operating"])
        for c in next_day.json()["candidates"]
    }
    assert counted == {GOOD: (2, 10), OBJECTED: (0, 10), THIRD: (0, 1028)}
    # On 1 February 2027 three years back is 1 February 2024 (not 1095 days: 2024 is leap).
    clock.now = datetime(2027, 2, 1, 4, 0, tzinfo=UTC)
    earlier = credit_client.post(
        f"/v1/certification/rounds/{rid}/candidates", headers=_admin(credit_headers)
    )
    assert {c["uscc"]: _seen(c)["negative_records_3y"] for c in earlier.json()["candidates"]} == {
        GOOD: 3, OBJECTED: 0, THIRD: 0,
    }  # fmt: skip
    # On the abnormal-operations list until it ended: two months earlier, it was on a list.
    clock.now = LEAP_DAY - timedelta(days=60)
    again = credit_client.post(
        f"/v1/certification/rounds/{rid}/candidates", headers=_admin(credit_headers)
    )
    listed = {c["uscc"]: _seen(c)["on_list"] for c in again.json()["candidates"]}
    assert listed == {GOOD: False, OBJECTED: True, THIRD: False}


def _post(client: TestClient, headers: CreditHeaders, path: str, body: Any = None) -> Any:
    """POST as the office."""
    return client.post(f"/v1/certification/rounds{path}", json=body, headers=_admin(headers))


def _open(client: TestClient, headers: CreditHeaders, year: int = 2026) -> str:
    """Open the year's round under the default criteria; its id."""
    body = {"year": year, "rule_set_id": "rls_credit_certification_v1"}
    opened = _post(client, headers, "", body)
    assert opened.status_code == 201, opened.text
    round_id: str = opened.json()["id"]
    return round_id


def _to_notice(client: TestClient, headers: CreditHeaders, rid: str) -> None:
    """Compute the round's candidates and publish them for a week's notice from today."""
    assert _post(client, headers, f"/{rid}/candidates").status_code == 200
    assert _post(client, headers, f"/{rid}/notice", {"days": 7}).status_code == 200


def _certify_all(client: TestClient, headers: CreditHeaders, clock: Clock, rid: str) -> None:
    """Candidates, a week's notice without objections, then the final list."""
    _to_notice(client, headers, rid)
    clock.now += timedelta(days=8)
    final = _post(client, headers, f"/{rid}/finalisation")
    assert final.status_code == 200, final.text


def test_objections_in_a_later_round_touch_only_their_candidate(
    credit_client: TestClient, credit_headers: CreditHeaders, enterprises: None, clock: Clock
) -> None:
    """2026 certifies GOOD and OBJECTED; in 2027 (every active enterprise a candidate) an
    upheld objection removes GOOD from 2027 only, a decided objection stays decided, and a
    dismissed one does not hold up the final list."""
    earlier_id = _open(credit_client, credit_headers)
    _certify_all(credit_client, credit_headers, clock, earlier_id)
    clock.now = datetime(2027, 12, 1, 2, 0, tzinfo=UTC)
    rid = _echo_round(credit_client, credit_headers, 2027)
    _to_notice(credit_client, credit_headers, rid)
    bank = credit_headers(kind="bank")

    def object_to(uscc: str) -> Any:
        body = {"uscc": uscc, "reason": "Unpaid wages."}
        return credit_client.post(
            f"/v1/certification/rounds/{rid}/objections", json=body, headers=bank
        )

    def decide(objection_id: str, decision: str) -> Any:
        body = {"decision": decision, "note": "Checked."}
        return _post(
            credit_client, credit_headers, f"/{rid}/objections/{objection_id}/decision", body
        )

    # GOOD: the lowest USCC of three candidates, and a candidate of 2026's round too.
    against_good = object_to(GOOD).json()["id"]
    upheld = decide(against_good, "upheld")
    assert upheld.status_code == 200 and upheld.json()["status"] == "upheld"
    again = object_to(GOOD)  # removed: no longer a candidate
    assert again.status_code == 422 and again.json()["code"] == "not_a_certification_candidate"
    against_objected = object_to(OBJECTED).json()["id"]
    assert decide(against_objected, "dismissed").json()["status"] == "dismissed"
    for decision in ("upheld", "dismissed"):
        twice = decide(against_objected, decision)
        assert (
            twice.status_code == 409 and twice.json()["code"] == "certification_objection_decided"
        )
    pending = object_to(YOUNG).json()["id"]
    clock.now += timedelta(days=8)
    held_up = _post(credit_client, credit_headers, f"/{rid}/finalisation")
    assert (
        held_up.status_code == 409
        and held_up.json()["code"] == "certification_round_stage"
        and "1 undecided objection" in held_up.json()["detail"]
    )
    assert decide(pending, "dismissed").status_code == 200
    final = _post(credit_client, credit_headers, f"/{rid}/finalisation")
    assert final.status_code == 200, final.text
    assert {c["uscc"]: c["status"] for c in final.json()["candidates"]} == {
        GOOD: "removed", OBJECTED: "certified", YOUNG: "certified",
    }  # fmt: skip
    earlier = credit_client.get(
        f"/v1/certification/rounds/{earlier_id}", headers=_admin(credit_headers)
    )
    assert {c["uscc"]: c["status"] for c in earlier.json()["candidates"]} == {
        GOOD: "certified", OBJECTED: "certified",
    }  # fmt: skip
    # Each year lists its own titles; 2026's GOOD stands.
    for year, usccs in ((2026, [GOOD, OBJECTED]), (2027, [OBJECTED, YOUNG])):
        listed = credit_client.get("/v1/public/certified-enterprises", params={"year": year})
        assert [i["uscc"] for i in listed.json()["items"]] == usccs
        assert listed.json()["count"] == 2


def test_rounds_open_for_any_year_not_taken_in_any_order(
    credit_client: TestClient, credit_headers: CreditHeaders, clock: Clock
) -> None:
    body = {"rule_set_id": "rls_credit_certification_v1"}
    for year in (2026, 2025, 2027):
        opened = _post(credit_client, credit_headers, "", {**body, "year": year})
        assert opened.status_code == 201 and opened.json()["year"] == year, opened.text
    taken = _post(credit_client, credit_headers, "", {**body, "year": 2025})
    assert taken.status_code == 409 and taken.json()["code"] == "certification_round_year_taken"


def _file(
    client: TestClient, headers: CreditHeaders, uscc: str, type_: str, source: str, **fields: Any
) -> dict[str, Any]:
    """File a record through the records API as its source department."""
    item = {
        "type": type_, "uscc": uscc, "reference": f"{source}-{uuid.uuid4().hex[:8]}",
        "occurred_on": "2019-01-01", "title": type_,
        "evidence_url": f"https://{source.replace('_', '-')}.example.cn/1", **fields,
    }  # fmt: skip
    filed = client.post(
        "/v1/records",
        json={"records": [item]},
        headers={
            **headers(kind="department", org=source, client_id=f"cli_{source}"),
            "Idempotency-Key": uuid.uuid4().hex,
        },
    )
    assert filed.status_code == 201, filed.text
    record: dict[str, Any] = filed.json()["items"][0]["record"]
    return record


def test_a_title_is_revoked_by_its_holders_serious_record_whether_filed_or_relisted(
    credit_client: TestClient,
    credit_app: FastAPI,
    credit_headers: CreditHeaders,
    enterprises: None,
    clock: Clock,
) -> None:
    """A serious record filed after the title (listing nobody, as it has ended) revokes it, as
    does a record corrected back onto the dishonesty list; another kind of record does not,
    and nothing touches another enterprise's title."""
    database: Database = credit_app.state.database

    def catch_up() -> int:
        with database.transaction() as session:
            return certification_service.catch_up(session=session)

    def status(uscc: str, at: datetime) -> tuple[bool, int | None, datetime | None]:
        with Session(database.engine) as session:
            found = certification_service.certification_status(session=session, uscc=uscc, at=at)
        return found.certified, found.year, found.revoked_at

    # Filed before the round: ended in 2020, so it neither lists OBJECTED nor counts in 2026.
    old = _file(credit_client, credit_headers, OBJECTED, "serious_dishonesty", "court",
                ended_on="2020-06-01")  # fmt: skip
    with database.transaction() as session:  # another consumer's cursor, already past it
        assert rating_run.apply_rating_events(session) > 0
    assert catch_up() == 1 and _events(credit_client, credit_headers, "certification.revoked") == []
    granted_at = clock.now + timedelta(days=8)
    _certify_all(credit_client, credit_headers, clock, _open(credit_client, credit_headers))
    assert status(GOOD, granted_at - timedelta(seconds=1)) == (False, None, None)
    assert status(GOOD, granted_at) == (True, 2026, None)
    assert status(YOUNG, granted_at) == (False, None, None)  # never certified

    # Three records in one turn: two penalties revoke nothing, an ended serious record does.
    _file(credit_client, credit_headers, GOOD, "administrative_penalty", "tax_bureau")
    _file(credit_client, credit_headers, OBJECTED, "administrative_penalty", "tax_bureau")
    serious = _file(credit_client, credit_headers, GOOD, "serious_dishonesty", "court",
                    ended_on="2019-06-01")  # fmt: skip
    clock.now += timedelta(hours=1)
    revoked_at = clock.now
    assert catch_up() == 3
    assert catch_up() == 0
    revoked = _events(credit_client, credit_headers, "certification.revoked")
    assert [(e["payload"]["uscc"], e["payload"]["year"]) for e in revoked] == [(GOOD, 2026)]
    assert revoked[0]["payload"]["because"] == f"record.added {serious['id']}"
    assert status(GOOD, revoked_at - timedelta(seconds=1)) == (True, 2026, None)
    assert status(GOOD, revoked_at) == (False, 2026, revoked_at)
    assert status(OBJECTED, revoked_at) == (True, 2026, None)

    # OBJECTED's old record corrected back onto the list: `dishonesty.listed` alone revokes.
    source = credit_headers(kind="department", org="court", client_id="cli_court")
    current = credit_client.get(f"/v1/records/{old['id']}", headers=source)
    corrected = credit_client.post(
        f"/v1/records/{old['id']}/corrections",
        json={"ended_on": None, "reason": "The judgment is still unpaid."},
        headers={**source, "If-Match": current.headers["ETag"]},
    )
    assert corrected.status_code == 200, corrected.text
    assert catch_up() == 1
    revoked = _events(credit_client, credit_headers, "certification.revoked")
    assert [e["payload"]["uscc"] for e in revoked] == [GOOD, OBJECTED]
    assert revoked[1]["payload"]["because"] == f"dishonesty.listed {old['id']}"
    listed = credit_client.get("/v1/public/certified-enterprises", params={"year": 2026}).json()
    assert listed["count"] == 0


def test_a_round_is_judged_only_by_certification_rules(
    credit_client: TestClient, credit_headers: CreditHeaders, clock: Clock
) -> None:
    scorecard = "rls_credit_scorecard_v1"
    answer = _post(credit_client, credit_headers, "", {"year": 2026, "rule_set_id": scorecard})
    assert answer.status_code == 422 and answer.json()["code"] == "certification_rule_family"
    assert answer.json()["errors"][0]["field"] == "body.rule_set_id"


ANY_VERSION = Precondition(None, required=False)
OFFICE = Principal(
    client_id="cli_office", kind=ClientKind.ADMIN, org=None, scopes=frozenset(), actor=None
)


@pytest.mark.parametrize("step", ["candidates", "notice", "decision", "finalisation"])
def test_a_step_taken_twice_at_once_waits_for_the_first(
    step: str,
    credit_client: TestClient,
    credit_app: FastAPI,
    credit_headers: CreditHeaders,
    enterprises: None,
    clock: Clock,
    postgres_database: str | None,
) -> None:
    """Each step locks its round (PostgreSQL): the second waits for the first to commit, then
    answers from what the first did: candidates computed afresh, the rest refused."""
    if postgres_database is None:
        pytest.skip("SQLite's BEGIN IMMEDIATE queues the second writer on its busy timeout")
    database: Database = credit_app.state.database
    rid = _open(credit_client, credit_headers)
    objection_id = ""
    if step != "candidates":
        assert _post(credit_client, credit_headers, f"/{rid}/candidates").status_code == 200
    if step in ("decision", "finalisation"):
        assert (
            _post(credit_client, credit_headers, f"/{rid}/notice", {"days": 7}).status_code == 200
        )
    if step == "decision":
        objected = credit_client.post(
            f"/v1/certification/rounds/{rid}/objections",
            json={"uscc": OBJECTED, "reason": "Unpaid wages."},
            headers=credit_headers(kind="bank"),
        )
        objection_id = objected.json()["id"]
    clock.now += timedelta(days=8)
    decision = {"decision": "upheld", "note": "Checked."}
    first: dict[str, Callable[[Session], object]] = {
        "candidates": lambda s: certification_service.compute_candidates(
            session=s, round_id=rid, precondition=ANY_VERSION
        ),
        "notice": lambda s: certification_service.publish_notice(
            session=s,
            round_id=rid,
            data=CertificationNoticeCreate(days=7),
            precondition=ANY_VERSION,
        ),
        "decision": lambda s: certification_service.decide_objection(
            session=s,
            client=OFFICE,
            round_id=rid,
            objection_id=objection_id,
            data=CertificationDecisionCreate.model_validate(decision),
        ),
        "finalisation": lambda s: certification_service.finalise_round(
            session=s, round_id=rid, precondition=ANY_VERSION
        ),
    }
    path = {
        "candidates": (f"/{rid}/candidates", None),
        "notice": (f"/{rid}/notice", {"days": 7}),
        "decision": (f"/{rid}/objections/{objection_id}/decision", decision),
        "finalisation": (f"/{rid}/finalisation", None),
    }[step]
    holder = database.session()
    try:
        first[step](holder)
        answer = waits_then_answers(
            holder,
            lambda: _post(credit_client, credit_headers, *path),
            database,
            table="certification_rounds",
        )
    finally:
        holder.close()
    expected = {
        "candidates": (200, None),
        "notice": (409, "certification_round_stage"),
        "decision": (409, "certification_objection_decided"),
        "finalisation": (409, "certification_round_stage"),
    }[step]
    assert (answer.status_code, answer.json().get("code")) == expected, answer.text
    if step == "candidates":
        assert [c["uscc"] for c in answer.json()["candidates"]] == [GOOD, OBJECTED]


def test_the_round_answers_its_etag_and_a_stale_if_match_changes_nothing(
    credit_client: TestClient, credit_headers: CreditHeaders, enterprises: None, clock: Clock
) -> None:
    """Each step answers the round's new ETag; an upheld objection changes it too, so a step
    sent with the ETag read before it is refused (412) and the round stays as it was."""
    body = {"year": 2026, "rule_set_id": "rls_credit_certification_v1"}
    opened = _post(credit_client, credit_headers, "", body)
    rid = opened.json()["id"]
    url = f"/v1/certification/rounds/{rid}"
    read = credit_client.get(url, headers=_admin(credit_headers))
    assert read.headers["ETag"] == opened.headers["ETag"] == f'"{rid}.1"'

    def step(path: str, etag: str, body: Any = None) -> Any:
        return credit_client.post(
            f"{url}{path}", json=body, headers={**_admin(credit_headers), "If-Match": etag}
        )

    computed = step("/candidates", f'"{rid}.1"')
    assert computed.status_code == 200 and computed.headers["ETag"] == f'"{rid}.2"'
    again = step("/candidates", f'"{rid}.1"')  # stale: the candidates stay as computed
    assert again.status_code == 412 and again.json()["code"] == "stale_etag"
    assert credit_client.get(url, headers=_admin(credit_headers)).json() == computed.json()
    stale = step("/notice", f'"{rid}.1"', {"days": 7})
    assert stale.status_code == 412 and stale.json()["code"] == "stale_etag"
    assert credit_client.get(url, headers=_admin(credit_headers)).json()["stage"] == "candidates"
    noticed = step("/notice", f'"{rid}.2"', {"days": 7})
    assert noticed.status_code == 200 and noticed.headers["ETag"] == f'"{rid}.3"'
    objections = [
        credit_client.post(
            f"{url}/objections",
            json={"uscc": uscc, "reason": "Unpaid wages."},
            headers=credit_headers(kind="bank"),
        ).json()["id"]
        for uscc in (GOOD, OBJECTED)
    ]
    for objection, decision in zip(objections, ("dismissed", "upheld"), strict=True):
        decided = _post(
            credit_client, credit_headers, f"/{rid}/objections/{objection}/decision",
            {"decision": decision, "note": "Checked."},
        )  # fmt: skip
        assert decided.status_code == 200
        if decision == "dismissed":  # the round shows the same candidates
            read = credit_client.get(url, headers=_admin(credit_headers))
            assert read.headers["ETag"] == f'"{rid}.3"'
    after = credit_client.get(url, headers=_admin(credit_headers))
    assert after.headers["ETag"] == f'"{rid}.4"'
    clock.now += timedelta(days=8)
    refused = step("/finalisation", f'"{rid}.3"')
    assert refused.status_code == 412 and refused.json()["code"] == "stale_etag"
    assert credit_client.get(url, headers=_admin(credit_headers)).json()["stage"] == "notice"
    final = step("/finalisation", after.headers["ETag"])
    assert final.status_code == 200 and final.headers["ETag"] == f'"{rid}.5"'
    assert {c["uscc"]: c["status"] for c in final.json()["candidates"]} == {
        GOOD: "certified", OBJECTED: "removed",
    }  # fmt: skip


def test_two_rounds_side_by_side_keep_their_candidates_objections_and_titles_apart(
    credit_client: TestClient,
    credit_app: FastAPI,
    credit_headers: CreditHeaders,
    enterprises: None,
    clock: Clock,
) -> None:
    """2026 (the default rules: GOOD and OBJECTED), 2025 and 2027 (every active enterprise) in
    notice at once: an objection belongs to its round, a pending one holds up only its round,
    and a title's holder revoked in two years reads as its latest year."""
    database: Database = credit_app.state.database
    rounds = {  # opened in this order: 2026 between an earlier and a later round
        2025: _echo_round(credit_client, credit_headers, 2025),
        2026: _open(credit_client, credit_headers),
        2027: _echo_round(credit_client, credit_headers, 2027),
    }
    for rid in rounds.values():
        assert _post(credit_client, credit_headers, f"/{rid}/candidates").status_code == 200
    # Computed again, the earliest round's candidates replace only its own.
    assert _post(credit_client, credit_headers, f"/{rounds[2025]}/candidates").status_code == 200
    for year, usccs in ((2026, [GOOD, OBJECTED]), (2027, [GOOD, OBJECTED, YOUNG])):
        read = credit_client.get(
            f"/v1/certification/rounds/{rounds[year]}", headers=_admin(credit_headers)
        )
        assert [c["uscc"] for c in read.json()["candidates"]] == usccs
    for rid in rounds.values():
        notice = _post(credit_client, credit_headers, f"/{rid}/notice", {"days": 7})
        assert notice.status_code == 200, notice.text
    bank = credit_headers(kind="bank")

    def object_to(year: int, uscc: str) -> Any:
        body = {"uscc": uscc, "reason": "Unpaid wages."}
        path = f"/v1/certification/rounds/{rounds[year]}/objections"
        return credit_client.post(path, json=body, headers=bank)

    def decide(year: int, objection_id: str, decision: str = "dismissed") -> Any:
        body = {"decision": decision, "note": "Checked."}
        path = f"/{rounds[year]}/objections/{objection_id}/decision"
        return _post(credit_client, credit_headers, path, body)

    # YOUNG is a candidate of 2027 only.
    not_2026 = object_to(2026, YOUNG)
    assert (
        not_2026.status_code == 422 and not_2026.json()["code"] == "not_a_certification_candidate"
    )
    in_2027, in_2026 = object_to(2027, YOUNG).json()["id"], object_to(2026, OBJECTED).json()["id"]
    assert object_to(2025, YOUNG).status_code == 201
    for year, other_round_objection in ((2026, in_2027), (2027, in_2026)):
        wrong = decide(year, other_round_objection)
        assert wrong.status_code == 404
        assert wrong.json()["code"] == "certification_objection_not_found"
    early = _post(credit_client, credit_headers, f"/{rounds[2026]}/finalisation")
    assert early.status_code == 409 and early.json()["code"] == "notice_period_running"
    # Upheld in 2026: OBJECTED leaves 2026's candidates, not 2027's.
    assert decide(2026, in_2026, "upheld").status_code == 200
    clock.now += timedelta(days=8)
    # The undecided objections of 2025 and 2027 do not hold up 2026.
    final = _post(credit_client, credit_headers, f"/{rounds[2026]}/finalisation")
    assert final.status_code == 200, final.text
    twice = _post(credit_client, credit_headers, f"/{rounds[2026]}/finalisation")
    assert twice.status_code == 409 and twice.json()["code"] == "certification_round_stage"
    listed = credit_client.get("/v1/public/certified-enterprises", params={"year": 2026}).json()
    assert [i["uscc"] for i in listed["items"]] == [GOOD]
    assert decide(2027, in_2027).status_code == 200
    assert _post(credit_client, credit_headers, f"/{rounds[2027]}/finalisation").status_code == 200
    listed = credit_client.get("/v1/public/certified-enterprises", params={"year": 2027}).json()
    assert (listed["count"], listed["share_percent"]) == (3, "1.00")

    # YOUNG, last by USCC, loses its title first; the others keep theirs.
    for uscc in (YOUNG, GOOD):
        _file(credit_client, credit_headers, uscc, "serious_dishonesty", "court",
              ended_on="2019-06-01")  # fmt: skip
        with database.transaction() as session:
            assert certification_service.catch_up(session=session) == 1
        if uscc == YOUNG:
            listed = credit_client.get(
                "/v1/public/certified-enterprises", params={"year": 2027}
            ).json()
            assert [i["uscc"] for i in listed["items"]] == [GOOD, OBJECTED]
    revoked = _events(credit_client, credit_headers, "certification.revoked")
    first, *then = ((e["payload"]["uscc"], e["payload"]["year"]) for e in revoked)
    assert first == (YOUNG, 2027) and sorted(then) == [(GOOD, 2026), (GOOD, 2027)]
    with Session(database.engine) as session:
        latest = certification_service.certification_status(
            session=session, uscc=GOOD, at=clock.now
        )
    assert (latest.certified, latest.year, latest.revoked_at) == (False, 2027, clock.now)


def test_reading_a_round_never_waits_for_a_step_in_progress(
    credit_client: TestClient,
    credit_app: FastAPI,
    credit_headers: CreditHeaders,
    enterprises: None,
    clock: Clock,
    postgres_database: str | None,
) -> None:
    """Only the steps lock the round (PostgreSQL): while one holds it, the round is read, in
    private and in public, at once."""
    if postgres_database is None:
        pytest.skip("SQLite's BEGIN IMMEDIATE lets no other writer start before the first ends")
    database: Database = credit_app.state.database
    rid = _open(credit_client, credit_headers)
    _to_notice(credit_client, credit_headers, rid)
    calls = [
        lambda: credit_client.get(
            f"/v1/certification/rounds/{rid}", headers=_admin(credit_headers)
        ),
        lambda: credit_client.get(f"/v1/public/certification/rounds/{rid}"),
    ]
    holder, pool = database.session(), ThreadPoolExecutor(1)
    try:
        holder.get(CertificationRound, rid, with_for_update=True)  # as every step takes it
        for call in calls:
            running = pool.submit(call)
            wait_for_lock_waiter(running, database, table="certification_rounds")
            assert running.done(), "a read waited for the step's lock"
            assert running.result().status_code == 200, running.result().text
        # The lock is held: a step does wait for it.
        step = waits_then_answers(
            holder,
            lambda: _post(credit_client, credit_headers, f"/{rid}/notice", {"days": 7}),
            database,
            table="certification_rounds",
        )
        assert step.status_code == 409 and step.json()["code"] == "certification_round_stage"
    finally:
        holder.rollback()  # lets a read the lock held up finish, so the pool can close
        holder.close()
        pool.shutdown()


def test_a_second_replica_skips_the_revocations_turn_the_first_holds(
    credit_client: TestClient,
    credit_app: FastAPI,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    clock: Clock,
    postgres_database: str | None,
) -> None:
    """While one replica applies a page, another finds the cursor locked and applies nothing;
    the first's page is then applied once."""
    if postgres_database is None:
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite runs one writer at a time")
    database: Database = credit_app.state.database
    seed_enterprise(GOOD)
    with database.transaction() as session:
        assert certification_service.catch_up(session=session) == 0  # creates the cursor
    _file(credit_client, credit_headers, GOOD, "administrative_penalty", "tax_bureau")
    holder = database.session()
    try:
        assert certification_service.catch_up(session=holder) == 1
        with database.transaction() as session:
            # One thread holds both: a wait would never end, so make it an error instead.
            session.execute(text("SET LOCAL lock_timeout = '5s'"))
            assert certification_service.catch_up(session=session) == 0
        holder.commit()
    finally:
        holder.close()
    with database.transaction() as session:
        assert certification_service.catch_up(session=session) == 0


def test_no_objection_is_taken_after_the_final_list_whatever_a_clock_says(
    credit_client: TestClient, credit_headers: CreditHeaders, enterprises: None, clock: Clock
) -> None:
    """A replica whose clock is behind still reads the round's stage: final takes none."""
    rid = _open(credit_client, credit_headers)
    _certify_all(credit_client, credit_headers, clock, rid)
    clock.now -= timedelta(days=8)  # back inside the notice
    late = credit_client.post(
        f"/v1/certification/rounds/{rid}/objections",
        json={"uscc": GOOD, "reason": "Unpaid wages."},
        headers=credit_headers(kind="bank"),
    )
    assert late.status_code == 409 and late.json()["code"] == "certification_notice_closed"


def test_an_objection_sent_during_the_finalisation_waits_and_is_refused(
    credit_client: TestClient,
    credit_app: FastAPI,
    credit_headers: CreditHeaders,
    enterprises: None,
    clock: Clock,
    postgres_database: str | None,
) -> None:
    """An objection read in the notice's last second while the list is being finalised
    (PostgreSQL): it waits on the round's share lock, then finds the round final. Read without
    the lock, it would be filed against a title already granted."""
    if postgres_database is None:
        pytest.skip("SQLite's BEGIN IMMEDIATE queues the second writer on its busy timeout")
    database: Database = credit_app.state.database
    rid = _open(credit_client, credit_headers)
    _to_notice(credit_client, credit_headers, rid)
    clock.now += timedelta(days=8)
    holder = database.session()
    try:
        certification_service.finalise_round(session=holder, round_id=rid, precondition=ANY_VERSION)
        clock.now -= timedelta(days=1)  # the objection's replica: still the notice's last day
        answer = waits_then_answers(
            holder,
            lambda: credit_client.post(
                f"/v1/certification/rounds/{rid}/objections",
                json={"uscc": GOOD, "reason": "Unpaid wages."},
                headers=credit_headers(kind="bank"),
            ),
            database,
            table="certification_rounds",
            what="the objection",
        )
    finally:
        holder.close()
    assert answer.status_code == 409 and answer.json()["code"] == "certification_notice_closed"


def test_a_turn_applies_at_most_500_events_and_the_next_turn_the_rest(
    credit_app: FastAPI, clock: Clock
) -> None:
    database: Database = credit_app.state.database
    with database.transaction() as session:
        emit_many(
            session,
            [("record.added", {"record_id": f"crr_{n}", "uscc": GOOD, "type": "award"})
             for n in range(501)],
        )  # fmt: skip
    turns = []
    for _ in range(3):
        with database.transaction() as session:
            turns.append(certification_service.catch_up(session=session))
    assert turns == [500, 1, 0]


def test_events_of_other_types_revoke_nothing(
    credit_app: FastAPI,
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    enterprises: None,
    clock: Clock,
) -> None:
    """apply_event is handed only its two types by catch_up; any other changes nothing."""
    _certify_all(credit_client, credit_headers, clock, _open(credit_client, credit_headers))
    database: Database = credit_app.state.database
    payload = {"uscc": GOOD, "type": "serious_dishonesty", "record_id": "crr_x"}
    with database.transaction() as session:
        for type_ in ("certification.granted", "record.corrected", "dishonesty.cleared"):
            assert certification_service.apply_event(session, type_, payload) == []
    listed = credit_client.get("/v1/public/certified-enterprises", params={"year": 2026}).json()
    assert [i["uscc"] for i in listed["items"]] == [GOOD, OBJECTED]


def test_an_enterprise_failing_the_criteria_is_passed_over_and_the_rest_still_read(
    credit_client: TestClient,
    credit_app: FastAPI,
    credit_headers: CreditHeaders,
    enterprises: None,
    clock: Clock,
) -> None:
    """GOOD, first by USCC, has a penalty of this year: not a candidate; OBJECTED after it is."""
    database: Database = credit_app.state.database
    add_record(database, GOOD, "administrative_penalty", "negative", occurred_on=date(2026, 6, 1))
    rid = _open(credit_client, credit_headers)
    computed = _post(credit_client, credit_headers, f"/{rid}/candidates")
    assert [c["uscc"] for c in computed.json()["candidates"]] == [OBJECTED]


def test_objections_are_taken_to_the_notices_last_second_and_never_wait_for_each_other(
    credit_client: TestClient,
    credit_app: FastAPI,
    credit_headers: CreditHeaders,
    enterprises: None,
    clock: Clock,
    postgres_database: str | None,
) -> None:
    """23:59:59 on the notice's last day still takes an objection; on PostgreSQL one held open
    (the round's share lock) does not hold up another."""
    rid = _open(credit_client, credit_headers)
    _to_notice(credit_client, credit_headers, rid)
    clock.now = datetime(2026, 12, 8, 15, 59, 59, tzinfo=UTC)  # notice until 2026-12-08

    def object_to(uscc: str) -> Any:
        return credit_client.post(
            f"/v1/certification/rounds/{rid}/objections",
            json={"uscc": uscc, "reason": "Unpaid wages."},
            headers=credit_headers(kind="bank"),
        )

    last_second = object_to(GOOD)
    assert last_second.status_code == 201, last_second.text
    if postgres_database is None:
        return  # SQLite runs one writer at a time
    database: Database = credit_app.state.database
    data = CertificationObjectionCreate(uscc=GOOD, reason="Also late filings.")
    holder, pool = database.session(), ThreadPoolExecutor(1)
    try:
        certification_service.object_to_candidate(
            session=holder, client=OFFICE, round_id=rid, data=data
        )
        running = pool.submit(object_to, OBJECTED)
        wait_for_lock_waiter(running, database, table="certification_rounds")
        assert running.done(), "an objection waited for another"
        assert running.result().status_code == 201, running.result().text
        holder.commit()
    finally:
        holder.rollback()
        holder.close()
        pool.shutdown()
