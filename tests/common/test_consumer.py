"""A feed consumer survives its producer going down and applies every event exactly once."""

import asyncio
import time

from fastapi import FastAPI
from sqlalchemy import func, select, text
from sqlmodel import Session

from services.common.consumer import FeedConsumer, FeedEvent
from services.common.db import Database
from services.common.outbox import emit
from tests.common.kernel_app.app import MIGRATIONS, AppliedWidget, KernelSettings
from tests.servers import free_port, serve
from tests.support import migrated_settings


def write_events(producer: FastAPI, start: int, count: int) -> None:
    with producer.state.database.session() as session:
        for i in range(start, start + count):
            emit(session, "widget.created", {"id": f"w{i}"})
        session.commit()


def apply_widget(session: Session, event: FeedEvent) -> None:
    session.add(AppliedWidget(event_id=event.id, widget_id=event.payload["id"]))


def applied(database: Database) -> list[str]:
    with database.session() as session:
        return list(session.execute(select(AppliedWidget.widget_id)).scalars())


def test_consumer_catches_up_after_producer_outage(
    kernel_app: FastAPI, new_database_target, jwks_json: str, auth_headers
) -> None:
    consumer_settings = migrated_settings(
        KernelSettings, target=new_database_target(), jwks_json=jwks_json, migrations=MIGRATIONS
    )
    consumer_db = Database(
        consumer_settings.resolved_database_url, schema=consumer_settings.resolved_schema
    )
    headers = auth_headers("kernel", kind="service", scopes=["events:read"])
    port = free_port()
    consumer = FeedConsumer(
        name="kernel.widgets",
        feed_url=f"http://127.0.0.1:{port}/v1/events",
        database=consumer_db,
        handlers={"widget.created": apply_widget},
        headers=lambda: headers,
        interval=0.05,
        batch_size=7,
        max_backoff=0.2,
    )

    async def scenario() -> None:
        stop = asyncio.Event()
        write_events(kernel_app, 0, 20)
        with serve(kernel_app, port):
            task = asyncio.create_task(consumer.run(stop))
            for _ in range(200):
                if len(applied(consumer_db)) == 20:
                    break
                await asyncio.sleep(0.02)
            assert len(applied(consumer_db)) == 20
        # Producer down: events keep being written to its outbox, the consumer backs off.
        write_events(kernel_app, 20, 25)
        for _ in range(100):
            if consumer.failures >= 2:
                break
            await asyncio.sleep(0.02)
        assert consumer.failures >= 2
        assert len(applied(consumer_db)) == 20
        with serve(kernel_app, port):
            for _ in range(300):
                if len(applied(consumer_db)) == 45:
                    break
                await asyncio.sleep(0.02)
            stop.set()
            await task
            # A redelivery from the start (a lost cursor) changes nothing.
            with consumer_db.session() as session:
                session.execute(text("UPDATE consumer_cursors SET position = 0"))
                session.commit()
            assert await consumer.catch_up() == 0
        await consumer.aclose()

    asyncio.run(scenario())
    widgets = applied(consumer_db)
    assert sorted(widgets) == sorted(f"w{i}" for i in range(45))
    assert len(widgets) == len(set(widgets))
    assert consumer.position() > 0
    with consumer_db.session() as session:
        assert session.execute(select(func.count()).select_from(AppliedWidget)).scalar_one() == 45
    consumer_db.dispose()


def _consumer_database(new_database_target, jwks_json: str) -> tuple[KernelSettings, Database]:  # type: ignore[no-untyped-def]
    settings = migrated_settings(
        KernelSettings, target=new_database_target(), jwks_json=jwks_json, migrations=MIGRATIONS
    )
    return settings, Database(settings.resolved_database_url, schema=settings.resolved_schema)


def _position(database: Database, name: str) -> int:
    with database.session() as session:
        found = session.execute(
            text("SELECT position FROM consumer_cursors WHERE consumer = :name"), {"name": name}
        ).scalar_one_or_none()
        return int(found or 0)


