"""OAuth 2.0 client credentials (RFC 6749 §4.4) issuing RFC 9068 JWT access tokens."""

import base64
import binascii
import time
from typing import Annotated, Any
from urllib.parse import unquote_plus

import anyio.to_thread
from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from gateway.auth.authenticator import ACCESS_TOKEN_TYPE
from gateway.auth.caller import Caller
from gateway.auth.clientsecrets import VerifierBusy
from gateway.auth.dependencies import GatewayDep
from gateway.clients import service
from gateway.proxy.clientip import client_ip
from gateway.runtime import Gateway
from services.common.ids import new_id
from services.common.unitofwork import UnitOfWorkRoute

router = APIRouter(tags=["oauth"], route_class=UnitOfWorkRoute)
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class TokenResponse(BaseModel):
    """A successful token response (RFC 6749 §5.1)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJFZERTQSIsImtpZCI6Imd3LS4uLiIsInR5cCI6ImF0K2p3dCJ9…",
                    "token_type": "Bearer",
                    "expires_in": 600,
                    "scope": "credit:read credit:reports",
                }
            ]
        }
    )

    access_token: str = Field(description="An RFC 9068 JWT; send as `Authorization: Bearer`.")
    token_type: str = "Bearer"
    expires_in: int
    scope: str


class OAuthError(BaseModel):
    """An error response (RFC 6749 §5.2)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"error": "invalid_client", "error_description": "Client authentication failed."}
            ]
        }
    )

    error: str = Field(
        description="invalid_request, invalid_client, invalid_grant, unauthorized_client, "
        "unsupported_grant_type or invalid_scope."
    )
    error_description: str | None = None


def _error(status: int, error: str, description: str) -> JSONResponse:
    headers = dict(_NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="taiyuan-sme"'
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers=headers
    )


def _slow_down(retry_after: int) -> JSONResponse:
    response = _error(429, "slow_down", "Too many token requests; retry later.")
    response.headers["Retry-After"] = str(retry_after)
    return response


async def _invalid_client(gateway: Gateway, credential: str | None, address: str) -> JSONResponse:
    retry_after = await gateway.limiter.failed(credential=credential, address=address)
    if retry_after:
        return _slow_down(retry_after)
    return _error(401, "invalid_client", "Client authentication failed.")


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ("", "")
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return ("", "")
    return unquote_plus(client_id), unquote_plus(secret)


def issue_access_token(gateway: Gateway, caller: Caller, scopes: list[str]) -> tuple[str, int]:
    """Sign an RFC 9068 access token for a client and the granted scopes."""
    settings = gateway.settings
    now = int(time.time())
    ttl = settings.access_token_ttl_seconds
    claims: dict[str, Any] = {
        "iss": settings.issuer,
        "sub": caller.client_id,
        "aud": settings.access_token_audience,
        "client_id": caller.client_id,
        "iat": now,
        "exp": now + ttl,
        "jti": new_id("atk"),
        "scope": " ".join(scopes),
        "kind": caller.kind,
    }
    return gateway.signer.sign(claims, typ=ACCESS_TOKEN_TYPE), ttl


@router.post(
    "/oauth/token",
    summary="Get an access token (OAuth 2.0 client credentials)",
    description="Authenticate with HTTP Basic (`client_id:client_secret`) or with `client_id` "
    "and `client_secret` form fields. Errors follow RFC 6749 §5.2.",
    operation_id="create_token",
    response_model=TokenResponse,
    responses={
        400: {
            "model": OAuthError,
            "description": "invalid_request, unsupported_grant_type, invalid_scope",
        },
        401: {"model": OAuthError, "description": "invalid_client"},
        429: {"model": OAuthError, "description": "Too many attempts"},
        503: {
            "model": OAuthError,
            "description": "temporarily_unavailable: too many checks of older secrets at once",
        },
    },
    openapi_extra={"security": []},
)
async def create_token(
    request: Request,
    gateway: GatewayDep,
    grant_type: Annotated[str | None, Form(examples=["client_credentials"])] = None,
    scope: Annotated[str | None, Form(description="Space-separated scopes; omitted → all.")] = None,
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form()] = None,
) -> JSONResponse:
    peer = client_ip(
        request.client.host if request.client else "unknown",
        ", ".join(request.headers.getlist("x-forwarded-for")) or None,
        gateway.settings.trusted_proxies,
    )
    basic = _basic_credentials(request.headers.get("authorization"))
    if basic is not None:
        if client_secret is not None or (client_id is not None and client_id != basic[0]):
            return _error(400, "invalid_request", "Use one client authentication method, not two.")
        client_id, client_secret = basic
    credential = f"{client_id or ''}:{client_secret or ''}"
    limiter = gateway.limiter
    blocked = limiter.refused(credential)
    if blocked:
        return _slow_down(blocked)
    if not client_id or not client_secret:
        return await _invalid_client(gateway, None, peer)
    if grant_type is None:
        return _error(400, "invalid_request", "grant_type is required.")
    if grant_type != "client_credentials":
        return _error(400, "unsupported_grant_type", "Only client_credentials is supported.")

    def check() -> Caller | None:
        with gateway.database.session(write=False) as session:
            found = service.check_client_secret(
                session, client_id=client_id, secret=client_secret, verifier=gateway.secrets
            )
        if found is None:
            return None
        caller, legacy = found
        if legacy:
            with gateway.database.transaction() as session:
                service.rehash_client_secret(session, client_id=client_id, secret=client_secret)
        return caller

    try:
        caller = await anyio.to_thread.run_sync(check)
    except VerifierBusy:
        response = _error(503, "temporarily_unavailable", "Too many secret checks; retry shortly.")
        response.headers["Retry-After"] = "1"
        return response
    if caller is None:
        return await _invalid_client(gateway, credential, peer)
    # Counted per client, once authenticated: others sharing its address cannot use it up.
    decision = await limiter.hit(identity=caller.client_id, klass="token")
    if not decision.allowed:
        return _slow_down(decision.retry_after)
    requested = scope.split() if scope else sorted(caller.scopes)
    refused = [item for item in requested if item not in caller.scopes]
    if refused:
        return _error(400, "invalid_scope", f"Not granted to this client: {' '.join(refused)}.")
    token, ttl = issue_access_token(gateway, caller, requested)
    return JSONResponse(
        {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": ttl,
            "scope": " ".join(requested),
        },
        headers=_NO_STORE,
    )
