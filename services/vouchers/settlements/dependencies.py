"""Who may call the settlement routes."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize

READ, ADMIN = "vouchers:read", "vouchers:admin"

# An admin runs a month's settlement.
SettlementAdmin = Annotated[Principal, Depends(authorize(scopes=[ADMIN], kinds=[ClientKind.ADMIN]))]
# A provider reads its own settlements, an admin all.
SettlementReader = Annotated[
    Principal,
    Depends(authorize(scopes=[READ], kinds=[ClientKind.ADMIN, ClientKind.PROVIDER])),
]
