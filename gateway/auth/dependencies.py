"""FastAPI dependencies for the gateway's own routes: who calls, and may they."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from gateway.auth.authenticator import AuthError
from gateway.auth.caller import Caller
from gateway.auth.errors import MissingCredentials
from gateway.runtime import Gateway
from services.common.errors import InsufficientScope, Unauthorized

api_key_scheme = APIKeyHeader(name="X-API-Key", scheme_name="ApiKey", auto_error=False)
bearer_scheme = HTTPBearer(scheme_name="BearerAuth", auto_error=False)


def get_gateway(request: Request) -> Gateway:
    """The process's gateway state."""
    gateway: Gateway = request.app.state.gateway
    return gateway


GatewayDep = Annotated[Gateway, Depends(get_gateway)]


async def current_caller(
    request: Request,
    gateway: GatewayDep,
    api_key: Annotated[str | None, Security(api_key_scheme)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
) -> Caller:
    """The authenticated caller, or a 401 problem."""
    credential = bearer.credentials if bearer else api_key
    if not credential:
        raise MissingCredentials(
            "Send an API key (Authorization: Bearer or X-API-Key) or an access token.",
            headers={"WWW-Authenticate": 'Bearer realm="taiyuan-sme"'},
        )
    try:
        caller = await gateway.authenticator.authenticate(credential)
    except AuthError as exc:
        raise Unauthorized(
            exc.detail,
            code=exc.code,
            headers={"WWW-Authenticate": 'Bearer realm="taiyuan-sme", error="invalid_token"'},
        ) from exc
    request.state.principal = caller
    return caller


def require_scope(scope: str) -> Callable[..., Awaitable[Caller]]:
    """A dependency admitting callers that hold `scope` (else 403)."""

    async def dependency(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
        if scope not in caller.scopes:
            raise InsufficientScope(f"This needs the scope '{scope}'.")
        return caller

    return dependency


AdminCaller = Annotated[Caller, Depends(require_scope("admin"))]
