"""Who may call the reward-run routes."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.funding import scopes

# An admin (the city demonstration office) runs the year-end rewards.
RewardAdmin = Annotated[
    Principal, Depends(authorize(scopes=[scopes.ADMIN], kinds=[ClientKind.ADMIN]))
]
# Admins and departments (which accept the bases) read the runs and their traces.
RewardReader = Annotated[
    Principal,
    Depends(authorize(scopes=[scopes.READ], kinds=[ClientKind.ADMIN, ClientKind.DEPARTMENT])),
]
