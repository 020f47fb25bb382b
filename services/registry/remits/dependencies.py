"""Who may read and replace the department remits: the demonstration office administers them."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.registry import scopes

Administrator = Annotated[
    Principal, Depends(authorize(scopes=[scopes.ADMIN], kinds=[ClientKind.ADMIN]))
]
