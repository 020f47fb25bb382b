"""The registry's tables (with the kernel's): what its migrations build, checked by a drift test."""

from services.common.models import KERNEL_MODELS, service_metadata
from services.registry.calendar import models as _calendar  # noqa: F401
from services.registry.complaints import models as _complaints  # noqa: F401
from services.registry.enterprises import models as _enterprises  # noqa: F401
from services.registry.imports import models as _imports  # noqa: F401
from services.registry.indicators import models as _indicators  # noqa: F401
from services.registry.monitoring import models as _monitoring  # noqa: F401
from services.registry.remits import models as _remits  # noqa: F401
from services.registry.taxrelief import models as _taxrelief  # noqa: F401

METADATA = service_metadata(KERNEL_MODELS, "services.registry")
