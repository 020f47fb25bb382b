"""Who may call the acceptance routes: the responsible department records (a `department`
client whose org is the kind's department); anyone with `funding:read` reads."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.funding import scopes

AcceptanceReader = Annotated[Principal, Depends(authorize(scopes=[scopes.READ]))]
AcceptanceRecorder = Annotated[
    Principal, Depends(authorize(scopes=[scopes.ACCEPT], kinds=[ClientKind.DEPARTMENT]))
]
