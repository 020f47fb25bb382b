"""Alembic environment: the kernel runs it with this service's version table, schema and tables."""

from services.common.migrations import run_env
from services.credit.metadata import METADATA

run_env(METADATA)
