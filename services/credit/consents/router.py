"""HTTP routes of consents."""

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
from services.credit.consents import service
from services.credit.consents.dependencies import Consenter, ConsentReader
from services.credit.consents.schemas import ConsentCreate, ConsentFilters, ConsentPublic

router = APIRouter(tags=["consents"], route_class=UnitOfWorkRoute)
OptionalIdem = Annotated[Idempotency | None, Depends(idempotent(required=False))]
Filters = Annotated[ConsentFilters, Query()]


@router.post(
    "/v1/consents",
    name="grant_consent",
    summary="Grant a bank consent to read the enterprise's credit report",
    description="The enterprise, or a portal on its behalf within a live delegation (recorded "
    "as `actor`), authorizes one bank for one purpose until `expires_on` (default 90 days, at "
    "most 365; a past day or a longer one is 422 naming the field). The enterprise must be in "
    "the register (422 `unknown_enterprise`). Announced as `consent.granted`. "
    "`Idempotency-Key` is optional; a retry with the same key returns the first answer.",
    status_code=201,
    response_model=ConsentPublic,
    responses={
        **problem_responses(400, 401, 403, 409, 422),
        **answer_headers(
            201, "ETag", "Location", links={"get_consent": {"consent_id": "$response.body#/id"}}
        ),
    },
)
def grant_consent(
    body: ConsentCreate,
    request: Request,
    client: Consenter,
    _idem: OptionalIdem,
    session: SessionDep,
    response: Response,
) -> ConsentPublic:
    consent = service.grant_consent(session=session, client=client, data=body)
    public = service.to_public(consent)
    response.headers.update(
        {
            "ETag": service.etag(consent),
            "Location": link(request.scope, f"/v1/consents/{public.id}"),
        }
    )
    return public


@router.get(
    "/v1/consents",
    name="list_consents",
    summary="List consents: an enterprise's own, or those granted to a bank",
    description="An enterprise (or its portal) sees the consents it granted; a bank those "
    "granted to it. `state` is read now: `active`, `expired` or `revoked`.",
    response_model=Page[ConsentPublic],
    responses=problem_responses(401, 403, 422),
)
def list_consents(
    session: SessionDep,
    client: ConsentReader,
    filters: Filters,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[ConsentPublic]:
    items, next_cursor = service.list_consents(
        session=session, client=client, filters=filters, limit=limit, cursor=cursor
    )
    return Page[ConsentPublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/consents/{consent_id}",
    name="get_consent",
    summary="Read one consent",
    description="Only the enterprise that granted it (or its portal) and the bank it names "
    "see it; anyone else gets 404.",
    response_model=ConsentPublic,
    responses={**problem_responses(401, 403, 404), **answer_headers(200, "ETag")},
)
def get_consent(
    consent_id: str, session: SessionDep, client: ConsentReader, response: Response
) -> ConsentPublic:
    consent = service.get_consent(session=session, client=client, consent_id=consent_id)
    response.headers["ETag"] = service.etag(consent)
    return service.to_public(consent)


@router.post(
    "/v1/consents/{consent_id}/revocation",
    name="revoke_consent",
    summary="Revoke a consent, effective at once",
    description="The enterprise, or a portal on its behalf. From this moment the bank reads "
    "no report under it. `If-Match` is optional (412 when stale); a revoked consent answers "
    "409. Announced as `consent.revoked`.",
    response_model=ConsentPublic,
    responses={**problem_responses(401, 403, 404, 409, 412), **answer_headers(200, "ETag")},
)
def revoke_consent(
    consent_id: str,
    precondition: OptionalIfMatch,
    session: SessionDep,
    client: Consenter,
    response: Response,
) -> ConsentPublic:
    consent = service.revoke_consent(
        session=session, client=client, consent_id=consent_id, precondition=precondition
    )
    response.headers["ETag"] = service.etag(consent)
    return service.to_public(consent)
