"""Who may call the redemption routes."""

from typing import Annotated

from fastapi import Depends

from services.common.errors import InsufficientScope
from services.common.identity import ClientKind, Principal, authorize

READ, PROVIDE, ADMIN = "vouchers:read", "vouchers:provide", "vouchers:admin"

# A provider redeems; the provider is always the one its key belongs to (the token's org).
Redeemer = Annotated[Principal, Depends(authorize(scopes=[PROVIDE], kinds=[ClientKind.PROVIDER]))]
# Providers read their own, holders (enterprises, portals on behalf) their vouchers', admin all.
Reader = Annotated[
    Principal,
    Depends(
        authorize(
            scopes=[READ],
            kinds=[ClientKind.ADMIN, ClientKind.PROVIDER, ClientKind.ENTERPRISE, ClientKind.PORTAL],
        )
    ),
]

_reversal_callers = authorize(scopes=[READ], kinds=[ClientKind.PROVIDER, ClientKind.ADMIN])


async def _reverser(principal: Annotated[Principal, Depends(_reversal_callers)]) -> Principal:
    # The edge admits both with `vouchers:read` (an admin may never hold `vouchers:provide`);
    # each kind still needs its own write scope.
    needed = PROVIDE if principal.kind == ClientKind.PROVIDER else ADMIN
    if not principal.has(needed):
        raise InsufficientScope(f"This operation needs the scope(s): {needed}.")
    return principal


# The provider that made the redemption, or an admin.
Reverser = Annotated[Principal, Depends(_reverser)]
