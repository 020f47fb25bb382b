"""Settlement runs, settlements (one per provider and month) and their lines.

Revision ID: vouchers_0006
Revises: vouchers_0005
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "vouchers_0006"
down_revision: str | None = "vouchers_0005"  # its lines refer to redemptions
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "voucher_settlement_runs",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("settlements", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("voucher_settlement_runs_pkey")),
        sa.UniqueConstraint("month", name=op.f("voucher_settlement_runs_month_key")),
    )
    op.create_table(
        "voucher_settlements",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("run_id", sa.String(40), nullable=False),
        sa.Column("provider_id", sa.String(40), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("redeemed_fen", sa.BigInteger(), nullable=False),
        sa.Column("clawback_fen", sa.BigInteger(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("disbursement_id", sa.String(80), nullable=True),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["voucher_providers.id"],
            name=op.f("voucher_settlements_provider_id_fkey"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["voucher_settlement_runs.id"],
            name=op.f("voucher_settlements_run_id_fkey"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("voucher_settlements_pkey")),
        sa.UniqueConstraint(
            "provider_id", "month", name="uq_voucher_settlements_provider_month"
        ),
    )
    with op.batch_alter_table("voucher_settlements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_voucher_settlements_run_id"), ["run_id"], unique=False
        )
    op.create_table(
        "voucher_settlement_lines",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("settlement_id", sa.String(40), nullable=False),
        sa.Column("redemption_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["redemption_id"], ["voucher_redemptions.id"],
            name=op.f("voucher_settlement_lines_redemption_id_fkey"),
        ),
        sa.ForeignKeyConstraint(
            ["settlement_id"], ["voucher_settlements.id"],
            name=op.f("voucher_settlement_lines_settlement_id_fkey"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("voucher_settlement_lines_pkey")),
        sa.UniqueConstraint("redemption_id", "kind", name="uq_voucher_settlement_lines_once"),
    )
    with op.batch_alter_table("voucher_settlement_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_voucher_settlement_lines_settlement_id"),
            ["settlement_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("voucher_settlement_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voucher_settlement_lines_settlement_id"))
    op.drop_table("voucher_settlement_lines")
    with op.batch_alter_table("voucher_settlements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voucher_settlements_run_id"))
    op.drop_table("voucher_settlements")
    op.drop_table("voucher_settlement_runs")
