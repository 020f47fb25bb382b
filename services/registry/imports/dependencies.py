"""Who may call the import routes: departments and the demonstration office upload registers."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.registry import scopes

Importer = Annotated[Principal, Depends(authorize(scopes=[scopes.REPORT]))]
Reader = Annotated[Principal, Depends(authorize(scopes=[scopes.READ]))]
Department = Annotated[
    Principal, Depends(authorize(kinds=[ClientKind.ADMIN, ClientKind.DEPARTMENT]))
]
