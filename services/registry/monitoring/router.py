"""HTTP routes of targets and monitoring."""

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.openapi import answer_headers
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.common.unitofwork import UnitOfWorkRoute
from services.registry.monitoring import service
from services.registry.monitoring.dependencies import Admin, AdminKind, Monitor, Reader
from services.registry.monitoring.schemas import (
    PlanBaseline,
    ProgressReport,
    PublicProgressSummary,
    ReportFormat,
    TargetPublic,
    TargetPut,
)

router = APIRouter(tags=["monitoring"], route_class=UnitOfWorkRoute)

YearPath = Annotated[int, Path(ge=2000, le=2100, description="Calendar year.", examples=[2015])]
UnitPath = Annotated[
    str,
    Path(max_length=40, description="`city` or a district code.", examples=["xiaodian"]),
]
YearQuery = Annotated[int, Query(ge=2000, le=2100, description="Calendar year.", examples=[2015])]

_FILE_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report as JSON, CSV (`?format=csv`) or XLSX (`?format=xlsx`).",
        "content": {
            service.CSV_MEDIA_TYPE.split(";")[0]: {"schema": {"type": "string"}},
            service.XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.get(
    "/v1/targets",
    summary="List targets",
    description="Targets by year and unit (`city` or a district): the plan's, loaded as data, "
    "and any an administrator has set.",
    operation_id="list_targets",
    response_model=Page[TargetPublic],
    responses=problem_responses(401, 403, 422),
)
def list_targets(
    session: SessionDep,
    _client: Reader,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="Only this year.")] = None,
    unit: Annotated[str | None, Query(max_length=40, description="Only this unit.")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[TargetPublic]:
    items, next_cursor = service.list_targets(
        session, year=year, unit=unit, limit=limit, cursor=cursor
    )
    return Page[TargetPublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/targets/baseline",
    summary="Get the plan's 2014 baseline",
    description="The city's small and micro enterprises at the end of 2014 as the plan reports "
    "them; progress compares the city with it (`plan_baseline`, `since_plan_baseline`).",
    operation_id="get_plan_baseline",
    response_model=PlanBaseline,
    responses=problem_responses(401, 403),
)
def get_plan_baseline(_client: Reader) -> PlanBaseline:
    return service.plan_baseline()


@router.get(
    "/v1/targets/{year}/{unit}",
    summary="Get a unit's targets for a year",
    description="With an `ETag` to send as `If-Match` when replacing them.",
    operation_id="get_target",
    response_model=TargetPublic,
    responses={**problem_responses(401, 403, 404, 422), **answer_headers(200, "ETag")},
)
def get_target(
    year: YearPath, unit: UnitPath, session: SessionDep, _client: Reader, response: Response
) -> TargetPublic:
    target, etag = service.get_target(session, year=year, unit=unit)
    response.headers["ETag"] = etag
    return target


@router.put(
    "/v1/targets/{year}/{unit}",
    summary="Set a unit's targets for a year",
    description="Administrators only. Creates the targets (201) or, with the current ETag in "
    "`If-Match`, replaces them (200); a stale ETag is 412, a missing one 428.",
    operation_id="put_target",
    status_code=200,
    response_model=TargetPublic,
    responses={
        **problem_responses(401, 403, 412, 422, 428),
        **answer_headers(200, "ETag"),
        201: {"model": TargetPublic, "description": "Created", **answer_headers(201, "ETag")[201]},
    },
)
def put_target(
    year: YearPath,
    unit: UnitPath,
    body: TargetPut,
    session: SessionDep,
    client: Admin,
    _admin: AdminKind,
    response: Response,
    if_match: Annotated[
        str | None, Header(alias="If-Match", description="The targets' current ETag.")
    ] = None,
) -> TargetPublic:
    target, etag, created = service.put_target(
        session, year=year, unit=unit, body=body, if_match=if_match, principal=client
    )
    response.headers["ETag"] = etag
    if created:
        response.status_code = 201
    return target


@router.get(
    "/v1/monitoring/progress",
    summary="Get progress against the targets",
    description="For each district and the city (last): baseline (end of the previous year), "
    "target, actual and completion of revenue, net new jobs, technology-contract turnover and "
    "patents held, from the effective indicator figures; enterprise counts and survival of "
    "each year's filings. `?format=csv` or `?format=xlsx` for a file.",
    operation_id="get_monitoring_progress",
    response_model=ProgressReport,
    responses={**_FILE_CONTENT, **problem_responses(401, 403, 422)},
)
def get_monitoring_progress(
    session: SessionDep,
    _client: Reader,
    _kind: Monitor,
    year: YearQuery,
    format: Annotated[ReportFormat, Query(description="json, csv or xlsx.")] = ReportFormat.JSON,
) -> Response | ProgressReport:
    service.check_year(year)
    report = service.progress(session, year=year)
    if format is ReportFormat.CSV:
        return Response(
            service.progress_csv(report),
            media_type=service.CSV_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="progress-{year}.csv"'},
        )
    if format is ReportFormat.XLSX:
        return Response(
            service.progress_xlsx(report),
            media_type=service.XLSX_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="progress-{year}.xlsx"'},
        )
    return report


@router.get(
    "/v1/public/monitoring/summary",
    summary="Public progress summary",
    description="No token needed. Aggregates per district and the city only: targets, actuals "
    "and completion, filings; no enterprise-level or personal data (an actual with fewer "
    "reporting enterprises than the disclosure minimum is withheld).",
    operation_id="get_public_monitoring_summary",
    response_model=PublicProgressSummary,
    responses=problem_responses(422),
)
def get_public_monitoring_summary(
    session: SessionDep, year: YearQuery, response: Response
) -> PublicProgressSummary:
    service.check_year(year)
    # Anyone may ask: let caches in front of the gateway answer repeats for a minute.
    response.headers["Cache-Control"] = "public, max-age=60"
    return service.public_summary(session, year=year)
