"""The registry's working-day calendar: the kernel's official schedule with recorded days on top."""

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Final

from sqlalchemy import delete, select
from sqlmodel import Session, col

from services.common.calendar import OFFICIAL_SOURCE, OFFICIAL_YEARS, WorkingCalendar, official_days
from services.common.clock import utcnow
from services.common.dates import shanghai_date
from services.common.db import dialect_insert
from services.common.identity import Principal
from services.registry.calendar.errors import DayOutsideYear, DuplicateDay
from services.registry.calendar.models import CalendarDay, CalendarYear
from services.registry.calendar.schemas import (
    CalendarDayPublic,
    CalendarDayUpdate,
    CalendarYearCreate,
    CalendarYearPublic,
    DaySource,
)

# How far ahead readiness looks for a year without holidays: well past the longest deadline
# (20 working days), so the gap is reported weeks before a deadline reaches it.
LOOKAHEAD: Final = timedelta(days=90)


def working_calendar(session: Session, *, since: date | None = None) -> WorkingCalendar:
    """The calendar deadlines are counted with (recorded days from `since` on)."""
    statement = select(CalendarDay)
    if since is not None:
        statement = statement.where(col(CalendarDay.day) >= since)
    recorded = {row.day: row.working for row in session.execute(statement).scalars()}
    years = frozenset(session.execute(select(CalendarYear.year)).scalars())  # type: ignore[call-overload]
    return WorkingCalendar(recorded=recorded, recorded_years=years)


def add_working_days(session: Session, *, start: date, count: int) -> date:
    """The `count`-th Asia/Shanghai working day after `start`; 503 for a year not known."""
    return working_calendar(session, since=start).add_working_days(start, count)


def year_calendar(session: Session, *, year: int) -> CalendarYearPublic:
    """A year's holidays and make-up working days, and whether they are known."""
    days: dict[date, CalendarDayPublic] = {
        d.day: CalendarDayPublic(
            day=d.day, working=d.working, name=d.name, source=DaySource.OFFICIAL
        )
        for d in official_days(year)
    }
    rows = session.execute(
        select(CalendarDay)
        .where(col(CalendarDay.day) >= date(year, 1, 1))
        .where(col(CalendarDay.day) <= date(year, 12, 31))
    ).scalars()
    for row in rows:
        days[row.day] = CalendarDayPublic(
            day=row.day, working=row.working, name=row.name, source=DaySource.RECORDED
        )
    recorded = session.get(CalendarYear, year)
    source = recorded.source if recorded else OFFICIAL_SOURCE if year in OFFICIAL_YEARS else None
    return CalendarYearPublic(
        year=year,
        known=source is not None,
        source=source,
        days=[days[d] for d in sorted(days)],
    )


def set_day(session: Session, *, day: date, body: CalendarDayUpdate) -> CalendarDayPublic:
    """Record a holiday or a make-up working day (replacing any earlier record of that day)."""
    # An upsert, so two administrators recording the same day at once cannot collide.
    values = {"working": body.working, "name": body.name}
    insert = dialect_insert(session)(CalendarDay.__table__).values(day=day, **values)  # type: ignore[attr-defined]
    session.execute(insert.on_conflict_do_update(index_elements=["day"], set_=values))
    return CalendarDayPublic(day=day, source=DaySource.RECORDED, **values)


def record_year(
    session: Session, *, year: int, body: CalendarYearCreate, principal: Principal
) -> CalendarYearPublic:
    """Record a year's notice in full: its days replace those recorded before; the year is known."""
    seen: set[date] = set()
    for i, entry in enumerate(body.days):
        if entry.day.year != year:
            raise DayOutsideYear.for_field(f"body.days.{i}.day", f"not a day of {year}")
        if entry.day in seen:
            raise DuplicateDay.for_field(f"body.days.{i}.day", "listed twice")
        seen.add(entry.day)
    session.execute(
        delete(CalendarDay)
        .where(col(CalendarDay.day) >= date(year, 1, 1))
        .where(col(CalendarDay.day) <= date(year, 12, 31))
    )
    for entry in body.days:
        session.add(CalendarDay(day=entry.day, working=entry.working, name=entry.name))
    values = {"source": body.source, "recorded_by": principal.client_id, "recorded_at": utcnow()}
    insert = dialect_insert(session)(CalendarYear.__table__).values(year=year, **values)  # type: ignore[attr-defined]
    session.execute(insert.on_conflict_do_update(index_elements=["year"], set_=values))
    session.flush()
    return year_calendar(session, year=year)


def readiness_warnings(session: Session) -> Mapping[str, str]:
    """A warning naming the years from today to `LOOKAHEAD` ahead whose holidays are not known."""
    today = shanghai_date(utcnow())
    years = range(today.year, (today + LOOKAHEAD).year + 1)
    unknown = working_calendar(session, since=today).unknown_years(years)
    if not unknown:
        return {}
    named = ", ".join(str(y) for y in unknown)
    return {
        "calendar": f"no holidays known for {named}: deadlines reaching {named} are answered "
        f"503 calendar_year_unknown until the State Council's notice is recorded "
        f"(PUT /v1/calendar/{unknown[0]})"
    }
