"""Watching PostgreSQL lock waits: how a race test knows its second writer is blocked."""

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import text
from sqlmodel import Session

from services.common.db import Database

T = TypeVar("T")


def waiting_on_a_lock(database: Database, *, table: str | None = None) -> bool:
    """Whether another session of `database` waits on a lock (in a query naming `table`)."""
    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
    )
    params: dict[str, str] = {}
    if table is not None:
        query += " AND strpos(query, :table) > 0"
        params["table"] = table
    with database.session() as watcher:
        return bool(watcher.execute(text(query), params).scalar_one())


def wait_for_lock_waiter(
    running: Future[Any],
    database: Database,
    *,
    table: str | None = None,
    what: str = "the second writer",
    timeout: float = 30.0,
) -> None:
    """Return once `running` has finished or a session waits on a lock (see above); fail if
    neither happens within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not running.done() and not waiting_on_a_lock(database, table=table):
        assert time.monotonic() < deadline, f"{what} neither ran nor waited"
        time.sleep(0.01)


def waits_then_answers(
    holder: Session,
    call: Callable[[], T],
    database: Database,
    *,
    table: str,
    what: str = "the second writer",
) -> T:
    """Run `call` in a thread while `holder`'s transaction is open; fail unless it is seen
    waiting on a lock, then commit `holder` and return what `call` answered."""
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(call)
        wait_for_lock_waiter(running, database, table=table, what=what)
        assert not running.done(), f"{what} did not wait for the first"
        holder.commit()
        return running.result(timeout=30)


def answers_while_held(
    call: Callable[[], T], *, what: str = "the reader", timeout: float = 30.0
) -> T:
    """Run `call` in a thread while the caller holds a write uncommitted; fail unless it answers
    without waiting for that transaction (a plain read takes no row lock). On failure the
    thread is left to finish once the caller ends its transaction."""
    pool = ThreadPoolExecutor(1)
    running = pool.submit(call)
    try:
        return running.result(timeout=timeout)
    except TimeoutError:
        raise AssertionError(f"{what} waited on an uncommitted writer") from None
    finally:
        pool.shutdown(wait=False)
