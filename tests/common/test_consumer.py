"""A feed consumer survives its producer going down and applies every event exactly once."""

import asyncio

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
