"""Rule sets (the kernel's rules as data): scorecard and certification criteria.

Revision ID: credit_0003
Revises: credit_0002
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from services.common.kernel_schema import create_rule_tables, drop_rule_tables

revision: str = "credit_0003"
down_revision: str | None = "credit_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_rule_tables()


def downgrade() -> None:
    drop_rule_tables()
