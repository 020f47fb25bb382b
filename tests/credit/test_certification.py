"""诚信企业 rounds through HTTP: candidates by the default rules, a public notice with an
objection removing a candidate, finalisation only after the notice, the public list with
progress against 300, and a serious record revoking a title."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from services.common.consumer import FeedEvent
from services.common.db import Database
from services.credit.app import CHANGE_LISTENERS
from services.credit.certification import service as certification_service
from services.credit.enterprises.service import registry_handlers
from services.credit.ratings import run as rating_run
from services.credit.ratings import service as rating_service
from tests.credit.conftest import CreditHeaders, SeedEnterprise

GOOD = "91140100MA0K000017"
OBJECTED = "91140105MA0GRX0Y7C"
YOUNG = "91140105MA0KDE119Q"


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
    assert unknown.status_code == 404
