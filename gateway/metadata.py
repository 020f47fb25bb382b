"""The gateway's tables (clients and keys; none of the kernel's): what its migrations build."""

from gateway.clients import models as _clients  # noqa: F401
from gateway.delegations import models as _delegations  # noqa: F401
from services.common.models import service_metadata

METADATA = service_metadata("gateway")
