"""Objections (异议) through HTTP: a record disputed at once, answered by its source within 20
calendar days (corrected, upheld, withdrawn), the objection clock, and enterprises' statements."""

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.db import Database
from services.credit.objections import service as objections_service
from services.credit.ratings import run as rating_run
from tests.credit.conftest import CreditHeaders, SeedEnterprise

ME = "91140100MA0K000017"
OTHER = "91140105MA0GRX0Y7C"


class Clock:
    """A settable 'now' for the objection service (Asia/Shanghai dates follow it)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Taiyuan

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Freezes the objection service's clock."""
    clock = Clock()
    monkeypatch.setattr(objections_service, "utcnow", lambda: clock.now)
    return clock


SeedRecord = Callable[..., str]


@pytest.fixture
def seed_record(
    credit_client: TestClient, credit_headers: CreditHeaders, seed_enterprise: SeedEnterprise
) -> Iterator[SeedRecord]:
    """`seed_record(uscc, source=, **fields)`: a record filed through the records API."""
    seeded: set[str] = set()

    def make(uscc: str = ME, source: str = "tax_bureau", **fields: Any) -> str:
        if uscc not in seeded:
            seed_enterprise(uscc)
            seeded.add(uscc)
        item = {
            "type": "administrative_penalty",
            "uscc": uscc,
            "reference": f"ref-{uuid.uuid4().hex[:12]}",
            "occurred_on": "2025-06-01",
            "title": "Late VAT filing penalty",
            "evidence_url": "https://tax.example.cn/penalties/118",
            **fields,
        }
        filed = credit_client.post(
            "/v1/records",
            json={"records": [item]},
            headers={**_dept(credit_headers, source), "Idempotency-Key": uuid.uuid4().hex},
        )
        assert filed.status_code == 201, filed.text
        record_id: str = filed.json()["items"][0]["record"]["id"]
        return record_id

    yield make


