"""HTTP routes of year-end acceptance (验收)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.idempotency import Idempotency, idempotent
from services.common.links import link
from services.common.openapi import answer_headers
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.common.unitofwork import UnitOfWorkRoute
from services.funding.acceptance import service
from services.funding.acceptance.dependencies import AcceptanceReader, AcceptanceRecorder
from services.funding.acceptance.schemas import (
    AcceptanceCreate,
    AcceptanceFilters,
    AcceptancePublic,
)

router = APIRouter(tags=["acceptance"], route_class=UnitOfWorkRoute)
OptionalIdem = Annotated[Idempotency | None, Depends(idempotent(required=False))]
Filters = Annotated[AcceptanceFilters, Query()]
BaseId = Annotated[str, Path(max_length=40, description="The base's id (`bas_…`).")]
Year = Annotated[int, Path(ge=2015, le=2100, description="The year the check covers.")]


@router.post(
    "/v1/bases/{base_id}/acceptance",
    name="record_base_acceptance",
    summary="Record a base's year-end acceptance result (its responsible department)",
    description="The department responsible for the base's kind (a `department` client whose "
    "org is that department; 403 `not_responsible_department` otherwise) records an admitted "
    "base's result (409 `base_status_conflict` otherwise) for a year from its opening to the "
    "current one (422 `acceptance_year_invalid`, `future_period`): passed or failed, a score "
    "out of 100, findings and evidence links. One result per base and year, never edited (409 "
    "`acceptance_exists`). A base passes only on reported figures: that year's KPI report must "
    "exist (409 `kpi_report_missing`), and it is frozen from then on. Only passed years are "
    "rewarded; the result's `id` is the acceptance reference. **A failed year next to another "
    "failed year** (the one before or after) takes the base out at once (`exit_kind` "
    "`failed_acceptance`), in the same transaction, with its history entry. Announced as "
    "`acceptance.recorded` (and `base.exited`). `Idempotency-Key` optional.",
    status_code=201,
    response_model=AcceptancePublic,
    responses={
        **problem_responses(400, 401, 403, 404, 409, 422),
        **answer_headers(201, "Location"),
    },
)
def record_base_acceptance(
    base_id: BaseId,
    body: AcceptanceCreate,
    request: Request,
    principal: AcceptanceRecorder,
    _idem: OptionalIdem,
    session: SessionDep,
    response: Response,
) -> AcceptancePublic:
    acceptance, base = service.record(
        session=session, principal=principal, base_id=base_id, data=body
    )
    response.headers["Location"] = link(
        request.scope, f"/v1/bases/{base_id}/acceptance/{acceptance.year}"
    )
    return service.to_public(acceptance, base.status)


@router.get(
    "/v1/bases/{base_id}/acceptance",
    name="list_base_acceptance",
    summary="A base's year-end acceptance results",
    description="Every year's result, by year.",
    response_model=list[AcceptancePublic],
    responses=problem_responses(401, 403, 404),
)
def list_base_acceptance(
    base_id: BaseId, session: SessionDep, _principal: AcceptanceReader
) -> list[AcceptancePublic]:
    return service.list_for_base(session=session, base_id=base_id)


@router.get(
    "/v1/bases/{base_id}/acceptance/{year}",
    name="get_base_acceptance",
    summary="A base's acceptance result for a year",
    description="404 `acceptance_not_found` when none is recorded.",
    response_model=AcceptancePublic,
    responses=problem_responses(401, 403, 404, 422),
)
def get_base_acceptance(
    base_id: BaseId, year: Year, session: SessionDep, _principal: AcceptanceReader
) -> AcceptancePublic:
    acceptance, base = service.get(session=session, base_id=base_id, year=year)
    return service.to_public(acceptance, base.status)


@router.get(
    "/v1/acceptances",
    name="list_acceptances",
    summary="Acceptance results across bases",
    description="Filtered by `year`, `result`, `district` and `kind` (AND); cursor-paginated "
    "by acceptance id (recording order).",
    response_model=Page[AcceptancePublic],
    responses=problem_responses(401, 403, 422),
)
def list_acceptances(
    session: SessionDep,
    _principal: AcceptanceReader,
    filters: Filters,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[AcceptancePublic]:
    items, next_cursor = service.list_acceptances(
        session=session, filters=filters, limit=limit, cursor=cursor
    )
    return Page[AcceptancePublic](items=items, next_cursor=next_cursor)
