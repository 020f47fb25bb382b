"""Who may call the monitoring routes: banks holding `credit:reports`."""

from typing import Annotated

from fastapi import Depends, Request

from services.common.identity import ClientKind, Principal, authorize
from services.credit import scopes
from services.credit.monitoring.addresses import Resolver, system_resolver

Bank = Annotated[Principal, Depends(authorize(scopes=[scopes.REPORTS], kinds=[ClientKind.BANK]))]


def get_resolver(request: Request) -> Resolver:
    """How host names are resolved when a URL is checked (tests may set their own)."""
    resolver: Resolver = getattr(request.app.state, "webhook_resolver", system_resolver)
    return resolver


HostResolver = Annotated[Resolver, Depends(get_resolver)]


def allow_private(request: Request) -> bool:
    """Whether this service accepts http and private webhook URLs (never in production)."""
    settings = request.app.state.settings
    return bool(getattr(settings, "webhooks_allow_private", False))


AllowPrivate = Annotated[bool, Depends(allow_private)]
