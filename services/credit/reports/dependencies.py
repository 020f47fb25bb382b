"""Who may read credit reports: banks only (the demonstration office never, whatever its scopes)."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.credit import scopes

ReportReader = Annotated[
    Principal, Depends(authorize(scopes=[scopes.REPORTS], kinds=[ClientKind.BANK]))
]
