"""Who may call the base routes.

Districts and responsible departments are both `department` clients (scopes `funding:read`
and `funding:accept`): a district's client has its district code as org (`xiaodian`, …), a
responsible department's its department code (`science`, `sme_bureau`, `commerce`,
`business_registration`). The service tells them apart by org.
"""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.funding import scopes

BaseReader = Annotated[Principal, Depends(authorize(scopes=[scopes.READ]))]
# A district (filing, corrections, KPI reports) or a responsible department (decisions).
BaseDepartment = Annotated[
    Principal, Depends(authorize(scopes=[scopes.ACCEPT], kinds=[ClientKind.DEPARTMENT]))
]
# Exit by decision: the responsible department or the demonstration office.
BaseExitDecider = Annotated[
    Principal,
    Depends(authorize(scopes=[scopes.ACCEPT], kinds=[ClientKind.DEPARTMENT, ClientKind.ADMIN])),
]
BaseKindAdmin = Annotated[
    Principal, Depends(authorize(scopes=[scopes.ADMIN], kinds=[ClientKind.ADMIN]))
]
