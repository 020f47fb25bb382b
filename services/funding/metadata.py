"""The funding service's tables (with the kernel's): what its migrations build, checked by a drift test."""

from services.common.models import KERNEL_MODELS, service_metadata
from services.common.rules.models import RULE_MODELS
from services.funding.acceptance import models as _acceptance  # noqa: F401
from services.funding.agreements import models as _agreements  # noqa: F401
from services.funding.allocations import models as _allocations  # noqa: F401
from services.funding.bases import models as _bases  # noqa: F401
from services.funding.bridge import models as _bridge  # noqa: F401
from services.funding.budgets import models as _budgets  # noqa: F401
from services.funding.disbursements import models as _disbursements  # noqa: F401
from services.funding.enterprises import models as _enterprises  # noqa: F401
from services.funding.fees import models as _fees  # noqa: F401
from services.funding.guarantees import models as _guarantees  # noqa: F401
from services.funding.interest import models as _interest  # noqa: F401
from services.funding.ledger import models as _ledger  # noqa: F401
from services.funding.public import models as _public  # noqa: F401
from services.funding.rewards import models as _rewards  # noqa: F401
from services.funding.riskpool import models as _riskpool  # noqa: F401

METADATA = service_metadata(KERNEL_MODELS, RULE_MODELS, "services.funding")
