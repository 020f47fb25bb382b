"""Who may call the consent routes."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.credit import scopes

# The enterprise itself, or a portal on its behalf (the gateway checked the delegation).
Consenter = Annotated[
    Principal,
    Depends(authorize(scopes=[scopes.CONSENT], kinds=[ClientKind.ENTERPRISE, ClientKind.PORTAL])),
]
# The enterprise (and its portal) reads the consents it granted; a bank those granted to it.
ConsentReader = Annotated[
    Principal,
    Depends(
        authorize(
            scopes=[scopes.READ],
            kinds=[ClientKind.ENTERPRISE, ClientKind.PORTAL, ClientKind.BANK],
        )
    ),
]
