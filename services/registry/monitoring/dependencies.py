"""Who may call the target and monitoring routes."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.registry import scopes

Reader = Annotated[Principal, Depends(authorize(scopes=[scopes.READ]))]
Monitor = Annotated[Principal, Depends(authorize(kinds=[ClientKind.ADMIN, ClientKind.DEPARTMENT]))]
Admin = Annotated[Principal, Depends(authorize(scopes=[scopes.ADMIN]))]
AdminKind = Annotated[Principal, Depends(authorize(kinds=[ClientKind.ADMIN]))]
