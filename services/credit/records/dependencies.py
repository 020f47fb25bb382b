"""Who may call the credit record routes."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize

READ, WRITE = "credit:read", "credit:write"

# Departments file records, banks their loan records; the demonstration office reads all,
# an enterprise (or a portal acting for it) the records about itself, a source its own.
Reader = Annotated[
    Principal,
    Depends(
        authorize(
            scopes=[READ],
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
TypeReader = Annotated[Principal, Depends(authorize(scopes=[READ]))]
Filer = Annotated[
    Principal,
    Depends(authorize(scopes=[WRITE], kinds=[ClientKind.DEPARTMENT, ClientKind.BANK])),
]
