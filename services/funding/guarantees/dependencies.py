"""Who may call the guarantee compensation routes."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.funding import scopes

# A guarantee institution is a client of kind `bank` (a financial institution) whose `org` is
# its code in the scheme; it holds `funding:loans` like a bank registering 助保贷 loans. The
# service checks that the org is a registered institution.
GuaranteeInstitutionClient = Annotated[
    Principal, Depends(authorize(scopes=[scopes.LOANS], kinds=[ClientKind.BANK]))
]
# The administration and departments read every guarantee; an institution its own.
GuaranteeReader = Annotated[
    Principal,
    Depends(
        authorize(
            scopes=[scopes.READ], kinds=[ClientKind.ADMIN, ClientKind.DEPARTMENT, ClientKind.BANK]
        )
    ),
]
# The office admits the institutions.
GuaranteeAdmin = Annotated[
    Principal, Depends(authorize(scopes=[scopes.ADMIN], kinds=[ClientKind.ADMIN]))
]
