"""Who may call the public ledger's routes (reads need no key), and its signing key."""

from typing import Annotated

from fastapi import Depends, Request

from services.common.identity import ClientKind, Principal, authorize
from services.funding import scopes
from services.funding.public.keys import LedgerKey, load_ledger_key
from services.funding.settings import FundingSettings

# An admin asks for a checkpoint now (the daily one is the job's).
LedgerAdmin = Annotated[
    Principal, Depends(authorize(scopes=[scopes.ADMIN], kinds=[ClientKind.ADMIN]))
]


def ledger_key(request: Request) -> LedgerKey:
    """The app's checkpoint key, loaded once (generated in development if missing)."""
    key: LedgerKey | None = getattr(request.app.state, "ledger_key", None)
    if key is None:
        settings: FundingSettings = request.app.state.settings
        key = load_ledger_key(settings)
        request.app.state.ledger_key = key
    return key


def ledger_settings(request: Request) -> FundingSettings:
    """The app's settings (360Giving identifiers)."""
    settings: FundingSettings = request.app.state.settings
    return settings


LedgerKeyDep = Annotated[LedgerKey, Depends(ledger_key)]
LedgerSettings = Annotated[FundingSettings, Depends(ledger_settings)]
