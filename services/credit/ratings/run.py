"""Background rating work: batch runs, and recomputes driven by the credit service's own events.

Both are claimed by one replica at a time and commit with the work they do:

- `execute_run`: a queued run is claimed (`queued → running` by a conditional update: one
  replica wins), rated in one transaction with its counts and `succeeded`; a failure rolls the
  ratings back and marks the run `failed` with the error.
- `apply_rating_events`: the credit outbox read as a feed under the cursor `credit.ratings`
  (claimed `FOR UPDATE SKIP LOCKED` on PostgreSQL, the write lock on SQLite): every event that
  changes a rating's input (records, dishonesty lists, objections, the replica) names the
  enterprises to recompute; they are rated and the cursor moves on, in one transaction.
"""

import logging
from datetime import datetime
from typing import Final

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import Session, col

from services.common.clock import utcnow
from services.common.db import Database
from services.common.models import ConsumerCursor, OutboxEvent
from services.credit.enterprises.service import ChangeReason
from services.credit.ratings import service
from services.credit.ratings.models import FAILED, QUEUED, RUNNING, SUCCEEDED, RatingRun

log = logging.getLogger("services.credit.ratings")

CURSOR: Final = "credit.ratings"
# Events of the credit outbox whose enterprise's rating may change.
RECOMPUTE_ON: Final = frozenset(
    {
        "record.added",
        "record.corrected",
        "record.withdrawn",
        "record.repaired",
        "dishonesty.listed",
        "dishonesty.cleared",
        "objection.filed",
        "objection.resolved",
        "objection.withdrawn",
        "objection.expired",
        "enterprise.replicated",
        "enterprise.changed",
        "indicators.replicated",
    }
)
EVENT_BATCH: Final = 500


def execute_run(*, database: Database, run_id: str) -> bool:
    """Claim and do one queued run; False if another replica has it (or it is done)."""
    with database.transaction() as session:
        claimed = session.execute(
            update(RatingRun.__table__)  # type: ignore[attr-defined]
            .where(col(RatingRun.id) == run_id, col(RatingRun.status) == QUEUED)
            .values(status=RUNNING, started_at=utcnow())
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return False
    try:
        with database.transaction() as session:
            _rate_run(session, run_id, utcnow())
    except Exception as exc:
        log.exception("rating run %s failed", run_id)
        with database.transaction() as session:
            run = session.get(RatingRun, run_id)
            if run is not None:
                run.status, run.finished_at = FAILED, utcnow()
                run.error = f"{type(exc).__name__}: {exc}"[:1000]
        return True
    return True


def _rate_run(session: Session, run_id: str, at: datetime) -> None:
    run = session.get(RatingRun, run_id)
    assert run is not None
    counts = service.rate(session, usccs=run.usccs, at=at, trigger=f"run:{run_id}", run_id=run_id)
    run.enterprises, run.rated = counts.enterprises, counts.rated
    run.first_ratings, run.changed, run.unchanged = (
        counts.first_ratings,
        counts.changed,
        counts.unchanged,
    )
    run.skipped = len(run.usccs) - counts.enterprises if run.usccs is not None else 0
    run.status, run.finished_at = SUCCEEDED, utcnow()
    session.add(run)


def run_queued(session: Session) -> int:
    """A periodic step: the oldest queued run left behind (e.g. by a stopped replica), claimed."""
    found = session.execute(
        select(RatingRun.id)  # type: ignore[call-overload]
        .where(col(RatingRun.status) == QUEUED)
        .order_by(col(RatingRun.created_at))
        .limit(1)
    ).first()
    if found is None:
        return 0
    claimed = session.execute(
        update(RatingRun.__table__)  # type: ignore[attr-defined]
        .where(col(RatingRun.id) == found[0], col(RatingRun.status) == QUEUED)
        .values(status=RUNNING, started_at=utcnow())
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return 0
    _rate_run(session, found[0], utcnow())
    return 1


def _cursor(session: Session, *, create: bool = True) -> ConsumerCursor | None:
    """The cursor row, claimed for this transaction; None while another replica holds it."""
    statement = select(ConsumerCursor).where(col(ConsumerCursor.consumer) == CURSOR)  # type: ignore[call-overload]
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    found = session.execute(statement).first()
    if found is not None:
        cursor: ConsumerCursor = found[0]
        return cursor
    if not create:
        return None
    if session.get_bind().dialect.name == "postgresql":
        # Created once; a replica racing to create it waits for the first, then skips it.
        session.execute(
            pg_insert(ConsumerCursor.__table__)  # type: ignore[attr-defined]
            .values(consumer=CURSOR, position=0, updated_at=utcnow())
            .on_conflict_do_nothing()
        )
        return _cursor(session, create=False)
    cursor = ConsumerCursor(consumer=CURSOR, position=0)
    session.add(cursor)
    session.flush()
    return cursor


def apply_rating_events(session: Session, *, at: datetime | None = None) -> int:
    """One round of the local consumer: rate the enterprises the next events name.

    Returns how many events were read (0: nothing new, or another replica holds the cursor).
    """
    cursor = _cursor(session)
    if cursor is None:
        return 0
    events = session.execute(
        select(OutboxEvent.seq, OutboxEvent.type, OutboxEvent.payload)  # type: ignore[call-overload]
        .where(col(OutboxEvent.seq) > cursor.position)
        .order_by(col(OutboxEvent.seq))
        .limit(EVENT_BATCH)
    ).all()
    if not events:
        return 0
    usccs = sorted(
        {
            str(payload["uscc"])
            for _seq, type_, payload in events
            if type_ in RECOMPUTE_ON and isinstance(payload, dict) and payload.get("uscc")
        }
    )
    if usccs:
        types = sorted({type_ for _seq, type_, _payload in events if type_ in RECOMPUTE_ON})
        service.rate(session, usccs=usccs, at=at, trigger=("event:" + ",".join(types))[:80])
    session.execute(
        update(ConsumerCursor.__table__)  # type: ignore[attr-defined]
        .where(col(ConsumerCursor.consumer) == CURSOR)
        .values(position=events[-1][0], updated_at=utcnow())
    )
    return len(events)


def rating_listener(*, session: Session, uscc: str, reason: ChangeReason) -> None:
    """A change of the replica (filed, updated, new indicators): rate the enterprise again,
    in the registry consumer's transaction."""
    service.rate(session, usccs=[uscc], trigger=f"replica:{reason.value}")
