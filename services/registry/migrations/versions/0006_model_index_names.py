"""Two complaint indexes take the names the models (and the naming convention) give them.

Revision ID: registry_0006
Revises: registry_0005
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "registry_0006"
down_revision: str | None = "registry_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, old name, new name, columns); SQLite cannot rename an index, so each is rebuilt.
RENAMES = (
    ("complaints", "ix_complaints_complainant", "ix_complaints_complainant_uscc", ["complainant_uscc"]),
    (
        "complaint_events",
        "ix_complaint_events_complaint",
        "ix_complaint_events_complaint_id",
        ["complaint_id"],
    ),
)


def upgrade() -> None:
    for table, old, new, columns in RENAMES:
        op.drop_index(old, table_name=table)
        op.create_index(new, table, columns)


def downgrade() -> None:
    for table, old, new, columns in RENAMES:
        op.drop_index(new, table_name=table)
        op.create_index(old, table, columns)
