"""Who may call the enterprise register's routes."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import Principal, authorize
from services.registry import scopes

Reader = Annotated[Principal, Depends(authorize(scopes=[scopes.READ]))]
Writer = Annotated[Principal, Depends(authorize(scopes=[scopes.WRITE]))]