def _record(client: TestClient, headers: CreditHeaders, record_id: str) -> dict[str, Any]:
    """The record as the office reads it through the records API."""
    answer = client.get(f"/v1/records/{record_id}", headers=headers(kind="admin", org=None))
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _versions(client: TestClient, headers: CreditHeaders, record_id: str) -> list[dict[str, Any]]:
    answer = client.get(
        f"/v1/records/{record_id}/versions", headers=headers(kind="admin", org=None)
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def _events(client: TestClient, headers: CreditHeaders, *types: str) -> list[dict[str, Any]]:
    feed = client.get(
        "/v1/events",
        params={"limit": 1000},
        headers=headers(kind="service", org=None, scopes=("events:read",)),
    )
    assert feed.status_code == 200, feed.text
    return [e for e in feed.json()["items"] if not types or e["type"] in types]


def _me(headers: CreditHeaders, uscc: str = ME) -> dict[str, str]:
    return headers(kind="enterprise", org=uscc, client_id=f"cli_ent_{uscc[-4:]}")


def _dept(headers: CreditHeaders, org: str = "tax_bureau") -> dict[str, str]:
    return headers(kind="department", org=org, client_id=f"cli_{org}")


def _object(
    client: TestClient, h: dict[str, str], record_id: str, status: int = 201, **extra: Any
) -> dict[str, Any]:
    body = {
        "record_id": record_id,
        "reason": "The penalty was annulled on administrative review.",
        "evidence_urls": ["https://docs.example.cn/review-2026-001.pdf"],
        **extra,
    }
    answer = client.post("/v1/objections", json=body, headers=h)
    assert answer.status_code == status, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _resolve(
    client: TestClient, h: dict[str, str], objection_id: str, status: int = 200, **body: Any
) -> dict[str, Any]:
    answer = client.post(f"/v1/objections/{objection_id}/resolution", json=body, headers=h)
    assert answer.status_code == status, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_an_objection_disputes_the_record_at_once_and_a_correction_ends_it(
    credit_client: TestClient,
    credit_app: FastAPI,
    credit_headers: CreditHeaders,
    seed_record: SeedRecord,
    clock: Clock,
) -> None:
    record_id = seed_record()
    opened = _object(credit_client, _me(credit_headers), record_id)
    assert opened["status"] == "open" and opened["record_id"] == record_id
    assert opened["uscc"] == ME and opened["source"] == "tax_bureau"
    assert opened["opened_by"] == "cli_ent_0017" and opened["actor"] is None
    # 20 calendar days from the Asia/Shanghai day it was opened (2026-03-02).
    assert opened["deadline"] == "2026-03-22" and opened["overdue"] is False
    assert opened["evidence_urls"] == ["https://docs.example.cn/review-2026-001.pdf"]
    assert _record(credit_client, credit_headers, record_id)["disputed"] is True
    disputed = _events(credit_client, credit_headers, "record.disputed", "objection.opened")
    assert [e["type"] for e in disputed] == ["objection.opened", "record.disputed"]
    assert disputed[1]["payload"]["record_id"] == record_id
    assert disputed[1]["payload"]["objection_id"] == opened["id"]

    # A second objection to the same record while the first is open: 409.
    again = credit_client.post(
        "/v1/objections",
        json={"record_id": record_id, "reason": "again"},
        headers=_me(credit_headers),
    )
    assert again.status_code == 409 and again.json()["code"] == "record_already_disputed"

    clock.advance(days=5)
    resolved = _resolve(
        credit_client,
        _dept(credit_headers),
        opened["id"],
        outcome="corrected",
        answer="Checked against the review decision: the penalty ended on 2026-02-20.",
        corrections={"ended_on": "2026-02-20", "title": "Late VAT filing penalty (annulled)"},
    )
    assert resolved["status"] == "resolved" and resolved["outcome"] == "corrected"
    assert resolved["corrections"] == {
        "ended_on": "2026-02-20",
        "title": "Late VAT filing penalty (annulled)",
    }
    assert resolved["record_version"] == 2 and resolved["resolved_by"] == "cli_tax_bureau"
    record = _record(credit_client, credit_headers, record_id)
    assert record["disputed"] is False and record["version"] == 2
    assert record["ended_on"] == "2026-02-20" and record["title"].endswith("(annulled)")
    versions = _versions(credit_client, credit_headers, record_id)
    assert [(v["version"], v["change"]) for v in versions] == [(1, "filed"), (2, "corrected")]
    assert versions[1]["values"]["ended_on"] == "2026-02-20"
    assert versions[1]["actor"] == "cli_tax_bureau"
    assert versions[1]["reason"].startswith("Checked against the review decision")
    after = _events(
        credit_client, credit_headers, "record.corrected", "objection.resolved", "record.undisputed"
    )
    assert [e["type"] for e in after] == [
        "record.corrected",
        "objection.resolved",
        "record.undisputed",
    ]
    assert after[0]["payload"]["changed"] == ["ended_on", "title"]
    assert after[1]["payload"]["outcome"] == "corrected" and after[1]["payload"]["on_time"]
    # Answered once: a second answer is refused.
    twice = credit_client.post(
        f"/v1/objections/{opened['id']}/resolution",
        json={"outcome": "upheld", "answer": "again"},
        headers=_dept(credit_headers),
    )
    assert twice.status_code == 409 and twice.json()["code"] == "objection_already_resolved"
    # The record may be disputed again once the first objection is answered.
    assert _object(credit_client, _me(credit_headers), record_id)["status"] == "open"


def test_upheld_and_withdrawn_answers(
    credit_client: TestClient,
    credit_app: FastAPI,
    credit_headers: CreditHeaders,
    seed_record: SeedRecord,
    clock: Clock,
) -> None:
    upheld_id, withdrawn_id = seed_record(), seed_record()
    portal = credit_headers(kind="portal", org=ME, client_id="cli_portal", actor="cli_portal")
    first = _object(credit_client, portal, upheld_id)
    assert first["actor"] == "cli_portal"
    second = _object(credit_client, _me(credit_headers), withdrawn_id)

    upheld = _resolve(
        credit_client,
        _dept(credit_headers),
        first["id"],
        outcome="upheld",
        answer="The review confirmed the penalty.",
    )
    assert upheld["outcome"] == "upheld" and upheld["record_version"] == 1
    assert upheld["corrections"] is None
    record = _record(credit_client, credit_headers, upheld_id)
    assert record["disputed"] is False and record["version"] == 1
    assert record["status"] == "active"

    withdrawn = _resolve(
        credit_client,
        _dept(credit_headers),
        second["id"],
        outcome="withdrawn",
        answer="Filed against the wrong enterprise; withdrawn.",
    )
    assert withdrawn["record_version"] == 2
    record = _record(credit_client, credit_headers, withdrawn_id)
    assert record["disputed"] is False and record["status"] == "withdrawn"
    assert record["version"] == 2
    versions = _versions(credit_client, credit_headers, withdrawn_id)
    assert [v["change"] for v in versions] == ["filed", "withdrawn"]
    opened = _events(credit_client, credit_headers, "record.disputed")
    assert opened[0]["payload"]["actor"] == "cli_portal"
    withdrawals = _events(credit_client, credit_headers, "record.withdrawn")
    assert [e["payload"]["record_id"] for e in withdrawals] == [withdrawn_id]
    undisputed = _events(credit_client, credit_headers, "record.undisputed")
    assert [(e["payload"]["record_id"], e["payload"]["outcome"]) for e in undisputed] == [
        (upheld_id, "upheld"),
        (withdrawn_id, "withdrawn"),
    ]
    # A withdrawn record cannot be disputed.
    refused = credit_client.post(
        "/v1/objections",
        json={"record_id": withdrawn_id, "reason": "r"},
        headers=_me(credit_headers),
    )
    assert refused.status_code == 409 and refused.json()["code"] == "record_not_disputable"


def test_an_objection_left_21_days_is_overdue_listed_and_announced_once(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    credit_app: FastAPI,
    seed_record: SeedRecord,
    clock: Clock,
) -> None:
    late_id = _object(credit_client, _me(credit_headers), seed_record())["id"]
    clock.advance(days=2)
    fresh_id = _object(credit_client, _me(credit_headers), seed_record())["id"]
    database: Database = credit_app.state.database

    def run_clock() -> list[str]:
        with database.transaction() as session:
            return objections_service.mark_overdue(session=session, now=clock.now)

    # Day 20 after opening is still on time.
    clock.now = datetime(2026, 3, 22, 15, 0, tzinfo=UTC)  # 23:00 on 2026-03-22 in Taiyuan
    assert run_clock() == []
    listed = credit_client.get(
        "/v1/objections", params={"overdue": "true"}, headers=_dept(credit_headers)
    )
    assert listed.status_code == 200 and listed.json()["items"] == []

    clock.advance(hours=1)  # 2026-03-23 in Taiyuan: day 21 for the first, day 19 for the other
    assert run_clock() == [late_id]
    assert run_clock() == []  # announced once
    for h in (_dept(credit_headers), credit_headers(kind="admin", org=None)):
        overdue = credit_client.get("/v1/objections", params={"overdue": "true"}, headers=h)
        assert overdue.status_code == 200, overdue.text
        items = overdue.json()["items"]
        assert [i["id"] for i in items] == [late_id]
        assert items[0]["overdue"] is True and items[0]["overdue_marked_at"] is not None
    on_time = credit_client.get(
        "/v1/objections", params={"overdue": "false"}, headers=_dept(credit_headers)
    )
    assert [i["id"] for i in on_time.json()["items"]] == [fresh_id]
    # Another department sees none of them.
    others = credit_client.get(
        "/v1/objections", params={"overdue": "true"}, headers=_dept(credit_headers, "court")
    )
    assert others.json()["items"] == []
    events = _events(credit_client, credit_headers, "objection.overdue")
    assert [e["payload"]["objection_id"] for e in events] == [late_id]
    assert events[0]["payload"]["days_late"] == 1
    assert events[0]["payload"]["source"] == "tax_bureau"

    # Answered late: on_time is false; it leaves the overdue list.
    _resolve(credit_client, _dept(credit_headers), late_id, outcome="upheld", answer="Late.")
    resolved = _events(credit_client, credit_headers, "objection.resolved")
    assert resolved[-1]["payload"]["on_time"] is False
    overdue = credit_client.get(
        "/v1/objections", params={"overdue": "true"}, headers=_dept(credit_headers)
    )
    assert overdue.json()["items"] == []


def test_two_replicas_running_the_clock_announce_each_objection_once(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    credit_app: FastAPI,
    seed_record: SeedRecord,
    clock: Clock,
) -> None:
    ids = {_object(credit_client, _me(credit_headers), seed_record())["id"] for _ in range(4)}
    clock.advance(days=25)
    database: Database = credit_app.state.database
    barrier = threading.Barrier(2, timeout=10)
    marked: list[list[str]] = []
    errors: list[BaseException] = []

    def replica() -> None:
        try:
            barrier.wait()
            with database.transaction() as session:
                marked.append(objections_service.mark_overdue(session=session, now=clock.now))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=replica) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert sorted(i for run in marked for i in run) == sorted(ids)
    events = _events(credit_client, credit_headers, "objection.overdue")
    assert sorted(e["payload"]["objection_id"] for e in events) == sorted(ids)


