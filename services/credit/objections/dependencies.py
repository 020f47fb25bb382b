"""Who may call the objection and statement routes (the service checks whose record it is)."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.credit import scopes

_PARTIES = (ClientKind.ENTERPRISE, ClientKind.PORTAL)
_SEERS = (*_PARTIES, ClientKind.DEPARTMENT, ClientKind.ADMIN)

Reader = Annotated[Principal, Depends(authorize(scopes=[scopes.READ], kinds=_SEERS))]
Objector = Annotated[Principal, Depends(authorize(scopes=[scopes.CONSENT], kinds=_PARTIES))]
Resolver = Annotated[
    Principal, Depends(authorize(scopes=[scopes.RESOLVE], kinds=[ClientKind.DEPARTMENT]))
]
