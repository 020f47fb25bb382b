"""Kernel tables: outbox, idempotency records, consumer cursors.

Revision ID: funding_0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from services.common.kernel_schema import create_kernel_tables, drop_kernel_tables

revision: str = "funding_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_kernel_tables()


def downgrade() -> None:
    drop_kernel_tables()
