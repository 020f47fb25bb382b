"""Problems of reports: an unknown programme or provider (the owning domains' codes)."""

from services.vouchers.programmes.errors import ProgrammeNotFound
from services.vouchers.providers.errors import ProviderNotFound

__all__ = ["ProgrammeNotFound", "ProviderNotFound"]