def test_who_sees_and_who_answers_objections(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_record: SeedRecord,
    clock: Clock,
) -> None:
    mine = _object(credit_client, _me(credit_headers), seed_record())
    theirs = _object(credit_client, _me(credit_headers, OTHER), seed_record(OTHER, source="court"))

    # The enterprise its own; the source those against its records; the office all.
    def ids(h: dict[str, str]) -> list[str]:
        answer = credit_client.get("/v1/objections", headers=h)
        assert answer.status_code == 200, answer.text
        return [i["id"] for i in answer.json()["items"]]

    assert ids(_me(credit_headers)) == [mine["id"]]
    assert ids(_me(credit_headers, OTHER)) == [theirs["id"]]
    assert ids(_dept(credit_headers)) == [mine["id"]]
    assert ids(_dept(credit_headers, "court")) == [theirs["id"]]
    assert ids(credit_headers(kind="admin", org=None)) == [mine["id"], theirs["id"]]
    hidden = credit_client.get(f"/v1/objections/{theirs['id']}", headers=_me(credit_headers))
    assert hidden.status_code == 404 and hidden.json()["code"] == "objection_not_found"
    seen = credit_client.get(f"/v1/objections/{mine['id']}", headers=_me(credit_headers))
    assert seen.status_code == 200 and seen.headers["ETag"] == f'"{mine["id"]}.1"'
    # A bank is the source of its loan records only: none of these is against one of them.
    assert ids(credit_headers(kind="bank")) == []
    provider = credit_client.get("/v1/objections", headers=credit_headers(kind="provider"))
    assert provider.status_code == 403 and provider.json()["code"] == "forbidden_client_kind"

    # Only the record's source answers.
    answer = {"outcome": "upheld", "answer": "No."}
    court = credit_client.post(
        f"/v1/objections/{mine['id']}/resolution",
        json=answer,
        headers=_dept(credit_headers, "court"),
    )
    assert court.status_code == 404 and court.json()["code"] == "objection_not_found"
    admin = credit_client.post(
        f"/v1/objections/{mine['id']}/resolution",
        json=answer,
        headers=credit_headers(kind="admin", org=None),
    )
    assert admin.status_code == 403 and admin.json()["code"] == "forbidden_client_kind"
    enterprise = credit_client.post(
        f"/v1/objections/{mine['id']}/resolution",
        json=answer,
        headers=credit_headers(kind="enterprise", org=ME, scopes=("credit:read", "credit:consent")),
    )
    assert enterprise.status_code == 403 and enterprise.json()["code"] == "insufficient_scope"
    stale = credit_client.post(
        f"/v1/objections/{mine['id']}/resolution",
        json=answer,
        headers={**_dept(credit_headers), "If-Match": f'"{mine["id"]}.7"'},
    )
    assert stale.status_code == 412 and stale.json()["code"] == "stale_etag"

    # Only the enterprise (or its portal) objects, and only to records about itself.
    dept = credit_client.post(
        "/v1/objections",
        json={"record_id": mine["record_id"], "reason": "r"},
        headers=credit_headers(kind="department", scopes=("credit:consent",)),
    )
    assert dept.status_code == 403 and dept.json()["code"] == "forbidden_client_kind"
    foreign = credit_client.post(
        "/v1/objections",
        json={"record_id": theirs["record_id"], "reason": "r"},
        headers=_me(credit_headers),
    )
    assert foreign.status_code == 404 and foreign.json()["code"] == "objection_record_not_found"
    assert foreign.json()["errors"][0]["field"] == "body.record_id"


