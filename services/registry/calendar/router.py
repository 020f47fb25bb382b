"""HTTP routes of the working-day calendar."""

from typing import Annotated

from fastapi import APIRouter, Path

from services.common.dates import IsoDate
from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.unitofwork import UnitOfWorkRoute
from services.registry.calendar import service
from services.registry.calendar.dependencies import AdminKind, AdminScope, Reader
from services.registry.calendar.schemas import (
    CalendarDayPublic,
    CalendarDayUpdate,
    CalendarYearCreate,
    CalendarYearPublic,
)

router = APIRouter(tags=["calendar"], route_class=UnitOfWorkRoute)

YearPath = Annotated[int, Path(ge=2000, le=2100, description="The year.", examples=[2015])]


@router.get(
    "/v1/calendar/{year}",
    summary="Get a year's holidays and make-up working days",
    description="The days that break the Monday–Friday rule when deadlines are counted "
    "(Asia/Shanghai), where each comes from, and whether the year's holidays are known at all.",
    operation_id="get_calendar_year",
    response_model=CalendarYearPublic,
    responses=problem_responses(401, 403, 422),
)
def get_calendar_year(year: YearPath, session: SessionDep, _client: Reader) -> CalendarYearPublic:
    return service.year_calendar(session, year=year)


@router.put(
    "/v1/calendar/{year}",
    summary="Record a year's holiday notice",
    description="Administrators record the State Council's notice for a year the platform does "
    "not ship yet (or correct one): the listed days replace the days recorded for that year "
    "before, and the year counts as known from then on.",
    operation_id="put_calendar_year",
    response_model=CalendarYearPublic,
    responses=problem_responses(401, 403, 422),
)
def put_calendar_year(
    year: YearPath,
    body: CalendarYearCreate,
    session: SessionDep,
    client: AdminScope,
    _admin: AdminKind,
) -> CalendarYearPublic:
    return service.record_year(session, year=year, body=body, principal=client)


@router.put(
    "/v1/calendar/days/{day}",
    summary="Set a holiday or make-up working day",
    description="Administrators record one day on top of the official schedule; deadlines "
    "computed afterwards use it. Recording a day does not make its year known.",
    operation_id="put_calendar_day",
    response_model=CalendarDayPublic,
    responses=problem_responses(401, 403, 422),
)
def put_calendar_day(
    day: Annotated[IsoDate, Path(description="The date.", examples=["2015-10-01"])],
    body: CalendarDayUpdate,
    session: SessionDep,
    _client: AdminScope,
    _admin: AdminKind,
) -> CalendarDayPublic:
    return service.set_day(session, day=day, body=body)
