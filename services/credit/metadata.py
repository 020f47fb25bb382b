"""The credit service's tables (with the kernel's): what its migrations build, checked by a drift test."""

from services.common.models import KERNEL_MODELS, service_metadata
from services.common.rules.models import RULE_MODELS
from services.credit.certification import models as _certification  # noqa: F401
from services.credit.consents import models as _consents  # noqa: F401
from services.credit.enterprises import models as _enterprises  # noqa: F401
from services.credit.monitoring import models as _monitoring  # noqa: F401
from services.credit.objections import models as _objections  # noqa: F401
from services.credit.queries import models as _queries  # noqa: F401
from services.credit.ratings import models as _ratings  # noqa: F401
from services.credit.records import models as _records  # noqa: F401

METADATA = service_metadata(KERNEL_MODELS, RULE_MODELS, "services.credit")
