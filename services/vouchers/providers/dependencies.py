"""Who may call the provider routes."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize

ProviderApplicant = Annotated[
    Principal, Depends(authorize(scopes=["vouchers:provide"], kinds=[ClientKind.PROVIDER]))
]
ProviderReader = Annotated[Principal, Depends(authorize(scopes=["vouchers:read"]))]
ProviderAdmin = Annotated[
    Principal, Depends(authorize(scopes=["vouchers:admin"], kinds=[ClientKind.ADMIN]))
]
