"""Who may call the ratings routes."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize

READ, ADMIN = "credit:read", "credit:admin"

# Banks see ratings only inside consented reports; providers and services not at all.
Reader = Annotated[
    Principal,
    Depends(
        authorize(
            scopes=[READ],
            kinds=[
                ClientKind.ENTERPRISE,
                ClientKind.PORTAL,
                ClientKind.ADMIN,
                ClientKind.DEPARTMENT,
            ],
        )
    ),
]
RunReader = Annotated[Principal, Depends(authorize(scopes=[READ], kinds=[ClientKind.ADMIN]))]
RunWriter = Annotated[Principal, Depends(authorize(scopes=[ADMIN], kinds=[ClientKind.ADMIN]))]
