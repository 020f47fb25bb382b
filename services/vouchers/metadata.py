"""The vouchers service's tables (with the kernel's): what its migrations build, checked by a drift test."""

from services.common.models import KERNEL_MODELS, service_metadata
from services.common.rules.models import RULE_MODELS
from services.vouchers.applications import models as _applications  # noqa: F401
from services.vouchers.enterprises import models as _enterprises  # noqa: F401
from services.vouchers.programmes import models as _programmes  # noqa: F401
from services.vouchers.providers import models as _providers  # noqa: F401
from services.vouchers.redemptions import models as _redemptions  # noqa: F401
from services.vouchers.settlements import models as _settlements  # noqa: F401
from services.vouchers.vouchers import models as _vouchers  # noqa: F401

METADATA = service_metadata(KERNEL_MODELS, RULE_MODELS, "services.vouchers")
