"""HTTP routes of demonstration bases: kinds and standards, filing, decisions, KPIs, exit, history."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.etag import IfMatch, OptionalIfMatch
from services.common.idempotency import Idempotency, idempotent
from services.common.links import link
from services.common.openapi import answer_headers
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.common.unitofwork import UnitOfWorkRoute
from services.funding.bases import service
from services.funding.bases.dependencies import (
    BaseDepartment,
    BaseExitDecider,
    BaseKindAdmin,
    BaseReader,
)
from services.funding.bases.models import Base
from services.funding.bases.schemas import (
    BaseChangePublic,
    BaseCreate,
    BaseDecisionCreate,
    BaseExitCreate,
    BaseFilters,
    BaseKindCode,
    BaseKindPublic,
    BaseKindUpdate,
    BaseKpiCreate,
    BaseKpiPublic,
    BasePublic,
    BaseUpdate,
)

router = APIRouter(tags=["bases"], route_class=UnitOfWorkRoute)
OptionalIdem = Annotated[Idempotency | None, Depends(idempotent(required=False))]
Filters = Annotated[BaseFilters, Query()]
BaseId = Annotated[str, Path(max_length=40, description="The base's id (`bas_…`).")]
KindCode = Annotated[BaseKindCode, Path(description="The kind's code.")]
Year = Annotated[int, Path(ge=2015, le=2100, description="The calendar year.")]
WHO = (
    "Districts and responsible departments are `department` clients (`funding:accept`): a "
    "district's org is its district code (`xiaodian`, …), a responsible department's its "
    "department code (`science`, `sme_bureau`, `commerce`, `business_registration`). "
)


def _answer(base: Base, response: Response) -> BasePublic:
    response.headers["ETag"] = service.etag(base)
    return service.to_public(base)


@router.get(
    "/v1/base-kinds",
    name="list_base_kinds",
    summary="The five kinds of demonstration base",
    description="Each kind with its responsible department and admission standards (the "
    "plan's 准入标准: a checklist of criteria and an optional minimum area).",
    response_model=list[BaseKindPublic],
    responses=problem_responses(401, 403),
)
def list_base_kinds(session: SessionDep, _principal: BaseReader) -> list[BaseKindPublic]:
    return service.list_kinds(session=session)


@router.get(
    "/v1/base-kinds/{kind}",
    name="get_base_kind",
    summary="Read a kind of base and its standards",
    description="The kind's current standards; `ETag` for an update.",
    response_model=BaseKindPublic,
    responses={**problem_responses(401, 403, 404, 422), **answer_headers(200, "ETag")},
)
def get_base_kind(
    kind: KindCode, session: SessionDep, _principal: BaseReader, response: Response
) -> BaseKindPublic:
    found = service.get_kind(session=session, code=kind)
    response.headers["ETag"] = service.kind_etag(found)
    return service.kind_public(found)


@router.put(
    "/v1/base-kinds/{kind}",
    name="update_base_kind",
    summary="Set a kind's admission standards",
    description="The demonstration office approves the standards the responsible department "
    "proposes: the criteria checklist and an optional minimum area. A new version; decisions "
    "already taken keep the version they record. `If-Match` required. Announced as "
    "`base_kind.updated`.",
    response_model=BaseKindPublic,
    responses={**problem_responses(401, 403, 404, 412, 422, 428), **answer_headers(200, "ETag")},
)
def update_base_kind(
    kind: KindCode,
    body: BaseKindUpdate,
    precondition: IfMatch,
    principal: BaseKindAdmin,
    session: SessionDep,
    response: Response,
) -> BaseKindPublic:
    found = service.update_kind(
        session=session, principal=principal, code=kind, data=body, precondition=precondition
    )
    response.headers["ETag"] = service.kind_etag(found)
    return service.kind_public(found)


@router.post(
    "/v1/bases",
    name="file_base",
    summary="File a demonstration base (a district)",
    description=WHO + "A district files a base in its own district (403 `not_a_district` for "
    "another caller, `not_your_district` for another district), once it has opened (422 "
    "`opening_in_future`); an operator has one live (filed or admitted) base of a kind (409 "
    "`base_already_filed`). The kind's responsible department is recorded with it. Status "
    "`filed`. Announced as `base.filed`. `Idempotency-Key` optional.",
    status_code=201,
    response_model=BasePublic,
    responses={
        **problem_responses(400, 401, 403, 409, 422),
        **answer_headers(
            201,
            "ETag",
            "Location",
            links={
                "get_base": {"base_id": "$response.body#/id"},
                "get_base_history": {"base_id": "$response.body#/id"},
            },
        ),
    },
)
def file_base(
    body: BaseCreate,
    request: Request,
    principal: BaseDepartment,
    _idem: OptionalIdem,
    session: SessionDep,
    response: Response,
) -> BasePublic:
    base = service.file_base(session=session, principal=principal, data=body)
    response.headers["Location"] = link(request.scope, f"/v1/bases/{base.id}")
    return _answer(base, response)


@router.get(
    "/v1/bases",
    name="list_bases",
    summary="List demonstration bases",
    description="In filing order, filtered by `district`, `kind`, `status`, `department` and "
    "`operator_uscc` (AND); cursor-paginated.",
    response_model=Page[BasePublic],
    responses=problem_responses(401, 403, 422),
)
def list_bases(
    session: SessionDep,
    _principal: BaseReader,
    filters: Filters,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[BasePublic]:
    items, next_cursor = service.list_bases(
        session=session, filters=filters, limit=limit, cursor=cursor
    )
    return Page[BasePublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/bases/{base_id}",
    name="get_base",
    summary="Read a demonstration base",
    description="The base with its status, decision and exit; `ETag` for a change.",
    response_model=BasePublic,
    responses={**problem_responses(401, 403, 404), **answer_headers(200, "ETag")},
)
def get_base(
    base_id: BaseId, session: SessionDep, _principal: BaseReader, response: Response
) -> BasePublic:
    return _answer(service.get_base(session=session, base_id=base_id), response)


@router.patch(
    "/v1/bases/{base_id}",
    name="update_base",
    summary="Correct a base (its district)",
    description=WHO + "The base's district corrects its name, operator or area while it is "
    "filed or admitted (409 `base_status_conflict` after refusal or exit; 403 "
    "`not_your_district`). `If-Match` required. Recorded in the history with the values before "
    "and after; announced as `base.updated`.",
    response_model=BasePublic,
    responses={
        **problem_responses(401, 403, 404, 409, 412, 422, 428),
        **answer_headers(200, "ETag"),
    },
)
def update_base(
    base_id: BaseId,
    body: BaseUpdate,
    precondition: IfMatch,
    principal: BaseDepartment,
    session: SessionDep,
    response: Response,
) -> BasePublic:
    base = service.update_base(
        session=session,
        principal=principal,
        base_id=base_id,
        data=body,
        precondition=precondition,
    )
    return _answer(base, response)


@router.post(
    "/v1/bases/{base_id}/decision",
    name="decide_base",
    summary="Admit or refuse a filed base (its responsible department)",
    description=WHO + "Only the department responsible for the base's kind (403 "
    "`not_responsible_department`), once (409 `base_status_conflict` unless `filed`). The "
    "`assessment` says whether the base meets each criterion of the kind's current standards "
    "(422 `criterion_unknown` for a code not among them). **admit** needs every criterion "
    "assessed (422 `criteria_incomplete`), all met and the area at least the kind's minimum "
    "(422 `standards_not_met`, naming what is not met: refuse instead). **refuse** records as "
    "reasons the unmet criteria, an area below the minimum and the `reasons` given; at least "
    "one is needed (422 `refusal_reason_required`). The standards' version is recorded. "
    "`If-Match` optional. Announced as `base.admitted` / `base.refused`.",
    response_model=BasePublic,
    responses={
        **problem_responses(401, 403, 404, 409, 412, 422),
        **answer_headers(200, "ETag"),
    },
)
def decide_base(
    base_id: BaseId,
    body: BaseDecisionCreate,
    precondition: OptionalIfMatch,
    principal: BaseDepartment,
    session: SessionDep,
    response: Response,
) -> BasePublic:
    base = service.decide(
        session=session,
        principal=principal,
        base_id=base_id,
        data=body,
        precondition=precondition,
    )
    return _answer(base, response)


@router.post(
    "/v1/bases/{base_id}/exit",
    name="exit_base",
    summary="Decide that a base exits the programme (退出)",
    description="The responsible department or the demonstration office (403 "
    "`not_responsible_department` for another department) takes an admitted base out (409 "
    "`base_status_conflict` otherwise), with a reason. A base also exits by itself after two "
    "failed year-end acceptances in a row. `If-Match` optional. Announced as `base.exited`.",
    response_model=BasePublic,
    responses={
        **problem_responses(401, 403, 404, 409, 412, 422),
        **answer_headers(200, "ETag"),
    },
)
def exit_base(
    base_id: BaseId,
    body: BaseExitCreate,
    precondition: OptionalIfMatch,
    principal: BaseExitDecider,
    session: SessionDep,
    response: Response,
) -> BasePublic:
    base = service.exit_base(
        session=session,
        principal=principal,
        base_id=base_id,
        data=body,
        precondition=precondition,
    )
    return _answer(base, response)


@router.get(
    "/v1/bases/{base_id}/history",
    name="get_base_history",
    summary="A base's full history",
    description="Every change, oldest first: filing, corrections (before and after), the "
    "decision with its assessment, KPI reports and corrections (with the previous figures), "
    "acceptance results and exit; who and when. Cursor-paginated.",
    response_model=Page[BaseChangePublic],
    responses=problem_responses(401, 403, 404, 422),
)
def get_base_history(
    base_id: BaseId,
    session: SessionDep,
    _principal: BaseReader,
    limit: LimitQuery = 100,
    cursor: CursorQuery = None,
) -> Page[BaseChangePublic]:
    items, next_cursor = service.history(
        session=session, base_id=base_id, limit=limit, cursor=cursor
    )
    return Page[BaseChangePublic](items=items, next_cursor=next_cursor)


@router.put(
    "/v1/bases/{base_id}/kpis/{year}",
    name="report_base_kpis",
    summary="Report or correct a base's KPIs for a year (its district)",
    description=WHO + "The base's district (403 `not_your_district`) reports an admitted (or "
    "exited) base's figures (409 `base_status_conflict` otherwise) for a year from its "
    "opening to its exit (422 `kpi_year_invalid`), not a future one (422 `future_period`): "
    "enterprises incubated, jobs created, private money leveraged (fen), services delivered. "
    "One report per base and year: the first answers 201; a correction sends the report's "
    "`ETag` in `If-Match` (428 without it, 412 when stale) and answers 200 with the next "
    "version; `If-Match` on a year with no report yet is 412 (nothing to match, `*` included). Once the year's acceptance is recorded its figures are closed (409 "
    "`kpi_accepted`). Both are in the history (a correction with the previous figures) and "
    "announced as `base.kpi_reported`.",
    response_model=BaseKpiPublic,
    responses={
        **problem_responses(401, 403, 404, 409, 412, 422, 428),
        **answer_headers(200, "ETag"),
        **answer_headers(201, "ETag", "Location"),
    },
)
def report_base_kpis(
    base_id: BaseId,
    year: Year,
    body: BaseKpiCreate,
    request: Request,
    precondition: OptionalIfMatch,
    principal: BaseDepartment,
    session: SessionDep,
    response: Response,
) -> BaseKpiPublic:
    kpi, created = service.report_kpi(
        session=session,
        principal=principal,
        base_id=base_id,
        year=year,
        data=body,
        precondition=precondition,
    )
    if created:
        response.status_code = 201
        response.headers["Location"] = link(request.scope, f"/v1/bases/{base_id}/kpis/{year}")
    response.headers["ETag"] = service.kpi_etag(kpi)
    return service.kpi_public(kpi)


@router.get(
    "/v1/bases/{base_id}/kpis",
    name="list_base_kpis",
    summary="A base's KPI reports",
    description="Every year's report in its current version, by year.",
    response_model=list[BaseKpiPublic],
    responses=problem_responses(401, 403, 404),
)
def list_base_kpis(
    base_id: BaseId, session: SessionDep, _principal: BaseReader
) -> list[BaseKpiPublic]:
    return service.list_kpis(session=session, base_id=base_id)


@router.get(
    "/v1/bases/{base_id}/kpis/{year}",
    name="get_base_kpis",
    summary="A base's KPI report for a year",
    description="The current version (404 `kpi_not_found` if none); `ETag` for a correction.",
    response_model=BaseKpiPublic,
    responses={**problem_responses(401, 403, 404, 422), **answer_headers(200, "ETag")},
)
def get_base_kpis(
    base_id: BaseId, year: Year, session: SessionDep, _principal: BaseReader, response: Response
) -> BaseKpiPublic:
    kpi = service.get_kpi(session=session, base_id=base_id, year=year)
    response.headers["ETag"] = service.kpi_etag(kpi)
    return service.kpi_public(kpi)
