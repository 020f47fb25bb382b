"""Who may read vouchers: the holder (or a portal on its behalf) and the administration.

Providers never list vouchers: a provider redeems a code it is shown.
"""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.vouchers import scopes

VoucherReader = Annotated[
    Principal,
    Depends(
        authorize(
            scopes=[scopes.READ],
            kinds=[ClientKind.ENTERPRISE, ClientKind.PORTAL, ClientKind.ADMIN],
        )
    ),
]
