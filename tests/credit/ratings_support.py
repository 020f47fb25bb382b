"""What the ratings tests share: a run started and read, a rating as a department reads it,
one round of each background step, the events of a type in the outbox."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import col

from services.common.db import Database
from services.common.models import OutboxEvent
from services.credit.ratings import run as rating_run
from tests.credit.conftest import CreditHeaders

ME = "91140100MA0K000017"


def start_run(
    client: TestClient, headers: CreditHeaders, key: str, usccs: list[str] | None = None
) -> dict[str, Any]:
    """Start a rating run and read it once it has finished."""
    answer = client.post(
        "/v1/ratings/runs",
        json={"usccs": usccs} if usccs is not None else {},
        headers={**headers(kind="admin", org=None), "Idempotency-Key": key},
    )
    assert answer.status_code == 202, answer.text
    # The run works after the response (TestClient runs background tasks before returning).
    done = client.get(answer.headers["Location"], headers=headers(kind="admin", org=None))
    assert done.status_code == 200, done.text
    body: dict[str, Any] = done.json()
    return body


def rating_of(
    client: TestClient, headers: CreditHeaders, uscc: str = ME, **params: str
) -> dict[str, Any]:
    """The enterprise's rating as a department reads it."""
    answer = client.get(
        f"/v1/enterprises/{uscc}/rating", params=params, headers=headers(kind="department")
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def daily(database: Database) -> int:
    """One round of the daily job, as its PeriodicJob runs it."""
    with database.transaction() as session:
        return rating_run.rate_date_changes(session)


def events_round(database: Database) -> int:
    """One round of the ratings' consumer of the credit outbox (the events it read)."""
    with database.transaction() as session:
        return rating_run.apply_rating_events(session)


def outbox_count(database: Database, type_: str) -> int:
    """How many events of `type_` the credit outbox holds."""
    with database.session() as session:
        counted = session.execute(
            select(func.count()).select_from(OutboxEvent).where(col(OutboxEvent.type) == type_)
        ).scalar_one()
    return int(counted)
