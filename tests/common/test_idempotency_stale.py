"""A request that dies leaves its key free at once; a claim committed in progress (as an older
version, which committed claims before the work, left one) is reclaimed once stale, not before."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, update
from sqlmodel import Session

from services.common.clock import utcnow
from services.common.idempotency import STALE_AFTER, _claim
from services.common.models import IdempotencyRecord
from tests.common.kernel_app.app import Widget
from tests.locks import wait_for_lock_waiter


def _as_if_it_died_mid_request(
    app: FastAPI, *, age: timedelta, now: datetime | None = None
) -> None:
    """Turn the finished request into one whose claim an older version committed before its
    process died: the claim stays in progress (from `age` ago), its work is gone."""
    with app.state.database.session() as session:
        session.execute(
            update(IdempotencyRecord).values(
                state="in_progress",
                status_code=None,
                response_body=None,
                response_headers=None,
                created_at=(now or utcnow()) - age,
            )
        )
        session.execute(delete(Widget))
        session.commit()


def _store_as_done(session: Session, answer: tuple[Any, ...]) -> None:
    """The original request finishing: its answer stored and its claim marked done (uncommitted)."""
    session.execute(
        update(IdempotencyRecord).values(
            state="done", status_code=answer[0], response_body=answer[1], response_headers=answer[2]
        )
    )


def test_a_request_that_dies_after_its_claim_leaves_the_key_free(
    kernel_app: FastAPI, client: TestClient, writer: dict[str, str]
) -> None:
    """The claim is a row of the request's transaction: a process killed mid-request (its
    transaction rolled back with its connection) leaves nothing behind, so the retry does the
    work at once rather than answering `idempotency_in_progress` until the claim is stale."""
    dying = kernel_app.state.database.session()
    _claim(dying, "cli_test_admin", "died-now", "0" * 64)
    dying.close()  # the connection goes back rolled back, as when the process dies
    retried = client.post(
        "/v1/widgets", json={"name": "a"}, headers={**writer, "Idempotency-Key": "died-now"}
    )
    assert retried.status_code == 201, retried.text
    assert "idempotent-replayed" not in retried.headers
    assert [w["name"] for w in client.get("/v1/widgets", headers=writer).json()["items"]] == ["a"]


def test_a_stale_in_progress_key_is_reclaimed_and_the_work_done_once(
    kernel_app: FastAPI, client: TestClient, writer: dict[str, str]
) -> None:
    headers = {**writer, "Idempotency-Key": "died-1"}
    first = client.post("/v1/widgets", json={"name": "a"}, headers=headers)
    assert first.status_code == 201, first.text

    # Still fresh: another request with the key must wait, whatever the body's fate.
    _as_if_it_died_mid_request(kernel_app, age=STALE_AFTER - timedelta(seconds=30))
    waiting = client.post("/v1/widgets", json={"name": "a"}, headers=headers)
    assert waiting.status_code == 409 and waiting.json()["code"] == "idempotency_in_progress"
    assert waiting.headers["retry-after"] == "1"
    assert client.get("/v1/widgets", headers=writer).json()["items"] == []

    # Stale: the retry takes the claim over and does the work, once.
    _as_if_it_died_mid_request(kernel_app, age=STALE_AFTER + timedelta(seconds=30))
    retried = client.post("/v1/widgets", json={"name": "a"}, headers=headers)
    assert retried.status_code == 201, retried.text
    assert "idempotent-replayed" not in retried.headers
    listed = client.get("/v1/widgets", headers=writer).json()["items"]
    assert [(w["id"], w["name"]) for w in listed] == [(retried.json()["id"], "a")]
    replay = client.post("/v1/widgets", json={"name": "a"}, headers=headers)
    assert replay.status_code == 201 and replay.json() == retried.json()
    assert replay.headers["idempotent-replayed"] == "true"

    # A stale claim is still bound to its request: another body is refused, not reclaimed.
    _as_if_it_died_mid_request(kernel_app, age=STALE_AFTER + timedelta(seconds=30))
    other = client.post("/v1/widgets", json={"name": "b"}, headers=headers)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"


def test_a_claim_is_stale_only_once_it_is_more_than_five_minutes_old(
    kernel_app: FastAPI, client: TestClient, writer: dict[str, str], monkeypatch
) -> None:
    """The documented five minutes (written here, not read from the module), to the microsecond:
    a claim exactly five minutes old is still in progress, one a microsecond older is stale."""
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    monkeypatch.setattr("services.common.idempotency.utcnow", lambda: now)
    headers = {**writer, "Idempotency-Key": "edge"}
    assert client.post("/v1/widgets", json={"name": "a"}, headers=headers).status_code == 201

    for age in (timedelta(minutes=4, seconds=59), timedelta(minutes=5)):
        _as_if_it_died_mid_request(kernel_app, age=age, now=now)
        waiting = client.post("/v1/widgets", json={"name": "a"}, headers=headers)
        assert waiting.status_code == 409 and waiting.json()["code"] == "idempotency_in_progress"

    _as_if_it_died_mid_request(kernel_app, age=timedelta(minutes=5, microseconds=1), now=now)
    retried = client.post("/v1/widgets", json={"name": "a"}, headers=headers)
    assert retried.status_code == 201, retried.text
    assert "idempotent-replayed" not in retried.headers


def test_a_stale_claim_finished_while_it_is_being_reclaimed_is_replayed_not_redone(
    kernel_app: FastAPI,
    client: TestClient,
    writer: dict[str, str],
    monkeypatch,
    postgres_database: str | None,
) -> None:
    """The original request commits its answer between the reclaimer's read of the claim and its
    UPDATE (the clock read in between is where this test lands that commit): the UPDATE must
    take only a claim still in progress, so the reclaimer waits (409) and its retry replays."""
    if postgres_database is None:
        pytest.skip("SQLite's BEGIN IMMEDIATE lets no other writer commit inside the claim")
    headers = {**writer, "Idempotency-Key": "race"}
    first = client.post("/v1/widgets", json={"name": "a"}, headers=headers)
    assert first.status_code == 201, first.text
    with kernel_app.state.database.session() as session:
        stored = session.get(IdempotencyRecord, ("cli_test_admin", "race"))
        assert stored is not None
        answer = (stored.status_code, stored.response_body, stored.response_headers)
    _as_if_it_died_mid_request(kernel_app, age=timedelta(minutes=10))

    calls = 0

    def finish_the_original_then_tell_the_time() -> datetime:
        # The claim's first clock read dates its own insert (which finds the key taken); the
        # second is the stale cutoff, read after the claim was read as in progress: finish the
        # original there, between the read and the UPDATE.
        nonlocal calls
        calls += 1
        if calls != 2:
            return utcnow()
        with kernel_app.state.database.session() as other:
            _store_as_done(other, answer)
            other.commit()
        return utcnow()

    monkeypatch.setattr(
        "services.common.idempotency.utcnow", finish_the_original_then_tell_the_time
    )
    waiting = client.post("/v1/widgets", json={"name": "a"}, headers=headers)
    assert waiting.status_code == 409 and waiting.json()["code"] == "idempotency_in_progress"
    monkeypatch.undo()
    replay = client.post("/v1/widgets", json={"name": "a"}, headers=headers)
    assert replay.status_code == 201
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == first.json()


def test_a_reclaimed_claim_is_held_so_a_second_reclaimer_waits_and_replays(
    kernel_app: FastAPI, client: TestClient, writer: dict[str, str], postgres_database: str | None
) -> None:
    """Two retries of a request that died with its claim committed: the first takes the stale
    claim over and holds it in its transaction, like a new claim, while it works. The second
    must wait for it (PostgreSQL: on the key's index), then replay its answer; had the first
    let its takeover go, the claim would still look stale and the second would redo the work.
    The first reclaimer is held mid-request here: its transaction stays open until the second
    is seen waiting on a lock."""
    if postgres_database is None:
        pytest.skip("SQLite's BEGIN IMMEDIATE queues the second reclaimer on its busy timeout")
    headers = {**writer, "Idempotency-Key": "two-reclaimers"}
    first = client.post("/v1/widgets", json={"name": "a"}, headers=headers)
    assert first.status_code == 201, first.text
    database = kernel_app.state.database
    with database.session() as session:
        stored = session.get(IdempotencyRecord, ("cli_test_admin", "two-reclaimers"))
        assert stored is not None
        request_hash = stored.request_hash
        answer = (stored.status_code, stored.response_body, stored.response_headers)
    _as_if_it_died_mid_request(kernel_app, age=timedelta(minutes=10))

    def second_reclaimer() -> httpx.Response:
        return client.post("/v1/widgets", json={"name": "a"}, headers=headers)

    holder = database.session()
    try:
        _claim(holder, "cli_test_admin", "two-reclaimers", request_hash)  # the first reclaimer
        with ThreadPoolExecutor(1) as pool:
            second = pool.submit(second_reclaimer)
            wait_for_lock_waiter(
                second, database, table="idempotency_records", what="the second reclaimer"
            )
            assert not second.done(), "the second reclaimer did not wait for the first"
            # The first finishes its work: its answer is stored and committed with its claim.
            _store_as_done(holder, answer)
            holder.commit()
            replay = second.result(timeout=30)
    finally:
        holder.close()
    assert replay.status_code == 201, replay.text
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == first.json()
    assert client.get("/v1/widgets", headers=writer).json()["items"] == []  # not redone
