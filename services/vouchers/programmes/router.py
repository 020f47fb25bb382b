"""HTTP routes of voucher programmes."""

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
from services.vouchers.programmes import service
from services.vouchers.programmes.dependencies import ProgrammeAdmin, ProgrammeReader
from services.vouchers.programmes.models import Programme
from services.vouchers.programmes.schemas import (
    VoucherProgrammeCreate,
    VoucherProgrammeFilters,
    VoucherProgrammePublic,
    VoucherProgrammeUpdate,
)

router = APIRouter(tags=["programmes"], route_class=UnitOfWorkRoute)
OptionalIdem = Annotated[Idempotency | None, Depends(idempotent(required=False))]
Filters = Annotated[VoucherProgrammeFilters, Query()]
ProgrammeId = Annotated[str, Path(max_length=40, description="The programme's id.")]


def _answer(programme: Programme, response: Response) -> VoucherProgrammePublic:
    response.headers["ETag"] = service.etag(programme)
    return service.to_public(programme)


@router.post(
    "/v1/programmes",
    name="create_voucher_programme",
    summary="Create a voucher programme (a draft)",
    description="Admins only. Kind `startup` (创业券) or `innovation` (创新券), the budget, a "
    "voucher's face value (not above the budget: 422 `face_value_exceeds_budget`), the share of "
    "a contract it may pay, the yearly cap per enterprise (not below the face value: 422 "
    "`cap_below_face_value`), validity, categories, and optionally an eligibility rule set "
    "(422 `unknown_rule_set`). A kind/year/name in use is 409 `programme_name_taken`. Announced "
    "as `programme.created`. `Idempotency-Key` is optional; a retry returns the first answer.",
    status_code=201,
    response_model=VoucherProgrammePublic,
    responses={
        **problem_responses(400, 401, 403, 409, 422),
        **answer_headers(
            201,
            "ETag",
            "Location",
            links={"get_voucher_programme": {"programme_id": "$response.body#/id"}},
        ),
    },
)
def create_voucher_programme(
    body: VoucherProgrammeCreate,
    request: Request,
    principal: ProgrammeAdmin,
    _idem: OptionalIdem,
    session: SessionDep,
    response: Response,
) -> VoucherProgrammePublic:
    programme = service.create_programme(session=session, principal=principal, data=body)
    response.headers["Location"] = link(request.scope, f"/v1/programmes/{programme.id}")
    return _answer(programme, response)


@router.get(
    "/v1/programmes",
    name="list_voucher_programmes",
    summary="List voucher programmes",
    description="Admins see drafts too; everyone else open and closed programmes.",
    response_model=Page[VoucherProgrammePublic],
    responses=problem_responses(401, 403, 422),
)
def list_voucher_programmes(
    session: SessionDep,
    principal: ProgrammeReader,
    filters: Filters,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[VoucherProgrammePublic]:
    items, next_cursor = service.list_programmes(
        session=session, principal=principal, filters=filters, limit=limit, cursor=cursor
    )
    return Page[VoucherProgrammePublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/public/programmes",
    name="list_public_voucher_programmes",
    summary="Open voucher programmes (public)",
    description="Programmes open for applications, with their terms and remaining budget.",
    response_model=Page[VoucherProgrammePublic],
    responses=problem_responses(422),
)
def list_public_voucher_programmes(
    session: SessionDep,
    filters: Filters,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[VoucherProgrammePublic]:
    items, next_cursor = service.list_programmes(
        session=session, principal=None, filters=filters, limit=limit, cursor=cursor, public=True
    )
    return Page[VoucherProgrammePublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/programmes/{programme_id}",
    name="get_voucher_programme",
    summary="Read a voucher programme",
    description="A draft is 404 `programme_not_found` for anyone but an admin.",
    response_model=VoucherProgrammePublic,
    responses={**problem_responses(401, 403, 404), **answer_headers(200, "ETag")},
)
def get_voucher_programme(
    programme_id: ProgrammeId, session: SessionDep, principal: ProgrammeReader, response: Response
) -> VoucherProgrammePublic:
    programme = service.get_programme(
        session=session, programme_id=programme_id, principal=principal
    )
    return _answer(programme, response)


@router.patch(
    "/v1/programmes/{programme_id}",
    name="update_voucher_programme",
    summary="Change a voucher programme",
    description="Send the ETag in `If-Match` (428 without, 412 stale). Any term while draft; "
    "an open programme changes only `budget_fen` and `auto_approve` (409 "
    "`programme_not_draft`), a closed one nothing (409 `programme_closed`). The budget never "
    "goes below what is committed (409 `budget_below_committed`).",
    response_model=VoucherProgrammePublic,
    responses={
        **problem_responses(401, 403, 404, 409, 412, 422, 428),
        **answer_headers(200, "ETag"),
    },
)
def update_voucher_programme(
    programme_id: ProgrammeId,
    body: VoucherProgrammeUpdate,
    precondition: IfMatch,
    principal: ProgrammeAdmin,
    session: SessionDep,
    response: Response,
) -> VoucherProgrammePublic:
    programme = service.update_programme(
        session=session,
        principal=principal,
        programme_id=programme_id,
        data=body,
        precondition=precondition,
    )
    return _answer(programme, response)


@router.post(
    "/v1/programmes/{programme_id}/opening",
    name="open_voucher_programme",
    summary="Open a draft programme for applications",
    description="Draft → open (409 `programme_transition_invalid` otherwise); a programme "
    "without its own rule set needs its kind's default in force (409 "
    "`no_rule_set_in_force`). `If-Match` optional. Announced as `programme.opened`.",
    response_model=VoucherProgrammePublic,
    responses={
        **problem_responses(401, 403, 404, 409, 412),
        **answer_headers(200, "ETag"),
    },
)
def open_voucher_programme(
    programme_id: ProgrammeId,
    precondition: OptionalIfMatch,
    principal: ProgrammeAdmin,
    session: SessionDep,
    response: Response,
) -> VoucherProgrammePublic:
    programme = service.open_programme(
        session=session, principal=principal, programme_id=programme_id, precondition=precondition
    )
    return _answer(programme, response)


@router.post(
    "/v1/programmes/{programme_id}/closing",
    name="close_voucher_programme",
    summary="Close an open programme",
    description="Open → closed (409 `programme_transition_invalid` otherwise): no more "
    "applications or issuance; issued vouchers stay spendable until they expire. `If-Match` "
    "optional. Announced as `programme.closed`.",
    response_model=VoucherProgrammePublic,
    responses={
        **problem_responses(401, 403, 404, 409, 412),
        **answer_headers(200, "ETag"),
    },
)
def close_voucher_programme(
    programme_id: ProgrammeId,
    precondition: OptionalIfMatch,
    principal: ProgrammeAdmin,
    session: SessionDep,
    response: Response,
) -> VoucherProgrammePublic:
    programme = service.close_programme(
        session=session, principal=principal, programme_id=programme_id, precondition=precondition
    )
    return _answer(programme, response)