def test_bad_answers_are_problems_and_change_nothing(
    credit_client: TestClient,
    credit_app: FastAPI,
    credit_headers: CreditHeaders,
    seed_record: SeedRecord,
    clock: Clock,
) -> None:
    record_id = seed_record()
    objection = _object(credit_client, _me(credit_headers), record_id)
    cases = [
        ({"outcome": "corrected", "answer": "x"}, "corrections_required", "body.corrections"),
        (
            {"outcome": "upheld", "answer": "x", "corrections": {"title": "t"}},
            "corrections_not_allowed",
            "body.corrections",
        ),
        (
            {
                "outcome": "corrected",
                "answer": "x",
                "corrections": {"title": "Late VAT filing penalty"},
            },
            "nothing_to_correct",
            "body.corrections",
        ),
        (
            {"outcome": "corrected", "answer": "x", "corrections": {"ended_on": "2025-01-01"}},
            "ended_before_occurred",
            "body.corrections.ended_on",
        ),
        ({"outcome": "maybe", "answer": "x"}, "validation_failed", "body.outcome"),
    ]
    for body, code, field in cases:
        answer = credit_client.post(
            f"/v1/objections/{objection['id']}/resolution", json=body, headers=_dept(credit_headers)
        )
        assert answer.status_code == 422, answer.text
        problem = answer.json()
        assert problem["code"] == code, problem
        assert problem["errors"][0]["field"] == field, problem
    record = _record(credit_client, credit_headers, record_id)
    assert record["disputed"] is True and record["version"] == 1
    bad_open = credit_client.post(
        "/v1/objections",
        json={"record_id": record_id, "reason": "", "evidence_urls": ["ftp://x"]},
        headers=_me(credit_headers),
    )
    assert bad_open.status_code == 422
    assert {e["field"] for e in bad_open.json()["errors"]} == {
        "body.reason",
        "body.evidence_urls.0",
    }


