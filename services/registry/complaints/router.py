"""HTTP routes of the complaint centre."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.etag import OptionalIfMatch
from services.common.idempotency import Idempotency, idempotent
from services.common.openapi import answer_headers
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.common.unitofwork import UnitOfWorkRoute
from services.registry.complaints import service
from services.registry.complaints.dependencies import Reader, Staff, Writer
from services.registry.complaints.schemas import (
    ComplaintClass,
    ComplaintCreate,
    ComplaintDetail,
    ComplaintPublic,
    ComplaintReceipt,
    ComplaintState,
    ComplaintStats,
    ComplaintTracking,
    Department,
    StateMachine,
    TrackingLookup,
    TransitionCreate,
)

router = APIRouter(tags=["complaints"], route_class=UnitOfWorkRoute)

Idem = Annotated[Idempotency | None, Depends(idempotent(required=False))]
ComplaintPath = Annotated[
    str,
    Path(max_length=40, description="Complaint id.", examples=["cmp_01JA2B3C4D5E6F7G8H9J0KMNPQ"]),
]


@router.post(
    "/v1/complaints",
    summary="File a complaint",
    description="Enterprises (or portals for them) complain; `anonymous` keeps the enterprise "
    "off the record. Ordinary complaints go to the responsible department with a deadline of "
    "10 Asia/Shanghai working days; policy complaints to the SME bureau to investigate and "
    "report (20); urgent ones are escalated at once to the mayor's office (1). The answer "
    "carries the ticket and an access code (shown only here) for the public status page. An "
    "`Idempotency-Key` makes retries safe.",
    operation_id="file_complaint",
    status_code=201,
    response_model=ComplaintReceipt,
    responses={**problem_responses(400, 401, 403, 409, 422), **answer_headers(201, "ETag")},
)
def file_complaint(
    body: ComplaintCreate,
    session: SessionDep,
    client: Writer,
    _idem: Idem,
    response: Response,
) -> ComplaintReceipt:
    receipt, etag = service.file_complaint(session, body=body, principal=client)
    response.headers["ETag"] = etag
    return receipt


@router.get(
    "/v1/complaints",
    summary="List complaints",
    description="Administrators see all; a department its own (by its token's `org`); an "
    "enterprise or portal the complaints it filed under its name. Oldest first.",
    operation_id="list_complaints",
    response_model=Page[ComplaintPublic],
    responses=problem_responses(401, 403, 422),
)
def list_complaints(
    session: SessionDep,
    client: Reader,
    state: Annotated[ComplaintState | None, Query()] = None,
    department: Annotated[Department | None, Query()] = None,
    complaint_class: Annotated[ComplaintClass | None, Query()] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[ComplaintPublic]:
    items, next_cursor = service.list_complaints(
        session,
        principal=client,
        state=state,
        department=department,
        complaint_class=complaint_class,
        overdue_only=False,
        limit=limit,
        cursor=cursor,
    )
    return Page[ComplaintPublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/complaints/overdue",
    summary="List overdue complaints",
    description="Open complaints past their deadline (Asia/Shanghai working days); departments "
    "see their own.",
    operation_id="list_overdue_complaints",
    response_model=Page[ComplaintPublic],
    responses=problem_responses(401, 403, 422),
)
def list_overdue_complaints(
    session: SessionDep,
    client: Reader,
    _staff: Staff,
    department: Annotated[Department | None, Query()] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[ComplaintPublic]:
    items, next_cursor = service.list_complaints(
        session,
        principal=client,
        state=None,
        department=department,
        complaint_class=None,
        overdue_only=True,
        limit=limit,
        cursor=cursor,
    )
    return Page[ComplaintPublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/complaints/stats",
    summary="Complaint counts and on-time rate per department",
    description="Per (current) department: total, open, overdue, answered, answered on time, "
    "and the on-time rate = answered on time ÷ (answered + overdue). Departments see their own.",
    operation_id="get_complaint_stats",
    response_model=ComplaintStats,
    responses=problem_responses(401, 403, 422),
)
def get_complaint_stats(
    session: SessionDep,
    client: Reader,
    _staff: Staff,
    department: Annotated[Department | None, Query()] = None,
) -> ComplaintStats:
    return service.stats(session, principal=client, department=department)


@router.get(
    "/v1/complaints/state-machine",
    summary="Get the complaint state machine",
    description="Initial state and deadline by class, and every allowed transition with who "
    "may take it. Anything else is answered 409 `illegal_transition`.",
    operation_id="get_complaint_state_machine",
    response_model=StateMachine,
    responses=problem_responses(401, 403),
)
def get_complaint_state_machine(_client: Reader) -> StateMachine:
    return service.state_machine()


@router.get(
    "/v1/complaints/{complaint_id}",
    summary="Get a complaint",
    description="With its history and an `ETag` (usable as `If-Match` on transitions).",
    operation_id="get_complaint",
    response_model=ComplaintDetail,
    responses={**problem_responses(401, 403, 404, 422), **answer_headers(200, "ETag")},
)
def get_complaint(
    complaint_id: ComplaintPath, session: SessionDep, client: Reader, response: Response
) -> ComplaintDetail:
    detail, etag = service.get_complaint(session, complaint_id=complaint_id, principal=client)
    response.headers["ETag"] = etag
    return detail


@router.post(
    "/v1/complaints/{complaint_id}/transitions",
    summary="Act on a complaint",
    description="Applies one action of the state machine (`GET /v1/complaints/state-machine`); "
    "an action not allowed from the current state is 409 `illegal_transition`. `If-Match` is "
    "optional; a stale one is 412.",
    operation_id="transition_complaint",
    response_model=ComplaintDetail,
    responses={**problem_responses(401, 403, 404, 409, 412, 422), **answer_headers(200, "ETag")},
)
def transition_complaint(
    complaint_id: ComplaintPath,
    body: TransitionCreate,
    precondition: OptionalIfMatch,
    response: Response,
    session: SessionDep,
    client: Writer,
) -> ComplaintDetail:
    detail, etag = service.transition(
        session,
        complaint_id=complaint_id,
        body=body,
        principal=client,
        etag_check=precondition,
    )
    response.headers["ETag"] = etag
    return detail


@router.post(
    "/v1/public/complaints/lookup",
    summary="Follow a complaint by ticket",
    description="No token needed: the ticket and its access code give the complaint's status "
    "and steps, without contact details or internal notes. Any mismatch is the same 404.",
    operation_id="track_complaint",
    response_model=ComplaintTracking,
    responses=problem_responses(404, 422),
)
def track_complaint(body: TrackingLookup, session: SessionDep) -> ComplaintTracking:
    return service.track(session, body=body)
