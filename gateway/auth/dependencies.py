"""FastAPI dependencies for the gateway's own routes: who calls, and may they."""

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from gateway.auth.authenticator import AuthError
from gateway.auth.caller import Caller
from gateway.auth.errors import MissingCredentials, RateLimited, TooManyAuthFailures
from gateway.proxy.clientip import client_ip
from gateway.runtime import Gateway
from services.common.errors import ForbiddenClientKind, InsufficientScope, Unauthorized
from services.common.identity import ClientKind, Requirement

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
    limiter = gateway.limiter
    blocked = limiter.refused(credential)
    if blocked:
        raise _auth_limited(blocked)
    try:
        caller = await gateway.authenticator.authenticate(credential)
    except AuthError as exc:
        address = client_ip(
            request.client.host if request.client else "unknown",
            ", ".join(request.headers.getlist("x-forwarded-for")) or None,
            gateway.settings.trusted_proxies,
        )
        retry_after = await limiter.failed(credential=credential, address=address)
        if retry_after:
            raise _auth_limited(retry_after) from exc
        raise Unauthorized(
            exc.detail,
            code=exc.code,
            headers={"WWW-Authenticate": 'Bearer realm="taiyuan-sme", error="invalid_token"'},
        ) from exc
    request.state.principal = caller
    klass = "read" if request.method in ("GET", "HEAD", "OPTIONS") else "write"
    limits = caller.rate_limits
    decision = await limiter.hit(
        identity=caller.client_id, klass=klass, override=limits.get(klass) if limits else None
    )
    if not decision.allowed:
        raise RateLimited(
            f"Too many requests; retry in {decision.retry_after} s.",
            headers={
                "Retry-After": str(decision.retry_after),
                "RateLimit-Policy": decision.policy.decode(),
                "RateLimit": decision.state.decode(),
            },
        )
    return caller


def _auth_limited(retry_after: int) -> TooManyAuthFailures:
    return TooManyAuthFailures(
        f"Too many failed authentications; retry in {retry_after} s.",
        headers={"Retry-After": str(retry_after)},
    )


class ScopeCheck(Requirement):
    """A dependency admitting gateway callers that hold a scope (else 403)."""

    def __init__(self, scope: str) -> None:
        super().__init__((scope,), None)
        self.scope = scope

    async def __call__(self, caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
        """The caller, or a 403 problem."""
        if self.scope not in caller.scopes:
            raise InsufficientScope(f"This needs the scope '{self.scope}'.")
        return caller


def require_scope(scope: str) -> ScopeCheck:
    """A dependency admitting callers that hold `scope`; the OpenAPI shows it."""
    return ScopeCheck(scope)


AdminCaller = Annotated[Caller, Depends(require_scope("admin"))]


class KindCheck(Requirement):
    """A dependency admitting gateway callers of some kinds (else 403)."""

    def __init__(self, kinds: frozenset[ClientKind]) -> None:
        super().__init__((), kinds)

    async def __call__(self, caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
        """The caller, or a 403 problem."""
        if self.kinds is not None and caller.kind not in self.kinds:
            raise ForbiddenClientKind(f"Clients of kind '{caller.kind}' may not do this.")
        return caller


def require_kinds(*kinds: ClientKind) -> KindCheck:
    """A dependency admitting callers of these kinds; the OpenAPI shows them."""
    return KindCheck(frozenset(kinds))


ADMIN_LISTENER = "gateway.admin_listener"


async def metrics_reader(
    request: Request,
    gateway: GatewayDep,
    api_key: Annotated[str | None, Security(api_key_scheme)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
) -> None:
    """Anyone on the admin listener; an `admin` caller on the public one."""
    if request.scope.get(ADMIN_LISTENER):
        return
    caller = await current_caller(request, gateway, api_key, bearer)
    if "admin" not in caller.scopes:
        raise InsufficientScope("Metrics need the scope 'admin'.")


MetricsReader = Annotated[None, Depends(metrics_reader)]
