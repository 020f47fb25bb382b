"""Who may call the application routes."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.vouchers import scopes

# The enterprise itself, or a portal on its behalf (the gateway checked the delegation).
Applicant = Annotated[
    Principal,
    Depends(authorize(scopes=[scopes.APPLY], kinds=[ClientKind.ENTERPRISE, ClientKind.PORTAL])),
]
# The applicant reads its own applications; the administration reads and decides all.
ApplicationReader = Annotated[
    Principal,
    Depends(
        authorize(
            scopes=[scopes.READ],
            kinds=[ClientKind.ENTERPRISE, ClientKind.PORTAL, ClientKind.ADMIN],
        )
    ),
]
Decider = Annotated[Principal, Depends(authorize(scopes=[scopes.ADMIN], kinds=[ClientKind.ADMIN]))]
