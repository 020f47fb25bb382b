"""Who may read the query log."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.credit import scopes

# The enterprise reads every query of its report (its portal too, within a delegation).
EnterpriseLogReader = Annotated[
    Principal,
    Depends(authorize(scopes=[scopes.READ], kinds=[ClientKind.ENTERPRISE, ClientKind.PORTAL])),
]
# A bank reads only its own queries.
BankLogReader = Annotated[
    Principal, Depends(authorize(scopes=[scopes.REPORTS], kinds=[ClientKind.BANK]))
]
