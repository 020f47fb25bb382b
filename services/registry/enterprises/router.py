"""HTTP routes of the enterprise register."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.etag import IfMatch, OptionalIfMatch, etag_of
from services.common.idempotency import Idempotency, idempotent
from services.common.links import link
from services.common.openapi import answer_headers
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.common.unitofwork import UnitOfWorkRoute
from services.registry.enterprises import service
from services.registry.enterprises.dependencies import Reader, Writer
from services.registry.enterprises.schemas import (
    DeregistrationCreate,
    EnterpriseChangePublic,
    EnterpriseCountsPublic,
    EnterpriseCreate,
    EnterpriseFilters,
    EnterprisePublic,
    EnterpriseUpdate,
)
from services.registry.settings import IdKey

router = APIRouter(tags=["enterprises"], route_class=UnitOfWorkRoute)
OptionalIdem = Annotated[Idempotency | None, Depends(idempotent(required=False))]
Filters = Annotated[EnterpriseFilters, Query()]
# What a client reads next about the enterprise it filed (OpenAPI links).
_USCC = {"uscc": "$response.body#/uscc"}
ENTERPRISE_LINKS = {
    "get_enterprise": _USCC,
    "get_enterprise_history": _USCC,
    "get_enterprise_indicators": _USCC,
}


def _headers(public: EnterprisePublic) -> dict[str, str]:
    return {"ETag": etag_of(public.uscc, public.version)}


@router.post(
    "/v1/enterprises",
    name="file_enterprise",
    summary="File a small or micro enterprise (备案)",
    description="Enterprises file for themselves, portals on behalf of the enterprise in their "
    "token, departments for any. The code, district, industry and size class are checked: only "
    "small and micro enterprises may file. `Idempotency-Key` is optional; a retry with the same "
    "key returns the first answer.",
    status_code=201,
    response_model=EnterprisePublic,
    responses={
        **problem_responses(400, 401, 403, 409, 422),
        **answer_headers(201, "ETag", "Location", links=ENTERPRISE_LINKS),
    },
)
def file_enterprise(
    body: EnterpriseCreate,
    request: Request,
    client: Writer,
    _idem: OptionalIdem,
    session: SessionDep,
    key: IdKey,
    response: Response,
) -> EnterprisePublic:
    enterprise = service.file_enterprise(session=session, client=client, data=body, id_key=key)
    public = service.to_public(enterprise)
    response.headers.update(
        {**_headers(public), "Location": link(request.scope, f"/v1/enterprises/{public.uscc}")}
    )
    return public


@router.get(
    "/v1/enterprises",
    name="search_enterprises",
    summary="Search filed enterprises",
    description="Filters combine with AND; `industry` takes a section letter or a code prefix; "
    "`name` matches a part of the name. Enterprises and portals see only their own enterprise.",
    response_model=Page[EnterprisePublic],
    responses=problem_responses(401, 403, 422),
)
def search_enterprises(
    session: SessionDep,
    client: Reader,
    filters: Filters,
    key: IdKey,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[EnterprisePublic]:
    items, next_cursor = service.search_enterprises(
        session=session, client=client, filters=filters, limit=limit, cursor=cursor, id_key=key
    )
    return Page[EnterprisePublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/enterprises/counts",
    name="count_enterprises",
    summary="Count enterprises by district, industry and size class",
    description="Takes the same filters as the search. Departments and the demonstration office only.",
    response_model=EnterpriseCountsPublic,
    responses=problem_responses(401, 403, 422),
)
def count_enterprises(
    session: SessionDep, client: Reader, filters: Filters, key: IdKey
) -> EnterpriseCountsPublic:
    return service.count_enterprises(session=session, client=client, filters=filters, id_key=key)


@router.get(
    "/v1/enterprises/{uscc}",
    name="get_enterprise",
    summary="Read one enterprise by its unified social credit code",
    description="An enterprise or portal sees only its own enterprise: any other code answers 404.",
    response_model=EnterprisePublic,
    responses={**problem_responses(401, 403, 404), **answer_headers(200, "ETag")},
)
def get_enterprise(
    uscc: str, session: SessionDep, client: Reader, response: Response
) -> EnterprisePublic:
    public = service.to_public(service.get_enterprise(session=session, client=client, uscc=uscc))
    response.headers.update(_headers(public))
    return public


@router.patch(
    "/v1/enterprises/{uscc}",
    name="update_enterprise",
    summary="Update an enterprise",
    description="Send the current ETag in `If-Match` (428 without it, 412 when stale). The size "
    "class is recomputed; the change is recorded in the history and announced as "
    "`enterprise.updated` with the changed fields. A deregistered enterprise answers 409.",
    response_model=EnterprisePublic,
    responses={
        **problem_responses(401, 403, 404, 409, 412, 422, 428),
        **answer_headers(200, "ETag"),
    },
)
def update_enterprise(
    uscc: str,
    body: EnterpriseUpdate,
    precondition: IfMatch,
    response: Response,
    session: SessionDep,
    client: Writer,
    key: IdKey,
) -> EnterprisePublic:
    enterprise = service.update_enterprise(
        session=session,
        client=client,
        uscc=uscc,
        changes=body,
        precondition=precondition,
        id_key=key,
    )
    public = service.to_public(enterprise)
    response.headers.update(_headers(public))
    return public


@router.get(
    "/v1/enterprises/{uscc}/history",
    name="get_enterprise_history",
    summary="An enterprise's change history",
    description="Filing, then every update and the deregistration: who, when, which fields.",
    response_model=Page[EnterpriseChangePublic],
    responses=problem_responses(401, 403, 404),
)
def get_enterprise_history(
    uscc: str, session: SessionDep, client: Reader
) -> Page[EnterpriseChangePublic]:
    return Page[EnterpriseChangePublic](
        items=service.enterprise_history(session=session, client=client, uscc=uscc)
    )


@router.post(
    "/v1/enterprises/{uscc}/deregistration",
    name="deregister_enterprise",
    summary="Deregister an enterprise (简易注销)",
    description="Simplified deregistration with a reason. `If-Match` is optional; every later "
    "write to the enterprise answers 409. Announced as `enterprise.deregistered`.",
    response_model=EnterprisePublic,
    responses={**problem_responses(401, 403, 404, 409, 412, 422), **answer_headers(200, "ETag")},
)
def deregister_enterprise(
    uscc: str,
    body: DeregistrationCreate,
    precondition: OptionalIfMatch,
    response: Response,
    session: SessionDep,
    client: Writer,
) -> EnterprisePublic:
    enterprise = service.deregister_enterprise(
        session=session,
        client=client,
        uscc=uscc,
        data=body,
        precondition=precondition,
    )
    public = service.to_public(enterprise)
    response.headers.update(_headers(public))
    return public
