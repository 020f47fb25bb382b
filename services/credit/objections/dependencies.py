"""Who may call the objection and statement routes (the service checks whose record it is)."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.credit import scopes

_PARTIES = (ClientKind.ENTERPRISE, ClientKind.PORTAL)
# The sources of records: departments, and banks for their loan records.
_SOURCES = (ClientKind.DEPARTMENT, ClientKind.BANK)
_SEERS = (*_PARTIES, *_SOURCES, ClientKind.ADMIN)

Reader = Annotated[Principal, Depends(authorize(scopes=[scopes.READ], kinds=_SEERS))]
Objector = Annotated[Principal, Depends(authorize(scopes=[scopes.CONSENT], kinds=_PARTIES))]
Resolver = Annotated[Principal, Depends(authorize(scopes=[scopes.RESOLVE], kinds=_SOURCES))]
