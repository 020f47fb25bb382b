"""Who may call the delegation routes."""

from typing import Annotated

from fastapi import Depends

from gateway.auth.caller import Caller
from gateway.auth.dependencies import require_kinds
from services.common.identity import ClientKind

# The parties: the enterprise, the portal it delegates to, and the admin recording paper ones.
Party = Annotated[
    Caller, Depends(require_kinds(ClientKind.ENTERPRISE, ClientKind.PORTAL, ClientKind.ADMIN))
]
# Who grants, confirms and revokes: the enterprise, or an admin.
Grantor = Annotated[Caller, Depends(require_kinds(ClientKind.ENTERPRISE, ClientKind.ADMIN))]
