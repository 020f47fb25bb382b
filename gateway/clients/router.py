"""Admin API for partner clients, their API keys and OAuth secrets (`admin` scope)."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response, status

from gateway.auth.dependencies import AdminCaller, GatewayDep
from gateway.clients import service
from gateway.clients.models import ApiKey, Client
from gateway.clients.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyList,
    ApiKeyPublic,
    ClientCreate,
    ClientCreated,
    ClientKind,
    ClientPage,
    ClientPublic,
    ClientSecretPublic,
    ClientUpdate,
    RateLimits,
)
from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.etag import REQUIRED_HEADER, etag_of
from services.common.openapi import answer_headers
from services.common.pagination import CursorQuery
from services.common.unitofwork import UnitOfWorkDep, UnitOfWorkRoute

router = APIRouter(prefix="/admin/v1/clients", tags=["clients"], route_class=UnitOfWorkRoute)
ClientId = Annotated[
    str, Path(description="The client's id.", examples=["cli_01J9Z3X7Q6T8V4N2M5K1H0G9F8"])
]
KeyId = Annotated[
    str, Path(description="The key's id.", examples=["key_01J9Z3X7Q6T8V4N2M5K1H0G9F8"])
]
_AUTH = (401, 403, 429)


def client_out(client: Client) -> ClientPublic:
    """The public view of a client row."""
    return ClientPublic(
        id=client.id,
        name=client.name,
        kind=client.kind,  # type: ignore[arg-type]
        org=client.org,
        scopes=list(client.scopes),
        rate_limits=RateLimits(**client.rate_limits) if client.rate_limits else None,
        status=client.status,  # type: ignore[arg-type]
        has_client_secret=client.secret_hash is not None,
        created_at=client.created_at,
        updated_at=client.updated_at,
    )


def key_out(key: ApiKey) -> ApiKeyPublic:
    """The public view of a key row."""
    return ApiKeyPublic.model_validate(key, from_attributes=True)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a client",
    description="Creates a client of a kind; its first API key and (optionally) OAuth client "
    "secret are in the answer and never shown again.",
    operation_id="create_client",
    response_model=ClientCreated,
    responses=problem_responses(*_AUTH, 422),
)
def create_client(
    body: ClientCreate, session: SessionDep, gateway: GatewayDep, uow: UnitOfWorkDep, _: AdminCaller
) -> ClientCreated:
    client, key, secret = service.create_client(
        session, data=body, key_prefix=gateway.settings.api_key_prefix
    )
    uow.after_commit(gateway.authenticator.forget_unknown)
    return ClientCreated(
        client=client_out(client),
        api_key=ApiKeyCreated(**key_out(key[0]).model_dump(), key=key[1]) if key else None,
        client_secret=secret,
    )


@router.get(
    "",
    summary="List clients",
    operation_id="list_clients",
    response_model=ClientPage,
    responses=problem_responses(*_AUTH, 422),
)
def list_clients(
    session: SessionDep,
    _: AdminCaller,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size.")] = 50,
    cursor: CursorQuery = None,
    kind: Annotated[ClientKind | None, Query(description="Only clients of this kind.")] = None,
) -> ClientPage:
    rows, next_cursor = service.list_clients(session, limit=limit, cursor=cursor, kind=kind)
    return ClientPage(items=[client_out(row) for row in rows], next_cursor=next_cursor)


@router.get(
    "/{client_id}",
    summary="Get a client",
    operation_id="get_client",
    response_model=ClientPublic,
    responses={**problem_responses(*_AUTH, 404), **answer_headers(200, "ETag")},
)
def get_client(
    client_id: ClientId, session: SessionDep, response: Response, _: AdminCaller
) -> ClientPublic:
    client = service.get_client(session, client_id=client_id)
    response.headers["ETag"] = etag_of(client.id, client.version)
    return client_out(client)


@router.patch(
    "/{client_id}",
    summary="Change a client's name, scopes or rate limits",
    description="Send the client's current ETag in If-Match. Scopes stay within the defaults "
    "of the client's kind; `rate_limits: null` returns the client to the default limits. "
    "Changes apply to new requests within the key cache time.",
    operation_id="update_client",
    response_model=ClientPublic,
    responses={**problem_responses(*_AUTH, 404, 412, 422, 428), **answer_headers(200, "ETag")},
)
def update_client(
    client_id: ClientId,
    body: ClientUpdate,
    session: SessionDep,
    gateway: GatewayDep,
    uow: UnitOfWorkDep,
    response: Response,
    _: AdminCaller,
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description="The client's current ETag (428 without it, 412 when stale).",
            json_schema_extra={REQUIRED_HEADER: True},
        ),
    ] = None,
) -> ClientPublic:
    client = service.update_client(session, client_id=client_id, data=body, if_match=if_match)
    uow.after_commit(lambda: gateway.authenticator.invalidate(client_id))
    response.headers["ETag"] = etag_of(client.id, client.version)
    return client_out(client)


def _set_status(
    session: SessionDep, gateway: GatewayDep, uow: UnitOfWorkDep, client_id: str, new: str
) -> ClientPublic:
    client = service.set_status(session, client_id=client_id, status=new)
    uow.after_commit(lambda: gateway.authenticator.invalidate(client_id))
    return client_out(client)


@router.post(
    "/{client_id}/suspend",
    summary="Suspend a client",
    description="Its keys and tokens stop working at once on this replica, and within "
    "`GATEWAY_KEY_CACHE_TTL_SECONDS` on the others.",
    operation_id="suspend_client",
    response_model=ClientPublic,
    responses=problem_responses(*_AUTH, 404),
)
def suspend_client(
    client_id: ClientId,
    session: SessionDep,
    gateway: GatewayDep,
    uow: UnitOfWorkDep,
    _: AdminCaller,
) -> ClientPublic:
    return _set_status(session, gateway, uow, client_id, "suspended")


@router.post(
    "/{client_id}/activate",
    summary="Reactivate a suspended client",
    operation_id="activate_client",
    response_model=ClientPublic,
    responses=problem_responses(*_AUTH, 404),
)
def activate_client(
    client_id: ClientId,
    session: SessionDep,
    gateway: GatewayDep,
    uow: UnitOfWorkDep,
    _: AdminCaller,
) -> ClientPublic:
    return _set_status(session, gateway, uow, client_id, "active")


@router.delete(
    "/{client_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a client",
    description="Revokes all its keys and its secret; the record is kept for audit.",
    operation_id="delete_client",
    responses=problem_responses(*_AUTH, 404),
)
def delete_client(
    client_id: ClientId,
    session: SessionDep,
    gateway: GatewayDep,
    uow: UnitOfWorkDep,
    _: AdminCaller,
) -> Response:
    service.delete_client(session, client_id=client_id)
    uow.after_commit(lambda: gateway.authenticator.invalidate(client_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{client_id}/keys",
    status_code=status.HTTP_201_CREATED,
    summary="Add an API key",
    description="Several keys may be active at once: add the new key, switch, revoke the old.",
    operation_id="create_api_key",
    response_model=ApiKeyCreated,
    responses=problem_responses(*_AUTH, 404, 422),
)
def create_api_key(
    client_id: ClientId,
    body: ApiKeyCreate,
    session: SessionDep,
    gateway: GatewayDep,
    uow: UnitOfWorkDep,
    _: AdminCaller,
) -> ApiKeyCreated:
    expires_at: datetime | None = body.expires_at
    row, key = service.create_api_key(
        session,
        client_id=client_id,
        prefix=gateway.settings.api_key_prefix,
        label=body.label,
        expires_at=expires_at,
    )
    uow.after_commit(gateway.authenticator.forget_unknown)
    return ApiKeyCreated(**key_out(row).model_dump(), key=key)


@router.get(
    "/{client_id}/keys",
    summary="List a client's API keys",
    operation_id="list_api_keys",
    response_model=ApiKeyList,
    responses=problem_responses(*_AUTH, 404),
)
def list_api_keys(client_id: ClientId, session: SessionDep, _: AdminCaller) -> ApiKeyList:
    return ApiKeyList(
        items=[key_out(row) for row in service.list_api_keys(session, client_id=client_id)]
    )


@router.delete(
    "/{client_id}/keys/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an API key",
    operation_id="revoke_api_key",
    responses=problem_responses(*_AUTH, 404),
)
def revoke_api_key(
    client_id: ClientId,
    key_id: KeyId,
    session: SessionDep,
    gateway: GatewayDep,
    uow: UnitOfWorkDep,
    _: AdminCaller,
) -> Response:
    service.revoke_api_key(session, client_id=client_id, key_id=key_id)
    uow.after_commit(lambda: gateway.authenticator.invalidate(client_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{client_id}/secret",
    status_code=status.HTTP_201_CREATED,
    summary="Issue a new OAuth client secret",
    description="The previous secret stops working; tokens already issued run to their expiry.",
    operation_id="rotate_client_secret",
    response_model=ClientSecretPublic,
    responses=problem_responses(*_AUTH, 404),
)
def rotate_client_secret(
    client_id: ClientId, session: SessionDep, _: AdminCaller
) -> ClientSecretPublic:
    return ClientSecretPublic(
        client_id=client_id, client_secret=service.rotate_secret(session, client_id=client_id)
    )
