"""Periodic jobs claim due rows so that any number of replicas work each row exactly once.

The kernel test app's widgets stand in for a job table: a widget named `due…` is due; a round
renames it `done` and records its application under a unique key (a second application of the
same row would fail its round). Every call of the work is counted, committed or not.
"""

import asyncio
import threading
import time
from collections import Counter
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text
from sqlmodel import Session, col
from sqlmodel import select as select_model

from services.common.db import Database
from services.common.jobs import PeriodicJob, claim_due
from tests.common.kernel_app.app import MIGRATIONS, AppliedWidget, KernelSettings, Widget
from tests.servers import serve
from tests.support import migrated_settings

DUE = select_model(Widget).where(col(Widget.name).startswith("due")).order_by(col(Widget.id))


class Work:
    """A job's step: claims up to `limit` due widgets, marks each done, records it once."""

    def __init__(self, limit: int = 4) -> None:
        self.limit = limit
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, session: Session) -> int:
        rows = claim_due(session, DUE, limit=self.limit)
        for widget in rows:
            with self._lock:
                self.calls[widget.id] += 1
            widget.name = "done"
            session.add(widget)
            session.add(AppliedWidget(event_id=widget.id, widget_id=widget.id))
        return len(rows)


def _database(new_database_target: Any, jwks_json: str) -> tuple[KernelSettings, Database]:
    settings = migrated_settings(
        KernelSettings, target=new_database_target(), jwks_json=jwks_json, migrations=MIGRATIONS
    )
    return settings, Database(settings.resolved_database_url, schema=settings.resolved_schema)


def _add_due(database: Database, count: int) -> list[str]:
    ids = [f"wid_{i:04d}" for i in range(count)]
    with database.transaction() as session:
        for widget_id in ids:
            session.add(Widget(id=widget_id, name="due"))
    return ids


def _applied(database: Database) -> list[str]:
    with database.session(write=False) as session:
        return sorted(session.execute(select(AppliedWidget.event_id)).scalars())


def test_two_runners_work_each_due_row_exactly_once(
    new_database_target: Any, jwks_json: str
) -> None:
    _settings, database = _database(new_database_target, jwks_json)
    ids = _add_due(database, 80)
    work = Work(limit=3)
    runners = [PeriodicJob(name="kernel.widgets", database=database, step=work) for _ in range(2)]
    failures: list[BaseException] = []
    start = threading.Barrier(len(runners))

    def drive(runner: PeriodicJob) -> None:
        start.wait()
        try:
            while runner.run_once() > 0:
                pass
        except BaseException as exc:  # a row worked twice would fail its round here
            failures.append(exc)

    threads = [threading.Thread(target=drive, args=(runner,)) for runner in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert _applied(database) == ids
    assert set(work.calls.values()) == {1} and len(work.calls) == len(ids)
    # Nothing is due any more: a further round finds no work.
    assert runners[0].run_once() == 0
    database.dispose()


def test_a_row_another_replica_holds_is_passed_over_not_waited_for(
    new_database_target: Any, jwks_json: str, postgres_database: str | None
) -> None:
    if postgres_database is None:
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises writers with BEGIN IMMEDIATE")
    _settings, database = _database(new_database_target, jwks_json)
    ids = _add_due(database, 3)
    work = Work(limit=10)
    runner = PeriodicJob(name="kernel.widgets", database=database, step=work)
    with database.session() as holder:
        holder.execute(text("SELECT id FROM widgets WHERE id = :id FOR UPDATE"), {"id": ids[0]})
        assert runner.run_once() == 2  # the other two, at once
        assert _applied(database) == ids[1:]
        holder.rollback()
    assert runner.run_once() == 1  # released and still due: the next round takes it
    assert _applied(database) == ids
    assert set(work.calls.values()) == {1}
    database.dispose()


def test_a_failing_round_rolls_back_and_its_rows_stay_due(
    new_database_target: Any, jwks_json: str
) -> None:
    _settings, database = _database(new_database_target, jwks_json)
    ids = _add_due(database, 2)
    work = Work()

    def fails_after_working(session: Session) -> int:
        work(session)
        raise RuntimeError("the work failed half-way")

    with pytest.raises(RuntimeError):
        PeriodicJob(name="kernel.widgets", database=database, step=fails_after_working).run_once()
    assert _applied(database) == []
    with database.session(write=False) as session:
        names = session.execute(select(Widget.name)).scalars().all()
        assert sorted(names) == ["due", "due"]
    assert PeriodicJob(name="kernel.widgets", database=database, step=Work()).run_once() == 2
    assert _applied(database) == ids
    with pytest.raises(ValueError, match="limit"), database.transaction() as session:
        claim_due(session, DUE, limit=0)
    database.dispose()


def test_a_limit_of_one_claims_exactly_the_first_due_row(
    new_database_target: Any, jwks_json: str
) -> None:
    _, database = _database(new_database_target, jwks_json)
    ids = _add_due(database, 3)
    with database.transaction() as session:
        assert [widget.id for widget in claim_due(session, DUE, limit=1)] == ids[:1]
    database.dispose()


def test_periodic_jobs_start_and_stop_with_the_app(
    new_database_target: Any,
    jwks_json: str,
) -> None:
    from tests.common.kernel_app.app import create_app

    settings, database = _database(new_database_target, jwks_json)
    made: list[PeriodicJob] = []
    broken = [True]
    work = Work(limit=2)

    def step(session: Session) -> int:
        if broken:
            broken.clear()
            raise RuntimeError("first round fails")
        return work(session)

    def workers(app: FastAPI) -> list[PeriodicJob]:
        made.append(
            PeriodicJob(
                name="kernel.widgets",
                database=app.state.database,
                step=step,
                interval=0.02,
                max_backoff=0.05,
            )
        )
        return made

    ids = _add_due(database, 5)
    with serve(create_app(settings, workers=workers)):
        assert len(made) == 1
        deadline = time.monotonic() + 10
        while _applied(database) != ids and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _applied(database) == ids  # a failed round, retried, then every row once
    assert made[0].failures == 0
    assert broken == []  # the failing round ran, and the job went on after it
    # Stopped with the app: a row due now stays due.
    with database.transaction() as session:
        session.add(Widget(id="wid_late", name="due"))
    time.sleep(0.1)  # several intervals: a running job would have taken it
    with database.session(write=False) as session:
        assert (
            session.execute(
                select(func.count()).select_from(Widget).where(col(Widget.name) == "due")
            ).scalar_one()
            == 1
        )
    assert set(work.calls.values()) == {1}
    asyncio.run(made[0].aclose())
    database.dispose()
