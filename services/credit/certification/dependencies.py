"""Who may call the 诚信企业 routes: the office runs rounds, any keyed client objects."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.credit import scopes

Admin = Annotated[Principal, Depends(authorize(scopes=[scopes.ADMIN], kinds=[ClientKind.ADMIN]))]
# Departments, banks, enterprises, portals, the office: anyone holding a credit key may object.
Objector = Annotated[Principal, Depends(authorize(scopes=[scopes.READ]))]
Reader = Annotated[Principal, Depends(authorize(scopes=[scopes.READ]))]
