"""Who may call the fee-list and fee-claim routes."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.funding import scopes

# The office keeps the list.
FeeListAdmin = Annotated[
    Principal, Depends(authorize(scopes=[scopes.ADMIN], kinds=[ClientKind.ADMIN]))
]
# Any funding client reads the list (it is public at /v1/public/fee-list too).
FeeListReader = Annotated[Principal, Depends(authorize(scopes=[scopes.READ]))]
# A new small firm claims, itself or through a portal acting on its behalf.
FeeClaimant = Annotated[
    Principal,
    Depends(authorize(scopes=[scopes.APPLY], kinds=[ClientKind.ENTERPRISE, ClientKind.PORTAL])),
]
# The administration and departments read every claim; an enterprise (or its portal) its own.
FeeClaimReader = Annotated[
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
