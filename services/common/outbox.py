"""The outbox: events written with the change they report, served as an ordered feed.

Ordering without serialising writers (PostgreSQL). An event's `seq` comes from the table's
sequence when its row is inserted, i.e. before its transaction commits, so seq order is not
commit order: seq N+1 may be visible while seq N is still in flight, and a reader that moved
past N+1 would never see N. Writers used to hold one advisory lock per service until commit,
which made seq order commit order but let only one transaction that emits run at a time.

Now each writer, before its insert draws a `seq`, announces itself: in the same statement it
reads the sequence's last value `m` and takes a *shared* transaction-level advisory lock whose
key carries `m` (shared locks never wait for one another, so writers run in parallel). Every
`seq` it then draws is > `m`, and the lock is released only after its commit is visible. A
reader (`read_events`) first reads the sequence's last value `B`, then lists the announcements
held now (`pg_locks`), and serves only events with `seq ≤ min(B, every announced m)`:

- a `seq ≤ B` was drawn before the reader read `B`, by a writer that had announced itself
  before drawing it; if that writer is still in flight when the reader lists the locks, its
  announcement `m < seq` is listed and bounds the page below its events; if not, it has
  committed (or rolled back) and its rows are visible to the reader's next statement (READ
  COMMITTED: each statement sees every commit made before it starts);
- so every `seq` the reader can serve is final: no event can later appear below a position a
  reader has moved past. A reader never waits; an in-flight writer holds the feed back only
  from its own announcement, and only this service's writers count (unlike the cluster-wide
  `pg_snapshot_xmin`, which any open transaction anywhere holds back).

The sequence must hand out values in order (the serial column's default `CACHE 1`). On SQLite
`BEGIN IMMEDIATE` already serialises writers, so commit order is seq order there.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, insert, text
from sqlmodel import Session, col, select

from services.common.clock import utcnow
from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.identity import Principal, authorize
from services.common.ids import new_id
from services.common.models import OutboxEvent
from services.common.unitofwork import UnitOfWorkRoute

EVENTS_SCOPE = "events:read"
FeedReader = Annotated[Principal, Depends(authorize(scopes=[EVENTS_SCOPE]))]


# The advisory lock space of this service's outbox writers (key 1) and how an announced
# sequence value travels in key 2 (an int4): its low 32 bits, offset into the int4 range.
_WRITERS_KEY = "hashtext('outbox:' || current_schema())"
_SEQUENCE = "pg_get_serial_sequence('outbox_events', 'seq')::regclass"
_LAST_VALUE = f"coalesce(pg_sequence_last_value({_SEQUENCE}), 0)"
_ANNOUNCE = text(
    f"SELECT pg_advisory_xact_lock_shared({_WRITERS_KEY}, "
    f"(({_LAST_VALUE} % 4294967296) - 2147483648)::int4)"
)
_LAST = text(f"SELECT {_SEQUENCE} IS NOT NULL, {_LAST_VALUE}")
# pg_locks shows an advisory lock's int4 keys as unsigned oids (classid, objid; objsubid 2).
_ANNOUNCED = text(
    "SELECT DISTINCT (objid::bigint + 2147483648) % 4294967296 FROM pg_locks "
    "WHERE locktype = 'advisory' AND objsubid = 2 "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    f"AND classid::bigint = ({_WRITERS_KEY}::bigint + 4294967296) % 4294967296"
)
_HALF, _WHOLE = 1 << 31, 1 << 32
_INSERT_EVENTS = insert(OutboxEvent.__table__)  # type: ignore[attr-defined]


def _announce_writer(session: Session) -> None:
    # See the module's docstring: a shared lock naming the sequence's last value, held until
    # the transaction ends, taken before this transaction's insert draws its seq.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_ANNOUNCE)


def _final_below(session: Session) -> int | None:
    """The highest `seq` up to which every event is final (committed or rolled back) on
    PostgreSQL; None on SQLite (every committed event is final there)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    owned, last = session.execute(_LAST).one()  # first the last value, then the writers
    if not owned:  # without it every announcement would read 0 and the feed would stand still
        raise RuntimeError("outbox_events.seq has no sequence of its own")
    last = int(last)
    bound = last
    for (low,) in session.execute(_ANNOUNCED):
        # One announced at or above `last` draws above it and does not bound this page.
        bound = min(bound, announced_value(int(low), last))
    return bound


