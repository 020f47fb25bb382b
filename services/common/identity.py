"""Who is calling: the gateway's internal token, verified on every request."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.common.errors import (
    ForbiddenClientKind,
    InsufficientScope,
    MissingToken,
    TokenRejected,
)
from services.common.tokens import InvalidToken, TokenVerifier

INTERNAL_TOKEN_HEADER = "x-internal-token"
KINDS = ("admin", "department", "bank", "provider", "portal", "enterprise", "service")

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="InternalToken",
    description="The gateway's internal token (services only accept calls through the gateway).",
)


@dataclass(frozen=True, slots=True)
class Principal:
    """The verified caller: a client of a kind, acting for an organisation, with scopes."""

    client_id: str
    kind: str
    org: str | None
    scopes: frozenset[str]

    def has(self, *scopes: str) -> bool:
        """Whether every one of `scopes` was granted."""
        return all(scope in self.scopes for scope in scopes)

    @property
    def is_admin(self) -> bool:
        """The city demonstration office."""
        return self.kind == "admin"


def _verifier(request: Request) -> TokenVerifier:
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier


def current_client(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller named by a valid internal token, or a 401 problem."""
    token = credentials.credentials if credentials else request.headers.get(INTERNAL_TOKEN_HEADER)
    if not token:
        raise MissingToken(
            "This service accepts only calls carrying the gateway's internal token.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        claims = _verifier(request).verify(token)
    except InvalidToken as exc:
        raise TokenRejected(
            str(exc), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
        ) from exc
    principal = Principal(
        client_id=claims.client_id, kind=claims.kind, org=claims.org, scopes=claims.scopes
    )
    request.state.principal = principal
    return principal


CurrentClient = Annotated[Principal, Depends(current_client)]


def require_scopes(*scopes: str) -> Callable[[Principal], Principal]:
    """A dependency that admits only callers holding every one of `scopes` (else 403)."""

    def dependency(client: CurrentClient) -> Principal:
        missing = [scope for scope in scopes if scope not in client.scopes]
        if missing:
            raise InsufficientScope(f"This operation needs the scope(s): {', '.join(missing)}.")
        return client

    dependency.__name__ = "require_" + "_".join(s.replace(":", "_") for s in scopes)
    return dependency


def require_kinds(*kinds: str) -> Callable[[Principal], Principal]:
    """A dependency that admits only these client kinds (else 403)."""

    def dependency(client: CurrentClient) -> Principal:
        if client.kind not in kinds:
            raise ForbiddenClientKind(f"Clients of kind '{client.kind}' may not do this.")
        return client

    return dependency
