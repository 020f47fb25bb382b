"""Set-up and reading shared by the ratings tests: a held clock, a run, a rating as served."""

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.credit.ratings import run as rating_run
from services.credit.ratings import service as rating_service
from tests.credit.conftest import CreditHeaders

ME = "91140100MA0K000017"


class Clock:
    """The moment the ratings code sees as now."""

    def __init__(self) -> None:
        self.now = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)


def hold_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """A clock the ratings code reads instead of the real one (`clock.now` moves it)."""
    held = Clock()
    monkeypatch.setattr(rating_service, "utcnow", lambda: held.now)
    monkeypatch.setattr(rating_run, "utcnow", lambda: held.now)
    return held


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
