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


def create_rule_tables() -> None:
    """Create `rule_sets` (services.common.rules.models), for a service that keeps rule sets."""
    op.create_table(
        "rule_sets",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("family", sa.String(80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="rule_sets_pkey"),
        sa.UniqueConstraint("family", "version", name="rule_sets_family_version_key"),
    )


def drop_rule_tables() -> None:
    """Drop `rule_sets`."""
    op.drop_table("rule_sets")
