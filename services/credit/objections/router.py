"""HTTP routes of objections (异议) and enterprises' statements on their records."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.etag import OptionalIfMatch
from services.common.idempotency import Idempotency, idempotent
from services.common.links import link
from services.common.openapi import answer_headers
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.common.unitofwork import UnitOfWorkRoute
from services.credit.objections import service
from services.credit.objections.dependencies import Objector, Reader, Resolver
from services.credit.objections.schemas import (
    CreditStatementCreate,
    CreditStatementPublic,
    ObjectionCreate,
    ObjectionFilters,
    ObjectionPublic,
    ObjectionResolutionCreate,
)

router = APIRouter(tags=["objections"], route_class=UnitOfWorkRoute)
OptionalIdem = Annotated[Idempotency | None, Depends(idempotent(required=False))]
Filters = Annotated[ObjectionFilters, Query()]


@router.post(
    "/v1/objections",
    name="open_credit_objection",
    summary="Dispute a credit record (异议)",
    description="The enterprise, or its portal on its behalf, disputes a record about it with a "
    "reason and evidence links. The record is shown as disputed in every report at once "
    "(`record.disputed`, `objection.opened`); its source department answers within 20 "
    "calendar days. One open objection per record (409 `record_already_disputed`). "
    "`Idempotency-Key` is optional; a retry with the same key returns the first answer.",
    status_code=201,
    response_model=ObjectionPublic,
    responses={
        **problem_responses(400, 401, 403, 404, 409, 422),
        **answer_headers(
            201,
            "ETag",
            "Location",
            links={"get_credit_objection": {"objection_id": "$response.body#/id"}},
        ),
    },
)
def open_credit_objection(
    body: ObjectionCreate,
    request: Request,
    response: Response,
    client: Objector,
    _idem: OptionalIdem,
    session: SessionDep,
) -> ObjectionPublic:
    objection = service.open_objection(session=session, client=client, data=body)
    response.headers.update(
        {
            "ETag": service.etag(objection),
            "Location": link(request.scope, f"/v1/objections/{objection.id}"),
        }
    )
    return service.to_public(objection)


@router.get(
    "/v1/objections",
    name="list_credit_objections",
    summary="List objections",
    description="Enterprises (and their portals) see their own, departments those against the "
    "records they filed, the office all. `overdue=true`: open objections past their deadline.",
    response_model=Page[ObjectionPublic],
    responses=problem_responses(401, 403, 422),
)
def list_credit_objections(
    session: SessionDep,
    client: Reader,
    filters: Filters,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[ObjectionPublic]:
    items, next_cursor = service.list_objections(
        session=session, client=client, filters=filters, limit=limit, cursor=cursor
    )
    return Page[ObjectionPublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/objections/{objection_id}",
    name="get_credit_objection",
    summary="Read one objection",
    description="Any objection the caller may not see answers 404.",
    response_model=ObjectionPublic,
    responses={**problem_responses(401, 403, 404), **answer_headers(200, "ETag")},
)
def get_credit_objection(
    objection_id: str, session: SessionDep, client: Reader, response: Response
) -> ObjectionPublic:
    objection = service.get_objection(session=session, client=client, objection_id=objection_id)
    response.headers["ETag"] = service.etag(objection)
    return service.to_public(objection)


@router.post(
    "/v1/objections/{objection_id}/resolution",
    name="resolve_credit_objection",
    summary="Answer an objection in writing",
    description="The record's source (the department, or the bank for its loan records) answers: `corrected` (with the corrected "
    "fields: a new record version, `record.corrected`), `upheld`, or `withdrawn` (the record is "
    "withdrawn, `record.withdrawn`). The record is no longer disputed (`record.undisputed`, "
    "`objection.resolved`). `If-Match` is optional (412 when stale).",
    response_model=ObjectionPublic,
    responses={
        **problem_responses(400, 401, 403, 404, 409, 412, 422),
        **answer_headers(200, "ETag"),
    },
)
def resolve_credit_objection(
    objection_id: str,
    body: ObjectionResolutionCreate,
    precondition: OptionalIfMatch,
    response: Response,
    client: Resolver,
    _idem: OptionalIdem,
    session: SessionDep,
) -> ObjectionPublic:
    objection = service.resolve_objection(
        session=session,
        client=client,
        objection_id=objection_id,
        data=body,
        precondition=precondition,
    )
    response.headers["ETag"] = service.etag(objection)
    return service.to_public(objection)


@router.post(
    "/v1/records/{record_id}/statements",
    name="add_credit_statement",
    summary="Attach the enterprise's statement to a record about it",
    description="The enterprise, or its portal on its behalf, adds its own statement to any "
    "record about it; every report shows it with the record. `Idempotency-Key` is optional.",
    status_code=201,
    response_model=CreditStatementPublic,
    responses={
        **problem_responses(400, 401, 403, 404, 409, 422),
        **answer_headers(201, "Location"),
    },
)
def add_credit_statement(
    record_id: str,
    body: CreditStatementCreate,
    request: Request,
    response: Response,
    client: Objector,
    _idem: OptionalIdem,
    session: SessionDep,
) -> CreditStatementPublic:
    public = service.add_statement(session=session, client=client, record_id=record_id, data=body)
    response.headers["Location"] = link(request.scope, f"/v1/records/{record_id}/statements")
    return public


@router.get(
    "/v1/records/{record_id}/statements",
    name="list_credit_statements",
    summary="A record's statements",
    description="For the enterprise, the record's source department and the office; banks "
    "read them in credit reports.",
    response_model=Page[CreditStatementPublic],
    responses=problem_responses(401, 403, 404),
)
def list_credit_statements(
    record_id: str, session: SessionDep, client: Reader
) -> Page[CreditStatementPublic]:
    return Page[CreditStatementPublic](
        items=service.list_statements(session=session, client=client, record_id=record_id)
    )
