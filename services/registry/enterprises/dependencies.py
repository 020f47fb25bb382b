"""Who may call the enterprise register's routes, and the key ID numbers are hashed under."""

from typing import Annotated

from fastapi import Depends, Request

from services.common.identity import Principal, authorize
from services.registry import scopes

Reader = Annotated[Principal, Depends(authorize(scopes=[scopes.READ]))]
Writer = Annotated[Principal, Depends(authorize(scopes=[scopes.WRITE]))]


def id_number_key(request: Request) -> bytes:
    """The key ID numbers are hashed under."""
    key: str = request.app.state.settings.id_number_key
    return key.encode()


IdKey = Annotated[bytes, Depends(id_number_key)]