def test_an_idempotent_retry_returns_the_first_objection(
    credit_client: TestClient, credit_headers: CreditHeaders, seed_record: SeedRecord
) -> None:
    record_id = seed_record()
    h = {**_me(credit_headers), "Idempotency-Key": "obj-1"}
    body = {"record_id": record_id, "reason": "Annulled."}
    first = credit_client.post("/v1/objections", json=body, headers=h)
    again = credit_client.post("/v1/objections", json=body, headers=h)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"


def test_statements_are_the_enterprises_and_shown_with_the_record(
    credit_client: TestClient,
    credit_app: FastAPI,
    credit_headers: CreditHeaders,
    seed_record: SeedRecord,
) -> None:
    record_id = seed_record()
    other_record = seed_record(OTHER)
    portal = credit_headers(kind="portal", org=ME, client_id="cli_portal", actor="cli_portal")
    added = credit_client.post(
        f"/v1/records/{record_id}/statements",
        json={"text": "Caused by the bureau's system migration; paid within a week."},
        headers=portal,
    )
    assert added.status_code == 201, added.text
    statement = added.json()
    assert statement["record_id"] == record_id and statement["uscc"] == ME
    assert statement["actor"] == "cli_portal"
    assert added.headers["Location"] == f"/v1/records/{record_id}/statements"
    for h in (_me(credit_headers), _dept(credit_headers), credit_headers(kind="admin", org=None)):
        listed = credit_client.get(f"/v1/records/{record_id}/statements", headers=h)
        assert listed.status_code == 200, listed.text
        assert [s["id"] for s in listed.json()["items"]] == [statement["id"]]
    # Not about the caller: 404; not an enterprise: 403; others' statements are not shown.
    foreign = credit_client.post(
        f"/v1/records/{other_record}/statements", json={"text": "x"}, headers=_me(credit_headers)
    )
    assert foreign.status_code == 404 and foreign.json()["code"] == "objection_record_not_found"
    dept = credit_client.post(
        f"/v1/records/{record_id}/statements",
        json={"text": "x"},
        headers=credit_headers(kind="department", scopes=("credit:consent",)),
    )
    assert dept.status_code == 403 and dept.json()["code"] == "forbidden_client_kind"
    court = credit_client.get(
        f"/v1/records/{record_id}/statements", headers=_dept(credit_headers, "court")
    )
    assert court.status_code == 404 and court.json()["code"] == "objection_record_not_found"
    # What the reports domain reads.
    database: Database = credit_app.state.database
    with database.session(write=False) as session:
        shown = objections_service.statements_of(
            session=session, record_ids=[record_id, other_record]
        )
    assert list(shown) == [record_id]
    assert shown[record_id][0].text.startswith("Caused by")
    events = _events(credit_client, credit_headers, "statement.added")
    assert events[0]["payload"]["record_id"] == record_id


