"""Who may call the indicator routes (the service decides who reports which source)."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import Principal, authorize
from services.registry import scopes

Reader = Annotated[Principal, Depends(authorize(scopes=[scopes.READ]))]
Writer = Annotated[Principal, Depends(authorize(scopes=[scopes.WRITE]))]
