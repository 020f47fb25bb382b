"""The service process runs the objection clock and the 诚信企业 revocation consumer itself."""

import threading
import uuid
from collections.abc import Callable
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from services.common.clock import utcnow
from services.common.dates import shanghai_date
from services.common.db import Database
from services.common.jobs import PeriodicJob
from services.common.models import ConsumerCursor
from services.credit.app import create_app
from services.credit.certification.service import CONSUMER
from services.credit.objections.models import CreditObjection
from services.credit.settings import CreditSettings
from tests.credit.conftest import DEFAULT_ORGS, CreditHeaders, SeedEnterprise

USCC = DEFAULT_ORGS["enterprise"]


def wait_for(condition: Callable[[], bool], timeout: float = 20) -> bool:
    """Wait until `condition` holds (checked as the jobs commit), at most `timeout` seconds."""
    stop = threading.Event()
    for _ in range(int(timeout / 0.05)):
        if condition():
            return True
        stop.wait(0.05)
    return condition()


def file_record(client: TestClient, headers: CreditHeaders, type_: str, reference: str) -> str:
    filed = client.post(
        "/v1/records",
        json={"records": [{
            "type": type_, "uscc": USCC, "reference": reference, "occurred_on": "2026-01-05",
            "title": type_, "evidence_url": f"https://court.example.cn/{reference}",
        }]},
        headers={**headers(kind="department", org="court"), "Idempotency-Key": uuid.uuid4().hex},
    )  # fmt: skip
    assert filed.status_code == 201, filed.text
    record_id: str = filed.json()["items"][0]["record"]["id"]
    return record_id


def test_the_app_runs_the_objection_clock_and_the_revocation_consumer_when_enabled(
    credit_settings: CreditSettings,
    credit_app: FastAPI,
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
) -> None:
    seed_enterprise(USCC)
    disputed = file_record(credit_client, credit_headers, "administrative_penalty", "pen-1")
    opened = credit_client.post(
        "/v1/objections",
        json={"record_id": disputed, "reason": "Paid in full.", "evidence_urls": []},
        headers=credit_headers(kind="enterprise"),
    )
    assert opened.status_code == 201, opened.text
    objection_id = opened.json()["id"]
    file_record(credit_client, credit_headers, "serious_dishonesty", "court-1")
    database: Database = credit_app.state.database
    with database.transaction() as session:  # its 20 days ran out yesterday
        session.execute(
            update(CreditObjection)
            .where(CreditObjection.id == objection_id)  # type: ignore[arg-type]
            .values(deadline=shanghai_date(utcnow()) - timedelta(days=1))
        )
    # Off in tests by default: the fixture app runs neither.
    assert not hasattr(credit_app.state, "upkeep_jobs")

    app = create_app(credit_settings.model_copy(update={"upkeep_jobs": True}))
    with TestClient(app, raise_server_exceptions=False) as client:
        jobs = app.state.upkeep_jobs
        assert [(type(j), j.name) for j in jobs] == [
            (PeriodicJob, "credit.objections.overdue"),
            (PeriodicJob, "credit.certification.revocations"),
        ]

        def marked() -> bool:
            with database.session() as session:
                row = session.get(CreditObjection, objection_id)
                cursor = session.get(ConsumerCursor, CONSUMER)
                return (
                    row is not None
                    and row.overdue_marked_at is not None
                    and cursor is not None
                    and cursor.position > 0
                )

        assert wait_for(marked)
        answer = client.get(
            f"/v1/objections/{objection_id}", headers=credit_headers(kind="enterprise")
        )
        assert answer.json()["overdue"] is True and answer.json()["overdue_marked_at"]
        events = client.get(
            "/v1/events", params={"limit": 1000}, headers=credit_headers(kind="service", org=None)
        ).json()["items"]
        overdue = [e["payload"] for e in events if e["type"] == "objection.overdue"]
        assert [(p["objection_id"], p["days_late"]) for p in overdue] == [(objection_id, 1)]
