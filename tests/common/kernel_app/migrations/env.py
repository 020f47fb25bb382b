"""Alembic environment: the kernel runs it with this app's version table, schema and tables."""

from services.common.migrations import run_env
from services.common.models import KERNEL_MODELS, service_metadata
from tests.common.kernel_app import app as _app  # noqa: F401

run_env(service_metadata(KERNEL_MODELS, "tests.common.kernel_app"))
