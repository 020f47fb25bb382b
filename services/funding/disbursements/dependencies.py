"""Who may call the disbursement routes."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.funding import scopes

# The administration and departments read every disbursement; an enterprise (or its portal)
# those paying it; a provider those paying its voucher settlements. Paid ones are public in the
# public ledger anyway.
DisbursementReader = Annotated[
    Principal,
    Depends(
        authorize(
            scopes=[scopes.READ],
            kinds=[
                ClientKind.ADMIN,
                ClientKind.DEPARTMENT,
                ClientKind.ENTERPRISE,
                ClientKind.PORTAL,
                ClientKind.PROVIDER,
            ],
        )
    ),
]
# Approving, paying and cancelling are the city demonstration office's.
DisbursementAdmin = Annotated[
    Principal, Depends(authorize(scopes=[scopes.ADMIN], kinds=[ClientKind.ADMIN]))
]
