"""Several replicas of a consuming service over one feed apply every event exactly once.

Two `FeedConsumer` instances (as two processes of the credit service would run) share one
database and read one feed. The handler writes a row under a unique key, so a second
application would fail the batch; it also counts every call, committed or not, so wasted work
(a batch applied, refused and retried) shows too.
"""

import asyncio
import threading
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlmodel import Session

from services.common.consumer import FeedConsumer, FeedEvent
from services.common.db import Database
from tests.common.kernel_app.app import MIGRATIONS, AppliedWidget, KernelSettings
from tests.support import migrated_settings

NAME = "kernel.replicated"


class FakeFeed:
    """A producer's `GET /v1/events`, served by an `httpx.MockTransport`."""

    def __init__(self, count: int) -> None:
        self.events = [
            {
                "seq": seq,
                "id": f"evt_{seq:05d}",
                "type": "widget.created",
                "payload": {"id": f"w{seq}"},
                "occurred_at": "2026-11-30T08:00:00Z",
            }
            for seq in range(1, count + 1)
        ]

    def handle(self, request: httpx.Request) -> httpx.Response:
        after = int(request.url.params["after"])
        limit = int(request.url.params["limit"])
        items = [event for event in self.events if event["seq"] > after][:limit]
        return httpx.Response(
            200, json={"items": items, "next_after": items[-1]["seq"] if items else after}
        )


class Applications:
    """What the handler was asked to do, across both replicas and threads."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, session: Session, event: FeedEvent) -> None:
        with self._lock:
            self.calls[event.id] += 1
        session.add(AppliedWidget(event_id=event.id, widget_id=event.payload["id"]))


def _database(new_database_target: Any, jwks_json: str) -> Database:
    settings = migrated_settings(
        KernelSettings, target=new_database_target(), jwks_json=jwks_json, migrations=MIGRATIONS
    )
    return Database(settings.resolved_database_url, schema=settings.resolved_schema)


def _replica(feed: FakeFeed, database: Database, handler: Applications) -> FeedConsumer:
    return FeedConsumer(
        name=NAME,
        feed_url="http://producer.test/v1/events",
        database=database,
        handlers={"widget.created": handler},
        client=httpx.AsyncClient(transport=httpx.MockTransport(feed.handle)),
        interval=0.001,
        batch_size=3,
        max_backoff=0.01,
    )


def _rows(database: Database) -> list[str]:
    with database.session(write=False) as session:
        return list(session.execute(select(AppliedWidget.event_id)).scalars())


def test_two_replicas_apply_every_event_exactly_once(
    new_database_target: Any, jwks_json: str
) -> None:
    count = 150
    feed = FakeFeed(count)
    database = _database(new_database_target, jwks_json)
    handler = Applications()
    replicas = [_replica(feed, database, handler) for _ in range(2)]
    failures: list[int] = []

    async def drive(replica: FeedConsumer) -> None:
        # Each replica polls on its own until the feed is applied: `catch_up` runs its
        # transactions in worker threads, so the two really overlap.
        rounds = 0
        while replica.position() < count and rounds < 5000:
            try:
                await replica.catch_up()
            except Exception:  # a refused batch (a double application) would land here
                failures.append(1)
            rounds += 1
            await asyncio.sleep(0)

    async def scenario() -> None:
        try:
            await asyncio.gather(*(drive(replica) for replica in replicas))
        finally:
            for replica in replicas:
                await replica.aclose()

    asyncio.run(scenario())
    rows = _rows(database)
    assert sorted(rows) == [f"evt_{seq:05d}" for seq in range(1, count + 1)]
    # Every event handled once in all: no batch was applied twice and refused, none retried.
    assert set(handler.calls.values()) == {1} and len(handler.calls) == count
    assert failures == []
    assert replicas[0].position() == count
    database.dispose()


def test_a_replica_skips_the_round_while_another_holds_the_cursor(
    new_database_target: Any, jwks_json: str, postgres_database: str | None
) -> None:
    if postgres_database is None:
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises writers with BEGIN IMMEDIATE")
    feed = FakeFeed(5)
    database = _database(new_database_target, jwks_json)
    handler = Applications()
    first, second = (_replica(feed, database, handler) for _ in range(2))

    async def scenario() -> None:
        try:
            assert await first.poll_once() == 3  # creates the cursor row, applies w1–w3
            with database.session() as holder:
                # Another replica in the middle of applying: it holds the cursor row and has
                # moved it, uncommitted (a claim that tried to insert it would wait here).
                holder.execute(
                    text("UPDATE consumer_cursors SET position = position WHERE consumer = :n"),
                    {"n": NAME},
                )
                # The second replica neither waits nor applies: it leaves the round.
                assert await asyncio.wait_for(second.poll_once(), timeout=5) == 0
                assert await asyncio.wait_for(second.catch_up(), timeout=5) == 0
                assert len(handler.calls) == 3
                holder.rollback()
            assert await second.catch_up() == 2  # released: it goes on from the cursor
        finally:
            await first.aclose()
            await second.aclose()

    asyncio.run(scenario())
    assert sorted(_rows(database)) == [f"evt_{seq:05d}" for seq in range(1, 6)]
    assert set(handler.calls.values()) == {1}
    database.dispose()


def test_a_stale_page_fetched_before_another_replica_applied_it_is_skipped(
    new_database_target: Any, jwks_json: str
) -> None:
    # The position is re-read under the claim: a page fetched before the other replica moved
    # the cursor is not applied again, even with the processed-events record gone.
    feed = FakeFeed(4)
    database = _database(new_database_target, jwks_json)
    handler = Applications()
    first, second = (_replica(feed, database, handler) for _ in range(2))
    pages = [FeedEvent(**event) for event in feed.events]
    assert first._apply(pages) == 4
    with database.transaction() as session:
        session.execute(text("DELETE FROM processed_events"))
    assert second._apply(pages[:3]) == 0
    assert second._apply(pages) == 0
    with database.session(write=False) as session:
        assert session.execute(select(func.count()).select_from(AppliedWidget)).scalar_one() == 4
    assert set(handler.calls.values()) == {1}

    async def close() -> None:
        await first.aclose()
        await second.aclose()

    asyncio.run(close())
    database.dispose()
