"""Alembic environment: the kernel runs it with this service's version table and schema."""

from services.common.migrations import run_env

run_env()
