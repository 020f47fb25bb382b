"""Who may read and record the working-day calendar."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.registry import scopes

Reader = Annotated[Principal, Depends(authorize(scopes=[scopes.READ]))]
AdminScope = Annotated[Principal, Depends(authorize(scopes=[scopes.ADMIN]))]
AdminKind = Annotated[Principal, Depends(authorize(kinds=[ClientKind.ADMIN]))]
