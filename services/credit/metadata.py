"""The credit service's tables (the kernel's so far): what its migrations build, checked by a drift test."""

from services.common.models import KERNEL_MODELS, service_metadata

METADATA = service_metadata(KERNEL_MODELS, "services.credit")