def test_a_handler_that_raises_applies_nothing_of_its_page_and_is_retried(
    kernel_app: FastAPI,
    new_database_target,  # type: ignore[no-untyped-def]
    jwks_json: str,
    auth_headers,  # type: ignore[no-untyped-def]
    caplog,  # type: ignore[no-untyped-def]
) -> None:
    _settings, consumer_db = _consumer_database(new_database_target, jwks_json)
    headers = auth_headers("kernel", kind="service", scopes=["events:read"])
    broken = {"w3"}  # the handler fails on this event until it is fixed

    def fragile(session: Session, event: FeedEvent) -> None:
        if event.payload["id"] in broken:
            raise RuntimeError(f"cannot apply {event.payload['id']}")
        apply_widget(session, event)

    port = free_port()
    consumer = FeedConsumer(
        name="kernel.fragile",
        feed_url=f"http://127.0.0.1:{port}/v1/events",
        database=consumer_db,
        handlers={"widget.created": fragile},
        headers=lambda: headers,
        interval=0.02,
        batch_size=3,
        max_backoff=0.05,
    )
    write_events(kernel_app, 0, 8)

    async def scenario() -> None:
        stop = asyncio.Event()
        with serve(kernel_app, port):
            task = asyncio.create_task(consumer.run(stop))
            deadline = asyncio.get_running_loop().time() + 10
            while consumer.failures < 3 and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.01)
            # The first page (w0–w2) is applied; the page holding w3 is not, even its w4 and
            # w5, and the cursor stays before it: the failure is retried, never skipped.
            assert consumer.failures >= 3
            assert sorted(applied(consumer_db)) == ["w0", "w1", "w2"]
            first_page_end = _position(consumer_db, "kernel.fragile")
            assert first_page_end > 0
            broken.clear()
            while len(applied(consumer_db)) < 8 and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.01)
            stop.set()
            await task
        await consumer.aclose()

    caplog.set_level("ERROR", logger="services.common.consumer")
    asyncio.run(scenario())
    assert sorted(applied(consumer_db)) == [f"w{i}" for i in range(8)]
    assert consumer.failures == 0  # reset once the page went through
    assert any("applying events failed" in r.getMessage() for r in caplog.records)
    assert any("cannot apply w3" in (r.exc_text or "") for r in caplog.records)
    consumer_db.dispose()


def test_consumers_start_and_stop_with_the_app(
    kernel_app: FastAPI,
    new_database_target,  # type: ignore[no-untyped-def]
    jwks_json: str,
    auth_headers,  # type: ignore[no-untyped-def]
) -> None:
    from tests.common.kernel_app.app import create_app

    settings, consumer_db = _consumer_database(new_database_target, jwks_json)
    headers = auth_headers("kernel", kind="service", scopes=["events:read"])
    producer_port = free_port()
    made: list[FeedConsumer] = []

    def consumers(app: FastAPI) -> list[FeedConsumer]:
        consumer = FeedConsumer(
            name="kernel.started",
            feed_url=f"http://127.0.0.1:{producer_port}/v1/events",
            database=app.state.database,
            handlers={"widget.created": apply_widget},
            headers=lambda: headers,
            interval=0.02,
        )
        made.append(consumer)
        return [consumer]

    consumer_app = create_app(settings, consumers=consumers)
    write_events(kernel_app, 0, 5)
    with serve(kernel_app, producer_port):
        assert made == []  # built at start-up, not before
        with serve(consumer_app):
            assert len(made) == 1
            deadline = time.monotonic() + 10
            while len(applied(consumer_db)) < 5 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert sorted(applied(consumer_db)) == [f"w{i}" for i in range(5)]
        # Stopped with the app: its HTTP client is closed and nothing more is applied.
        assert made[0]._client.is_closed
        write_events(kernel_app, 5, 2)
        time.sleep(0.2)  # several of its polling intervals: a running consumer would apply them
        assert len(applied(consumer_db)) == 5
    consumer_db.dispose()
