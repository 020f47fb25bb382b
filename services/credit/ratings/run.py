"""Background rating work: batch runs, and recomputes driven by the credit service's own events.

Both are claimed by one replica at a time and commit with the work they do:

- `execute_run`: a queued run is claimed (`queued → running` by a conditional update: one
  replica wins), rated in one transaction with its counts and `succeeded`; a failure rolls the
  ratings back and marks the run `failed` with the error.
- `apply_rating_events`: the credit outbox read as a feed under the cursor `credit.ratings`
  (claimed `FOR UPDATE SKIP LOCKED` on PostgreSQL, the write lock on SQLite): every event that
  changes a rating's input (records, dishonesty lists, objections, the replica) names the
  enterprises to recompute; they are rated and the cursor moves on, in one transaction.
- `rate_date_changes`: once per Asia/Shanghai day (cursor `credit.ratings.daily`), what
  changes by the date alone: listings that ended (`dishonesty.cleared`), records that stopped
  counting, anniversaries, the new year; those enterprises are rated again.
"""

import logging
from datetime import date, datetime
from typing import Final

from sqlalchemy import select, update
from sqlmodel import Session, col

from services.common.clock import utcnow
from services.common.consumer import claim_cursor
from services.common.dates import shanghai_date
from services.common.db import Database
from services.common.models import ConsumerCursor, OutboxEvent
from services.common.outbox import emit_many
from services.credit.enterprises.models import ACTIVE as ENTERPRISE_ACTIVE
from services.credit.enterprises.models import EnterpriseReplica
from services.credit.enterprises.service import ChangeReason
from services.credit.ratings import service
from services.credit.ratings.inputs import full_years
from services.credit.ratings.models import FAILED, QUEUED, RUNNING, SUCCEEDED, RatingRun
from services.credit.records import service as records_service

log = logging.getLogger("services.credit.ratings")

CURSOR: Final = "credit.ratings"
DAILY: Final = "credit.ratings.daily"  # position: the last Shanghai day done (an ordinal)
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


def apply_rating_events(session: Session, *, at: datetime | None = None) -> int:
    """One round of the local consumer: rate the enterprises the next events name.

    Returns how many events were read (0: nothing new, or another replica holds the cursor).
    """
    cursor = claim_cursor(session, CURSOR)
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


def rate_date_changes(session: Session, *, at: datetime | None = None) -> int:
    """The daily step: what changes a rating by the date alone, with no event, once a day.

    Claims the cursor row `credit.ratings.daily` (one replica; its position is the last
    Asia/Shanghai day done, as an ordinal; the first run takes today only). For the days
    after it up to today: `dishonesty.cleared` (cause `ended`) for listings whose `ended_on`
    came, then a re-rating (`rating.changed` where the score or grade moves) of the
    enterprises whose records stopped counting (adverse ones five years after their end,
    positive ones at their end), whose listing ended, or whose founding anniversary came
    (years in operation); every active enterprise when a new year began (the filing window
    moves). Returns 1 when it did the day, 0 when the day was done (or another replica holds it).
    """
    at = at if at is not None else utcnow()
    today = shanghai_date(at)
    cursor = claim_cursor(session, DAILY, start=today.toordinal() - 1)
    if cursor is None or cursor.position >= today.toordinal():
        return 0
    after = date.fromordinal(cursor.position)
    cleared = records_service.listings_ended(session=session, after=after, through=today)
    emit_many(session, cleared)
    usccs: set[str] | None = {payload["uscc"] for _type, payload in cleared}
    assert usccs is not None
    usccs |= records_service.stopped_counting(session=session, after=after, through=today)
    usccs |= {
        uscc
        for uscc, founded in session.execute(
            select(EnterpriseReplica.uscc, EnterpriseReplica.founded_on).where(  # type: ignore[call-overload]
                col(EnterpriseReplica.status) == ENTERPRISE_ACTIVE
            )
        )
        if full_years(founded, after) != full_years(founded, today)
    }
    if after.year != today.year:
        usccs = None  # the years of indicators the rating reads moved: everyone
    if usccs is None or usccs:
        service.rate(
            session,
            usccs=sorted(usccs) if usccs is not None else None,
            at=at,
            trigger=f"daily:{today.isoformat()}",
        )
    session.execute(
        update(ConsumerCursor.__table__)  # type: ignore[attr-defined]
        .where(col(ConsumerCursor.consumer) == DAILY)
        .values(position=today.toordinal(), updated_at=utcnow())
    )
    return 1
