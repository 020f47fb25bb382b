"""Who may call the graduate interest subsidy routes."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.funding import scopes

# The borrowing enterprise claims, itself or through a portal acting on its behalf (the token's
# `org` is then the enterprise, `act` the portal).
InterestClaimant = Annotated[
    Principal,
    Depends(authorize(scopes=[scopes.APPLY], kinds=[ClientKind.ENTERPRISE, ClientKind.PORTAL])),
]
# The administration and departments read every claim; an enterprise (or its portal) its own.
InterestReader = Annotated[
    Principal,
    Depends(
        authorize(
            scopes=[scopes.READ],
            kinds=[
                ClientKind.ADMIN,
                ClientKind.DEPARTMENT,
                ClientKind.ENTERPRISE,
                ClientKind.PORTAL,
            ],
        )
    ),
]
