"""Who may call the ledger routes: reads are public (the gateway's table), writes are admin."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.funding.scopes import ADMIN

# The city demonstration office records receipts and corrections.
LedgerAdmin = Annotated[Principal, Depends(authorize(scopes=[ADMIN], kinds=[ClientKind.ADMIN]))]
