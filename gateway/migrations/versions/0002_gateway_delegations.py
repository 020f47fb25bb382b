"""Delegations: which portal may act for which enterprise.

Revision ID: gw0002
Revises: gw0001
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "gw0002"
down_revision: str | None = "gw0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gateway_delegations",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("enterprise", sa.String(18), nullable=False, index=True),
        sa.Column(
            "portal_id", sa.String(40), sa.ForeignKey("gateway_clients.id"), nullable=False, index=True
        ),
        sa.Column("scopes", sa.JSON, nullable=False),
        sa.Column("purpose", sa.String(20)),
        sa.Column("reference", sa.String(200)),
        sa.Column("granted_by", sa.String(40), nullable=False),
        sa.Column("granted_by_kind", sa.String(20), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_by", sa.String(40)),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("gateway_delegations")
