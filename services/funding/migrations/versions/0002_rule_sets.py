"""Rule sets (the kernel's rules as data): allocation keys, reward formulas, financing parameters.

Revision ID: funding_0002
Revises: funding_0001
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from services.common.kernel_schema import create_rule_tables, drop_rule_tables

revision: str = "funding_0002"
down_revision: str | None = "funding_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_rule_tables()


def downgrade() -> None:
    drop_rule_tables()
