"""Alembic environment: the kernel runs it with the gateway's version table, schema and tables."""

from gateway.metadata import METADATA
from services.common.migrations import run_env

run_env(METADATA)
