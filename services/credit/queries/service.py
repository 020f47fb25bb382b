"""Logging every read of a credit report, and showing the log to whom it concerns."""

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.sql import Select
from sqlmodel import Session

from services.common.clock import as_utc
from services.common.dates import SHANGHAI, shanghai_date
from services.common.identity import Principal
from services.common.ids import new_id
from services.common.pagination import page_of, paginate
from services.common.requestctx import current_request_id
from services.credit.consents.errors import NotYourEnterprise
from services.credit.consents.schemas import ConsentPurpose
from services.credit.queries.models import GRANTED, CreditQuery
from services.credit.queries.schemas import (
    CreditQueryCountPublic,
    CreditQueryFilters,
    CreditQueryPublic,
    CreditQuerySummaryPublic,
)


def log_query(
    *,
    session: Session,
    client: Principal,
    uscc: str,
    purpose: str,
    outcome: str,
    at: datetime,
    consent_id: str | None = None,
    refusal_code: str | None = None,
) -> CreditQuery:
    """Add one attempt to the log, with the request's id (written, not committed).

    One plain INSERT (no unit-of-work flush): the log is append-only and nothing in the
    session refers to the entry; the returned entry is its values, not a tracked row.
    """
    values: dict[str, Any] = {
        "id": new_id("qry"),
        "uscc": uscc,
        "bank": client.org or "",
        "client_id": client.client_id,
        "purpose": str(purpose),
        "consent_id": consent_id,
        "outcome": outcome,
        "refusal_code": refusal_code,
        "request_id": current_request_id(),
        "at": at,
    }
    session.execute(_INSERT, values)
    return CreditQuery(**values)


_INSERT = insert(CreditQuery.__table__)  # type: ignore[attr-defined]


def to_public(entry: CreditQuery) -> CreditQueryPublic:
    """A log entry as callers see it."""
    return CreditQueryPublic(
        id=entry.id,
        uscc=entry.uscc,
        bank=entry.bank,
        client_id=entry.client_id,
        purpose=ConsentPurpose(entry.purpose),
        consent_id=entry.consent_id,
        outcome=entry.outcome,  # type: ignore[arg-type]
        refusal_code=entry.refusal_code,
        request_id=entry.request_id,
        at=as_utc(entry.at),
    )


def _page(
    session: Session,
    statement: Select[Any],
    filters: CreditQueryFilters,
    limit: int,
    cursor: str | None,
) -> tuple[list[CreditQueryPublic], str | None]:
    table = CreditQuery.__table__  # type: ignore[attr-defined]
    if filters.purpose:
        statement = statement.where(table.c.purpose == filters.purpose.value)
    if filters.outcome:
        statement = statement.where(table.c.outcome == filters.outcome)
    statement = paginate(statement, keys=[table.c.id], limit=limit, cursor=cursor)
    rows = session.execute(statement).scalars().all()
    kept, next_cursor = page_of(rows, limit=limit, key_of=lambda q: [q.id])
    return [to_public(q) for q in kept], next_cursor


def enterprise_log(
    *,
    session: Session,
    client: Principal,
    uscc: str,
    filters: CreditQueryFilters,
    limit: int,
    cursor: str | None,
) -> tuple[list[CreditQueryPublic], str | None]:
    """Every attempt on the enterprise's report, refused ones too, oldest first."""
    if client.org != uscc:
        raise NotYourEnterprise(f"Your token acts for {client.org}, not {uscc}.")
    table = CreditQuery.__table__.c  # type: ignore[attr-defined]
    return _page(session, select(CreditQuery).where(table.uscc == uscc), filters, limit, cursor)


def bank_log(
    *,
    session: Session,
    client: Principal,
    uscc: str | None,
    filters: CreditQueryFilters,
    limit: int,
    cursor: str | None,
) -> tuple[list[CreditQueryPublic], str | None]:
    """The bank's own attempts, oldest first; never another bank's."""
    table = CreditQuery.__table__.c  # type: ignore[attr-defined]
    statement = select(CreditQuery).where(table.bank == (client.org or ""))
    if uscc:
        statement = statement.where(table.uscc == uscc)
    return _page(session, statement, filters, limit, cursor)


def year_before(day: date) -> date:
    """The same day a year earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


_LOG = CreditQuery.__table__.c  # type: ignore[attr-defined]
# Built once (every granted report read runs it); served by ix_credit_queries_uscc_outcome_at.
_SUMMARY: Select[Any] = (
    select(_LOG.purpose, func.count())
    .where(
        _LOG.uscc == bindparam("uscc"),
        _LOG.outcome == GRANTED,
        _LOG.at >= bindparam("start"),
        _LOG.at <= bindparam("at"),
    )
    .group_by(_LOG.purpose)
)


def summary(
    *, session: Session, uscc: str, at: datetime, excluding: str | None = None
) -> CreditQuerySummaryPublic:
    """Granted reads of the report over the twelve months before `at`, by purpose, no bank named.

    `excluding`: the read being served (it is not a past query).
    """
    since = year_before(shanghai_date(at))
    start = datetime.combine(since, time(), SHANGHAI).astimezone(UTC)
    statement = _SUMMARY
    if excluding is not None:
        statement = statement.where(_LOG.id != excluding)
    params = {"uscc": uscc, "start": start, "at": at}
    counts = {str(purpose): int(count) for purpose, count in session.execute(statement, params)}
    by_purpose = [
        CreditQueryCountPublic(purpose=purpose, count=counts.get(purpose.value, 0))
        for purpose in ConsentPurpose
    ]
    return CreditQuerySummaryPublic(
        since=since, total=sum(item.count for item in by_purpose), by_purpose=by_purpose
    )
