"""Delegations: enterprises (or admins, from a paper authorization) let a portal act for them."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from gateway.auth.dependencies import GatewayDep
from gateway.delegations import service
from gateway.delegations.dependencies import Grantor, Party
from gateway.delegations.models import Delegation
from gateway.delegations.schemas import (
    DelegationConfirm,
    DelegationCreate,
    DelegationPage,
    DelegationPublic,
)
from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.etag import OptionalIfMatch
from services.common.openapi import answer_headers
from services.common.pagination import CursorQuery
from services.common.unitofwork import UnitOfWorkDep, UnitOfWorkRoute

router = APIRouter(prefix="/v1/delegations", tags=["delegations"], route_class=UnitOfWorkRoute)
DelegationId = Annotated[
    str, Path(description="The delegation's id.", examples=["dlg_01J9Z3X7Q6T8V4N2M5K1H0G9F8"])
]
_AUTH = (401, 403, 429)


def _forget(gateway: GatewayDep, uow: UnitOfWorkDep, delegation: Delegation) -> None:
    """Drop this replica's cached answer for the pair once the change is committed."""
    portal, enterprise = delegation.portal_id, delegation.enterprise
    uow.after_commit(lambda: gateway.delegations.forget(portal, enterprise))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Delegate scopes to a portal",
    description="An enterprise lets a portal use some of its scopes for it until an expiry; an "
    "admin records a paper authorization the same way, naming the enterprise and the paper's "
    "reference. Takes effect at once.",
    operation_id="grant_delegation",
    response_model=DelegationPublic,
    responses={**problem_responses(*_AUTH, 422), **answer_headers(201, "Location", "ETag")},
)
def grant_delegation(
    body: DelegationCreate,
    session: SessionDep,
    gateway: GatewayDep,
    uow: UnitOfWorkDep,
    response: Response,
    caller: Grantor,
) -> DelegationPublic:
    delegation = service.grant(session, caller=caller, data=body)
    _forget(gateway, uow, delegation)
    response.headers["Location"] = f"/v1/delegations/{delegation.id}"
    response.headers["ETag"] = service.delegation_etag(delegation)
    return service.to_public(delegation)


@router.get(
    "",
    summary="List delegations",
    description="An enterprise lists those it granted, a portal those it holds, an admin all.",
    operation_id="list_delegations",
    response_model=DelegationPage,
    responses=problem_responses(*_AUTH, 422),
)
def list_delegations(
    session: SessionDep,
    caller: Party,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size.")] = 50,
    cursor: CursorQuery = None,
    enterprise: Annotated[
        str | None, Query(max_length=18, description="Only those of this enterprise.")
    ] = None,
    portal_id: Annotated[
        str | None, Query(max_length=40, description="Only those held by this portal.")
    ] = None,
) -> DelegationPage:
    rows, next_cursor = service.list_delegations(
        session,
        caller=caller,
        limit=limit,
        cursor=cursor,
        enterprise=enterprise,
        portal_id=portal_id,
    )
    return DelegationPage(items=[service.to_public(row) for row in rows], next_cursor=next_cursor)


@router.get(
    "/{delegation_id}",
    summary="Get a delegation",
    description="With an `ETag` to send as `If-Match` when revoking or confirming it.",
    operation_id="get_delegation",
    response_model=DelegationPublic,
    responses={**problem_responses(*_AUTH, 404), **answer_headers(200, "ETag")},
)
def get_delegation(
    delegation_id: DelegationId, session: SessionDep, caller: Party, response: Response
) -> DelegationPublic:
    delegation = service.get_delegation(session, caller=caller, delegation_id=delegation_id)
    response.headers["ETag"] = service.delegation_etag(delegation)
    return service.to_public(delegation)


@router.post(
    "/{delegation_id}/revocation",
    summary="Revoke a delegation",
    description="Ends the delegation at once on this replica, and within "
    "`GATEWAY_DELEGATION_CACHE_TTL_SECONDS` on the others. Revoking twice changes nothing. "
    "`If-Match` is optional; a stale one is 412 and revokes nothing.",
    operation_id="revoke_delegation",
    response_model=DelegationPublic,
    responses={**problem_responses(*_AUTH, 404, 412), **answer_headers(200, "ETag")},
)
def revoke_delegation(
    delegation_id: DelegationId,
    precondition: OptionalIfMatch,
    session: SessionDep,
    gateway: GatewayDep,
    uow: UnitOfWorkDep,
    response: Response,
    caller: Grantor,
) -> DelegationPublic:
    delegation = service.revoke(
        session, caller=caller, delegation_id=delegation_id, precondition=precondition
    )
    _forget(gateway, uow, delegation)
    response.headers["ETag"] = service.delegation_etag(delegation)
    return service.to_public(delegation)


@router.post(
    "/{delegation_id}/confirmation",
    summary="Confirm or extend a delegation",
    description="The enterprise confirms the filing-only delegation a portal earned by filing "
    "it (or extends any live one), setting its scopes and expiry. `If-Match` is optional; a "
    "stale one is 412 and changes nothing, so two confirmations made from one reading cannot "
    "both land.",
    operation_id="confirm_delegation",
    response_model=DelegationPublic,
    responses={**problem_responses(*_AUTH, 404, 409, 412, 422), **answer_headers(200, "ETag")},
)
def confirm_delegation(
    delegation_id: DelegationId,
    body: DelegationConfirm,
    precondition: OptionalIfMatch,
    session: SessionDep,
    gateway: GatewayDep,
    uow: UnitOfWorkDep,
    response: Response,
    caller: Grantor,
) -> DelegationPublic:
    delegation = service.confirm(
        session, caller=caller, delegation_id=delegation_id, data=body, precondition=precondition
    )
    _forget(gateway, uow, delegation)
    response.headers["ETag"] = service.delegation_etag(delegation)
    return service.to_public(delegation)
