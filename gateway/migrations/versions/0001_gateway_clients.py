"""Gateway clients and API keys.

Revision ID: gw0001
Revises:
Create Date: 2025-01-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "gw0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gateway_clients",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False, index=True),
        sa.Column("org", sa.String(64)),
        sa.Column("scopes", sa.JSON, nullable=False),
        sa.Column("rate_limits", sa.JSON),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("secret_hash", sa.String(255)),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "gateway_api_keys",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column(
            "client_id", sa.String(40), sa.ForeignKey("gateway_clients.id"), nullable=False, index=True
        ),
        sa.Column("label", sa.String(100)),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )


def downgrade() -> None:
    op.drop_table("gateway_api_keys")
    op.drop_table("gateway_clients")