def announced_value(low: int, last: int) -> int:
    """The sequence value a writer announced, from its low 32 bits (`low`) and the sequence's
    last value now (`last`): the one within 2^31 of `last` (a writer in flight is that close)."""
    return last + ((low - last + _HALF) % _WHOLE) - _HALF


def emit(
    session: Session, type: str, payload: Mapping[str, Any], *, actor: str | None = None
) -> str:
    """Write one event in the caller's transaction; returns its id.

    `actor`: the portal that acted on behalf of the enterprise (the principal's `actor`); the
    payload then names it.
    """
    if actor is not None:
        payload = {**payload, "actor": actor}
    return emit_many(session, [(type, payload)])[0]


def emit_many(session: Session, events: Iterable[tuple[str, Mapping[str, Any]]]) -> list[str]:
    """Write many events in one statement, in the caller's transaction."""
    ids: list[str] = []
    rows: list[dict[str, Any]] = []
    now = utcnow()  # one moment for the statement (a clock read per event costs at bulk sizes)
    for type_, payload in events:
        ids.append(new_id("evt"))
        rows.append({"id": ids[-1], "type": type_, "payload": dict(payload), "occurred_at": now})
    if not rows:
        return []
    _announce_writer(session)
    # Core executemany on the table: no ORM bookkeeping per event (bulk paths emit thousands).
    session.execute(_INSERT_EVENTS, rows)
    return ids


class EventPublic(BaseModel):
    """One event of a service's feed."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "seq": 42,
                    "id": "evt_01JD3Z8Q6T8V4N2M5K1H0G9F8E",
                    "type": "enterprise.filed",
                    "payload": {"uscc": "91140105MA0KDE119Q", "district": "xiaodian"},
                    "occurred_at": "2026-11-27T04:13:00Z",
                }
            ]
        },
    )

    seq: int = Field(description="Position in the feed; strictly increasing in commit order.")
    id: str = Field(description="Event id; consumers apply each id at most once.")
    type: str = Field(examples=["enterprise.filed"])
    payload: dict[str, Any]
    occurred_at: datetime


class EventPage(BaseModel):
    """A page of the feed; pass `next_after` as `after` to read on."""

    items: list[EventPublic]
    next_after: int = Field(
        description="The `seq` to resume after (unchanged if the page is empty)."
    )


def read_events(session: Session, *, after: int, limit: int) -> EventPage:
    """Events with `seq > after`, oldest first, up to the first that may still be in flight.

    On PostgreSQL the events are read in a statement of their own after `_final_below` (READ
    COMMITTED: it sees every writer that had finished by then).
    """
    statement = select(OutboxEvent).where(col(OutboxEvent.seq) > after)
    bound = _final_below(session)
    if bound is not None:
        if bound <= after:
            return EventPage(items=[], next_after=after)
        statement = statement.where(col(OutboxEvent.seq) <= bound)
    rows = session.exec(statement.order_by(col(OutboxEvent.seq)).limit(limit)).all()
    items = [EventPublic.model_validate(row) for row in rows]
    return EventPage(items=items, next_after=items[-1].seq if items else after)


def last_seq(session: Session) -> int:
    """The newest event's position (0 when there is none)."""
    newest = session.exec(select(func.max(OutboxEvent.seq))).one()
    return int(newest or 0)


def events_router(*, max_limit: int) -> APIRouter:
    """`GET /v1/events`: this service's feed, for consumers holding `events:read`."""
    router = APIRouter(tags=["events"], route_class=UnitOfWorkRoute)

    @router.get(
        "/v1/events",
        summary="Read the event feed",
        description="Events in commit order after a position. Delivery is at-least-once: "
        "consumers store `next_after` with their changes and apply each event id once.",
        operation_id="list_events",
        response_model=EventPage,
        responses=problem_responses(401, 403, 422),
    )
    def list_events(
        session: SessionDep,
        _client: FeedReader,
        after: Annotated[
            int, Query(ge=0, le=2**63 - 1, description="Return events with seq greater than this.")
        ] = 0,
        limit: Annotated[int, Query(ge=1, le=max_limit, description="Page size.")] = 100,
    ) -> EventPage:
        return read_events(session, after=after, limit=limit)

    return router
