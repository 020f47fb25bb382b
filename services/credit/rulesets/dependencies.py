"""Who may read and change the credit service's rule sets."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize

RuleReader = Annotated[
    Principal,
    Depends(authorize(scopes=["credit:read"], kinds=[ClientKind.ADMIN, ClientKind.DEPARTMENT])),
]
RuleAdmin = Annotated[
    Principal, Depends(authorize(scopes=["credit:admin"], kinds=[ClientKind.ADMIN]))
]
