"""Kernel tables and a widgets table for the kernel's test app.

Revision ID: kernel_0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.common.kernel_schema import create_kernel_tables, drop_kernel_tables

revision: str = "kernel_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_kernel_tables()
    op.create_table(
        "widgets",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "applied_widgets",
        sa.Column("event_id", sa.String(40), primary_key=True),
        sa.Column("widget_id", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("applied_widgets")
    op.drop_table("widgets")
    drop_kernel_tables()
