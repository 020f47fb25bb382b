"""DDL of the kernel's tables, for each service's first migration.

Defined once for every service, and frozen: the models in `services.common.models` are the
kernel's tables today, this is what revision 1 built. A change to a kernel model adds a function
here and a migration calling it in every service; each service's drift test shows one missing.
"""

import sqlalchemy as sa
from alembic import op

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def create_kernel_tables() -> None:
    """Create the outbox, idempotency and consumer tables."""
    op.create_table(
        "outbox_events",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(40), nullable=False, unique=True),
        sa.Column("type", sa.String(80), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "idempotency_records",
        sa.Column("client_id", sa.String(80), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("response_body", sa.Text),
        sa.Column("response_headers", sa.JSON),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "consumer_cursors",
        sa.Column("consumer", sa.String(80), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "processed_events",
        sa.Column("consumer", sa.String(80), primary_key=True),
        sa.Column("event_id", sa.String(40), primary_key=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )


def drop_kernel_tables() -> None:
    """Drop the kernel's tables."""
    for table in ("processed_events", "consumer_cursors", "idempotency_records", "outbox_events"):
        op.drop_table(table)
