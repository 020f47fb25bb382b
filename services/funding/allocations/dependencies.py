"""Who may call the allocation and matching routes."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.funding.scopes import ADMIN, READ

# The city demonstration office allocates lines among districts.
AllocationAdmin = Annotated[Principal, Depends(authorize(scopes=[ADMIN], kinds=[ClientKind.ADMIN]))]
# Anyone with funding:read reads allocations and a district's matching.
AllocationReader = Annotated[Principal, Depends(authorize(scopes=[READ]))]
# A district (a department client whose org is its code, with funding:accept) reports its
# matching payments, or an admin records them: both hold funding:read at the gateway; the
# service asks each kind for its own write scope.
MatchingReporter = Annotated[
    Principal,
    Depends(authorize(scopes=[READ], kinds=[ClientKind.ADMIN, ClientKind.DEPARTMENT])),
]
