"""The outbox: events written with the change they report, served as an ordered feed."""

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


def _serialise_writers(session: Session) -> None:
    # Hold one lock per service until commit so sequence order is commit order: a reader of
    # `seq > after` can then never see seq N+1 committed while seq N is still in flight.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7001, hashtext(current_schema()))"))


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
    _serialise_writers(session)
    # Core executemany on the table: no ORM bookkeeping per event (bulk paths emit thousands).
    session.execute(insert(OutboxEvent.__table__), rows)  # type: ignore[arg-type,attr-defined]
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
    """Events with `seq > after`, oldest first."""
    rows = session.exec(
        select(OutboxEvent)
        .where(col(OutboxEvent.seq) > after)
        .order_by(col(OutboxEvent.seq))
        .limit(limit)
    ).all()
    items = [EventPublic.model_validate(row) for row in rows]
    return EventPage(items=items, next_after=items[-1].seq if items else after)


def last_seq(session: Session) -> int:
    """The newest event's position (0 when there is none)."""
    newest = session.exec(select(func.max(OutboxEvent.seq))).one()
    return int(newest or 0)


def events_router(*, max_limit: int = 1000) -> APIRouter:
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
