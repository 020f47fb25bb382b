"""Who may call the programme routes (and the eligibility rule sets)."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize

ProgrammeReader = Annotated[Principal, Depends(authorize(scopes=["vouchers:read"]))]
ProgrammeAdmin = Annotated[
    Principal, Depends(authorize(scopes=["vouchers:admin"], kinds=[ClientKind.ADMIN]))
]
RuleReader = Annotated[
    Principal,
    Depends(authorize(scopes=["vouchers:read"], kinds=[ClientKind.ADMIN, ClientKind.DEPARTMENT])),
]
RuleAdmin = ProgrammeAdmin
