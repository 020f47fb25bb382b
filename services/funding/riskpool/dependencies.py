"""Who may call the risk-pool routes."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.funding import scopes

# A partner bank registers its loans, repayments, defaults and recoveries (funding:loans).
LoanBank = Annotated[Principal, Depends(authorize(scopes=[scopes.LOANS], kinds=[ClientKind.BANK]))]
# The office, departments and banks read the pool and loans (a bank its own loans only).
PoolReader = Annotated[
    Principal,
    Depends(
        authorize(
            scopes=[scopes.READ],
            kinds=[ClientKind.ADMIN, ClientKind.DEPARTMENT, ClientKind.BANK],
        )
    ),
]
# The office records deposits.
PoolAdmin = Annotated[
    Principal, Depends(authorize(scopes=[scopes.ADMIN], kinds=[ClientKind.ADMIN]))
]
