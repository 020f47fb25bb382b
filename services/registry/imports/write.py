"""Writing a validated batch: new enterprises, their events, rejections and the job's counters."""

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import DateTime, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from services.common.clock import utcnow
from services.common.ids import new_id
from services.common.models import OutboxEvent
from services.common.outbox import emit_many
from services.registry.enterprises.models import Enterprise
from services.registry.enterprises.service import EVENT_FIELDS
from services.registry.imports.models import ImportJob, ImportRejection
from services.registry.imports.validate import Batch

# Every column of the register, from the model: a validated row carries a value for each.
ROW_COLUMNS = tuple(column.name for column in Enterprise.__table__.columns)  # type: ignore[attr-defined]
_EVENT_COLUMNS = ("id", "type", "payload", "occurred_at")
_SQLITE_INSERT = f"INSERT INTO {Enterprise.__tablename__} ({', '.join(ROW_COLUMNS)}) VALUES "
_SQLITE_EVENTS = f"INSERT INTO {OutboxEvent.__tablename__} ({', '.join(_EVENT_COLUMNS)}) VALUES "
_SQLITE_MAX_PARAMS = 32_766


@lru_cache(maxsize=16)
def _values_sql(prefix: str, width: int, rows: int, suffix: str) -> str:
    """`prefix (?, …), (?, …) … suffix` for `rows` rows of `width` parameters."""
    one = "(" + ", ".join("?" for _ in range(width)) + ")"
    return prefix + ", ".join(one for _ in range(rows)) + suffix


def _insert_multirow(
    connection: Any, prefix: str, rows: Sequence[tuple[Any, ...]], suffix: str = ""
) -> int:
    """Insert with multi-row VALUES statements: one sqlite3 step (outside the GIL) per chunk."""
    if not rows:
        return 0
    width = len(rows[0])
    per_statement = _SQLITE_MAX_PARAMS // width
    changed = 0
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        sql = _values_sql(prefix, width, len(chunk), suffix)
        params = tuple(chain.from_iterable(chunk))
        changed += connection.exec_driver_sql(sql, params).rowcount
    return changed


def _payload(values: Mapping[str, Any], filed_at: str) -> dict[str, Any]:
    """`enterprise.filed` for a validated row whose values are already JSON-ready."""
    payload = {name: values[name] for name in EVENT_FIELDS}
    payload["uscc"] = values["uscc"]
    payload["version"] = 1
    payload["filed_at"] = filed_at
    return payload


def _file_sqlite(session: Session, rows: Sequence[dict[str, Any]], job_id: str) -> int:
    """SQLite: driver-level executemany of prepared tuples (no per-row SQLAlchemy processing).

    The transaction holds the write lock from its first statement (BEGIN IMMEDIATE), so when
    ON CONFLICT skipped some rows, the rows of this job among them are exactly the new ones.
    """
    connection = session.connection()
    moment: datetime = rows[0]["filed_at"]
    stamp, filed_at = _sqlite_timestamp(moment), moment.isoformat()
    row_values = itemgetter(*ROW_COLUMNS)
    tuples = []
    for row in rows:
        row["filed_at"] = row["updated_at"] = stamp
        tuples.append(row_values(row))
    inserted = _insert_multirow(
        connection, _SQLITE_INSERT, tuples, " ON CONFLICT (uscc) DO NOTHING"
    )
    new: Sequence[dict[str, Any]] = rows
    if inserted != len(rows):
        mine = {
            uscc
            for (uscc,) in connection.exec_driver_sql(
                "SELECT uscc FROM enterprises WHERE import_id = ? AND filed_at = ?", (job_id, stamp)
            )
        }
        new = [row for row in rows if row["uscc"] in mine]
    # The kernel's emit_many, minus its ORM bulk path (a third of the import's time on SQLite);
    # the PostgreSQL writer lock it also takes does not apply to SQLite.
    events = [
        (new_id("evt"), "enterprise.filed", orjson.dumps(_payload(row, filed_at)).decode(), stamp)
        for row in new
    ]
    _insert_multirow(connection, _SQLITE_EVENTS, events)
    return len(new)


def _sqlite_timestamp(moment: datetime) -> str:
    """A timestamp as SQLAlchemy stores DateTime in SQLite."""
    dialect = sqlite.dialect()
    processor = DateTime(timezone=True).dialect_impl(dialect).bind_processor(dialect)
    assert processor is not None
    return str(processor(moment))


def _file_with_returning(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """PostgreSQL: insert what is new (ON CONFLICT DO NOTHING … RETURNING) and announce it."""
    table = Enterprise.__table__  # type: ignore[attr-defined]
    params = [
        {
            **row,
            "founded_on": date.fromisoformat(row["founded_on"]),
            "founder_graduated_on": date.fromisoformat(row["founder_graduated_on"])
            if row["founder_graduated_on"]
            else None,
        }
        for row in rows
    ]
    statement = (
        postgresql.insert(table)
        .on_conflict_do_nothing(index_elements=["uscc"])
        .returning(table.c.uscc)
    )
    inserted = set(session.execute(statement, params).scalars().all())
    filed_at = rows[0]["filed_at"].isoformat()
    emit_many(
        session,
        (("enterprise.filed", _payload(row, filed_at)) for row in rows if row["uscc"] in inserted),
    )
    return len(inserted)


def _file_rows(session: Session, rows: Sequence[dict[str, Any]], job_id: str) -> int:
    """File the rows whose enterprise is new, with their events; returns how many were filed."""
    if not rows:
        return 0
    if session.get_bind().dialect.name == "sqlite":
        return _file_sqlite(session, rows, job_id)
    return _file_with_returning(session, rows)


def write_batch(*, session: Session, job_id: str, batch: Batch) -> None:
    """File a batch, record its rejections and advance the job's counters (the caller commits)."""
    filed = _file_rows(session, batch.good, job_id)
    if batch.rejections:
        session.execute(insert(ImportRejection.__table__), batch.rejections)  # type: ignore[attr-defined]
    session.execute(
        update(ImportJob)
        .where(col(ImportJob.id) == job_id)
        .values(
            processed_rows=col(ImportJob.processed_rows) + batch.size,
            heartbeat_at=utcnow(),
            filed_rows=col(ImportJob.filed_rows) + filed,
            existing_rows=col(ImportJob.existing_rows) + len(batch.good) - filed,
            rejected_rows=col(ImportJob.rejected_rows) + batch.rejected,
        )
    )


def set_status(*, session: Session, job_id: str, **values: Any) -> None:
    """Record the job's status and times (the caller commits)."""
    session.execute(update(ImportJob).where(col(ImportJob.id) == job_id).values(**values))
