"""Report reads: an index covering the query-log summary every granted report read runs.

Revision ID: credit_0011
Revises: credit_0010
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "credit_0011"
down_revision: str | None = "credit_0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("credit_queries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_credit_queries_uscc_outcome_at",
            ["uscc", "outcome", "at", "purpose"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("credit_queries", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_queries_uscc_outcome_at")
