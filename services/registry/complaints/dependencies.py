"""Who may call the complaint centre's routes (the service checks who may take which step)."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.registry import scopes

Reader = Annotated[Principal, Depends(authorize(scopes=[scopes.READ]))]
Writer = Annotated[Principal, Depends(authorize(scopes=[scopes.WRITE]))]
AdminScope = Annotated[Principal, Depends(authorize(scopes=[scopes.ADMIN]))]
AdminKind = Annotated[Principal, Depends(authorize(kinds=[ClientKind.ADMIN]))]
Staff = Annotated[Principal, Depends(authorize(kinds=[ClientKind.ADMIN, ClientKind.DEPARTMENT]))]
