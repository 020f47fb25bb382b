"""Who may call the bank-agreement routes."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.funding import scopes

# The city demonstration office sets the terms.
AgreementAdmin = Annotated[
    Principal, Depends(authorize(scopes=[scopes.ADMIN], kinds=[ClientKind.ADMIN]))
]
# The office and departments read every bank's terms; a bank its own.
AgreementReader = Annotated[
    Principal,
    Depends(
        authorize(
            scopes=[scopes.READ],
            kinds=[ClientKind.ADMIN, ClientKind.DEPARTMENT, ClientKind.BANK],
        )
    ),
]
