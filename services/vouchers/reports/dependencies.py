"""Who may read reports: a programme's books the administration; a provider's the provider
itself (the service checks it is its own) or the administration; public figures anyone."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize

ProgrammeReportReader = Annotated[
    Principal, Depends(authorize(scopes=["vouchers:read"], kinds=[ClientKind.ADMIN]))
]
ProviderReportReader = Annotated[
    Principal,
    Depends(authorize(scopes=["vouchers:read"], kinds=[ClientKind.ADMIN, ClientKind.PROVIDER])),
]
