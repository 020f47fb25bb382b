"""Watching PostgreSQL lock waits: how a race test knows its second writer is blocked."""

import time
from concurrent.futures import Future
from typing import Any

from sqlalchemy import text

from services.common.db import Database


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
