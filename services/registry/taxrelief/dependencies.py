"""Who may call the tax-relief routes: officials only; tax departments file their figures."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.registry import scopes

Reader = Annotated[Principal, Depends(authorize(scopes=[scopes.READ]))]
Writer = Annotated[Principal, Depends(authorize(scopes=[scopes.REPORT]))]
Officials = Annotated[
    Principal, Depends(authorize(kinds=[ClientKind.ADMIN, ClientKind.DEPARTMENT]))
]
