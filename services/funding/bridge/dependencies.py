"""Who may call the bridge-fund routes."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.funding import scopes

# An enterprise, or a portal on its behalf, applies (funding:apply).
BridgeApplicant = Annotated[
    Principal,
    Depends(authorize(scopes=[scopes.APPLY], kinds=[ClientKind.ENTERPRISE, ClientKind.PORTAL])),
]
# The registered loan's bank confirms its renewal (funding:loans).
BridgeBank = Annotated[
    Principal, Depends(authorize(scopes=[scopes.LOANS], kinds=[ClientKind.BANK]))
]
# The office runs the fund: loads capital, records repayments (funding:admin).
BridgeAdmin = Annotated[
    Principal, Depends(authorize(scopes=[scopes.ADMIN], kinds=[ClientKind.ADMIN]))
]
# Reading: the office and departments everything, a bank its loans' bridges, an enterprise (or
# its portal) its own.
BridgeReader = Annotated[
    Principal,
    Depends(
        authorize(
            scopes=[scopes.READ],
            kinds=[
                ClientKind.ADMIN,
                ClientKind.DEPARTMENT,
                ClientKind.BANK,
                ClientKind.ENTERPRISE,
                ClientKind.PORTAL,
            ],
        )
    ),
]
FundReader = Annotated[
    Principal,
    Depends(
        authorize(
            scopes=[scopes.READ],
            kinds=[ClientKind.ADMIN, ClientKind.DEPARTMENT, ClientKind.BANK],
        )
    ),
]
