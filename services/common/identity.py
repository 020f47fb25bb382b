"""Who is calling: the gateway's internal token, verified on every request."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

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


class ClientKind(StrEnum):
    """What a client is; the gateway issues it, services decide what each kind may do."""

    ADMIN = "admin"
    DEPARTMENT = "department"
    BANK = "bank"
    PROVIDER = "provider"
    PORTAL = "portal"
    ENTERPRISE = "enterprise"
    SERVICE = "service"


_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="InternalToken",
    description="The gateway's internal token (services only accept calls through the gateway).",
)


@dataclass(frozen=True, slots=True)
class Principal:
    """The verified caller: a client of a kind, acting for an organisation, with scopes.

    `actor` is the portal acting on behalf of the enterprise `org` (the token's RFC 8693 `act`),
    None when the client acts for itself.
    """

    client_id: str
    kind: ClientKind
    org: str | None
    scopes: frozenset[str]
    actor: str | None = None

    def has(self, *scopes: str) -> bool:
        """Whether every one of `scopes` was granted."""
        return all(scope in self.scopes for scope in scopes)

    @property
    def on_behalf(self) -> bool:
        """Whether a portal acts for the enterprise `org` under a delegation."""
        return self.actor is not None

    @property
    def is_admin(self) -> bool:
        """The city demonstration office."""
        return self.kind == ClientKind.ADMIN


def _verifier(request: Request) -> TokenVerifier:
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier


async def current_client(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller named by a valid internal token, or a 401 problem.

    `async` although it awaits nothing: a plain `def` dependency costs every request a hop to
    the thread pool and back, more than the (cached) token check itself.
    """
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
    try:
        kind = ClientKind(claims.kind)
    except ValueError as exc:
        raise TokenRejected(
            f"Unknown client kind '{claims.kind}'.",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from exc
    principal = Principal(
        client_id=claims.client_id,
        kind=kind,
        org=claims.org,
        scopes=claims.scopes,
        actor=claims.actor,
    )
    request.state.principal = principal
    return principal


CurrentClient = Annotated[Principal, Depends(current_client)]


class Requirement:
    """What a dependency requires; the kernel's OpenAPI writes it on the operations using it
    (`x-required-scopes`, `x-client-kinds`)."""

    def __init__(self, scopes: tuple[str, ...], kinds: frozenset[ClientKind] | None) -> None:
        self.scopes = scopes
        self.kinds = kinds


class Authorization(Requirement):
    """A dependency admitting callers that hold every scope and are of one of the kinds."""

    async def __call__(self, client: CurrentClient) -> Principal:
        """The caller, or a 403 problem naming what is missing."""
        missing = [scope for scope in self.scopes if scope not in client.scopes]
        if missing:
            raise InsufficientScope(f"This operation needs the scope(s): {', '.join(missing)}.")
        if self.kinds is not None and client.kind not in self.kinds:
            raise ForbiddenClientKind(f"Clients of kind '{client.kind}' may not do this.")
        return client

    def __repr__(self) -> str:
        kinds = sorted(self.kinds) if self.kinds is not None else None
        return f"authorize(scopes={list(self.scopes)}, kinds={kinds})"


def authorize(
    *, scopes: Iterable[str] = (), kinds: Iterable[ClientKind] | None = None
) -> Authorization:
    """The one authorization dependency: `Annotated[Principal, Depends(authorize(...))]`."""
    wanted = tuple(dict.fromkeys(scopes))
    allowed = frozenset(ClientKind(kind) for kind in kinds) if kinds is not None else None
    if not wanted and allowed is None:
        raise ValueError("authorize() needs scopes, kinds or both")
    return Authorization(wanted, allowed)


def _authorizations(dependant: Any) -> Iterator[Requirement]:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, Requirement):
            yield dependency.call
        yield from _authorizations(dependency)


def requirements_of(dependant: Any) -> tuple[list[str], list[str] | None]:
    """The scopes a route's dependencies require, and the kinds they admit (None = any)."""
    scopes: dict[str, None] = {}
    kinds: frozenset[ClientKind] | None = None
    for authorization in _authorizations(dependant):
        scopes.update(dict.fromkeys(authorization.scopes))
        if authorization.kinds is not None:
            kinds = authorization.kinds if kinds is None else kinds & authorization.kinds
    return sorted(scopes), ([str(kind) for kind in sorted(kinds)] if kinds is not None else None)