def test_the_bank_that_filed_a_loan_record_answers_objections_to_it(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    clock: Clock,
) -> None:
    seed_enterprise(ME)
    jsb = credit_headers(kind="bank", org="JSB", client_id="cli_jsb")
    filed = credit_client.post(
        "/v1/records",
        json={"records": [{
            "type": "loan", "uscc": ME, "reference": "JSB-L-1", "occurred_on": "2026-01-05",
            "title": "流动资金贷款", "loan_status": "overdue",
        }]},
        headers={**jsb, "Idempotency-Key": "jsb-l-1"},
    )  # fmt: skip
    assert filed.status_code == 201, filed.text
    record_id = filed.json()["items"][0]["record"]["id"]
    opened = _object(credit_client, _me(credit_headers), record_id)
    assert (opened["source"], opened["status"]) == ("JSB", "open")

    # The bank sees it; another bank and a department of the same name do not, nor answer it.
    listed = credit_client.get("/v1/objections", headers=jsb).json()["items"]
    assert [i["id"] for i in listed] == [opened["id"]]
    answer = {
        "outcome": "corrected",
        "answer": "The instalment was paid on time; our system erred.",
        "corrections": {"loan_status": "on_time"},
    }
    other_bank = credit_client.post(
        f"/v1/objections/{opened['id']}/resolution",
        json=answer,
        headers=credit_headers(kind="bank", org="ICBC"),
    )
    assert other_bank.status_code == 404 and other_bank.json()["code"] == "objection_not_found"
    same_name = credit_client.post(
        f"/v1/objections/{opened['id']}/resolution",
        json=answer,
        headers=_dept(credit_headers, "JSB"),
    )
    assert same_name.status_code == 403 and same_name.json()["code"] == "not_the_record_source"

    resolved = _resolve(credit_client, jsb, opened["id"], **answer)
    assert (resolved["status"], resolved["outcome"]) == ("resolved", "corrected")
    assert resolved["corrections"] == {"loan_status": "on_time"}
    assert resolved["resolved_by"] == "cli_jsb" and resolved["record_version"] == 2
    record = _record(credit_client, credit_headers, record_id)
    assert (record["loan_status"], record["disputed"], record["version"]) == ("on_time", False, 2)


def test_an_objection_freezes_the_records_weight_and_its_withdrawal_re_rates(
    credit_client: TestClient,
    credit_app: FastAPI,
    credit_headers: CreditHeaders,
    seed_record: SeedRecord,
    clock: Clock,
) -> None:
    """Opened → disputed in the report path → withdrawn by its source → re-rated via events."""
    database: Database = credit_app.state.database
    admin = credit_headers(kind="admin", org=None)

    def rate_changes() -> None:  # the ratings' consumer of the credit outbox, as its job runs it
        for _ in range(10):
            with database.transaction() as session:
                if rating_run.apply_rating_events(session) == 0:
                    return
        raise AssertionError("the ratings consumer never caught up")

    def score() -> int:
        answer = credit_client.get(f"/v1/enterprises/{ME}/rating", headers=_dept(credit_headers))
        assert answer.status_code == 200, answer.text
        value: int = answer.json()["score"]
        return value

    record_id = seed_record()
    run = credit_client.post(
        "/v1/ratings/runs", json={}, headers={**admin, "Idempotency-Key": "o1"}
    )
    assert run.status_code == 202, run.text
    rate_changes()
    before = score()

    opened = _object(credit_client, _me(credit_headers), record_id)
    rate_changes()
    assert score() == before  # disputed: its weight is frozen, not dropped

    _resolve(
        credit_client,
        _dept(credit_headers),
        opened["id"],
        outcome="withdrawn",
        answer="The penalty was annulled; the record is withdrawn.",
    )
    rate_changes()
    # The published v1 scorecard: -60 for each counting negative record; withdrawn, it no longer counts.
    assert score() == before + 60
    changed = [
        event["payload"]
        for event in _events(credit_client, credit_headers, "rating.changed")
        if event["payload"]["uscc"] == ME
    ]
    assert changed[-1]["previous"]["score"] == before
    assert changed[-1]["current"]["score"] == before + 60
