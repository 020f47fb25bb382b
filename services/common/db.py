"""Engines and sessions for SQLite (embedded) and PostgreSQL (production)."""

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine
from starlette.concurrency import run_in_threadpool

from services.common.unitofwork import unit_of_work


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # Take the write lock at BEGIN so a read-then-write transaction cannot deadlock on upgrade.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_deferred(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


def make_engine(
    url: str, *, schema: str | None = None, pool_size: int = 10, sqlite_immediate: bool = True
) -> Engine:
    """An engine with the right settings for its backend; create one per process.

    On SQLite a writing engine begins with BEGIN IMMEDIATE, so read-then-write transactions
    queue on the busy timeout instead of failing to upgrade their lock; reads stay deferred.
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30, "isolation_level": None},
            hide_parameters=True,  # errors and logs never carry the (personal) values
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin if sqlite_immediate else _sqlite_deferred)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    connect_args: dict[str, Any] = {}
    if schema:
        connect_args["options"] = f"-csearch_path={schema}"
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args=connect_args,
        hide_parameters=True,
    )


class Database:
    """One service's engine and session factory."""

    def __init__(self, url: str, *, schema: str | None = None, pool_size: int = 10) -> None:
        self.url = url
        self.schema = schema
        self.engine = make_engine(url, schema=schema, pool_size=pool_size)
        self.read_engine = (
            make_engine(url, schema=schema, pool_size=pool_size, sqlite_immediate=False)
            if self.engine.dialect.name == "sqlite"
            else self.engine
        )

    @property
    def connections(self) -> int:
        """How many connections the writing engine's pool lends at most (its size + overflow)."""
        pool = self.engine.pool
        size = getattr(pool, "size", None)
        overflow = getattr(pool, "_max_overflow", 0)
        return int(size() + max(overflow, 0)) if callable(size) else 1

    @property
    def is_sqlite(self) -> bool:
        """Whether this is the embedded SQLite backend."""
        return self.engine.dialect.name == "sqlite"

    def session(self, *, write: bool = True) -> Session:
        """A new session; the caller commits. Read-only work may pass `write=False`."""
        return Session(self.engine if write else self.read_engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A job's unit of work outside a request: committed once at the end, or rolled back."""
        with self.session() as session:
            yield session
            session.commit()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


def get_database(request: Request) -> Database:
    """The app's database."""
    database: Database = request.app.state.database
    return database


def dialect_insert(session: Session) -> Callable[..., Any]:
    """`insert` of the session's backend, with `on_conflict_do_nothing/update` (upserts)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's session: its route's unit of work commits it; closed when that work ends,
    which rolls back what was not committed (an error, an error response).

    `async` although a session is blocking: making one touches no connection, and closing one
    whose transaction has ended (committed) only forgets its objects. A plain generator would
    cost every request two hops to the worker threads and back; a session still in a
    transaction is closed (rolled back) in a worker thread.
    """
    write = request.method not in _READ_METHODS
    session = get_database(request).session(write=write)
    try:
        uow = unit_of_work(request)
        if uow is not None:
            uow.session = session
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


SessionDep = Annotated[Session, Depends(get_session)]
DatabaseDep = Annotated[Database, Depends(get_database)]
