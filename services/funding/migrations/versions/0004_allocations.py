"""Block allocation and district matching: allocations, obligations, blocks, payments.

Revision ID: funding_0004
Revises: funding_0003
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "funding_0004"
down_revision: str | None = "funding_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "funding_allocations",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("line", sa.String(60), nullable=False),
        sa.Column("line_account", sa.String(120), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("allocation_rule_set_id", sa.String(40), nullable=True),
        sa.Column("matching_rule_set_id", sa.String(40), nullable=False),
        sa.Column("kpi_year", sa.Integer(), nullable=True),
        sa.Column("transfer_id", sa.String(40), nullable=False),
        sa.Column("memo", sa.String(500), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("funding_allocations_pkey")),
    )
    op.create_index(op.f("ix_funding_allocations_year"), "funding_allocations", ["year"])
    op.create_table(
        "funding_matching_obligations",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("allocation_id", sa.String(40), nullable=False),
        sa.Column("district", sa.String(40), nullable=False),
        sa.Column("block_account", sa.String(120), nullable=False),
        sa.Column("city_fen", sa.BigInteger(), nullable=False),
        sa.Column("city_part", sa.Integer(), nullable=False),
        sa.Column("district_part", sa.Integer(), nullable=False),
        sa.Column("owed_fen", sa.BigInteger(), nullable=False),
        sa.Column("weight", sa.BigInteger(), nullable=True),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "city_fen > 0 AND owed_fen >= 0 AND city_part > 0 AND district_part > 0",
            name=op.f("funding_matching_obligations_ck_funding_matching_obligation_check"),
        ),
        sa.ForeignKeyConstraint(
            ["allocation_id"],
            ["funding_allocations.id"],
            name=op.f("funding_matching_obligations_allocation_id_fkey"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("funding_matching_obligations_pkey")),
        sa.UniqueConstraint("allocation_id", "district", name="uq_funding_matching_obligation"),
    )
    op.create_index(
        op.f("ix_funding_matching_obligations_allocation_id"),
        "funding_matching_obligations",
        ["allocation_id"],
    )
    op.create_index(
        op.f("ix_funding_matching_obligations_district"),
        "funding_matching_obligations",
        ["district"],
    )
    op.create_table(
        "funding_matching_blocks",
        sa.Column("block_account", sa.String(120), nullable=False),
        sa.Column("district", sa.String(40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("line", sa.String(60), nullable=False),
        sa.Column("city_fen", sa.BigInteger(), nullable=False),
        sa.Column("owed_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_fen", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "city_fen >= 0 AND owed_fen >= 0 AND paid_fen >= 0 AND paid_fen <= owed_fen",
            name=op.f("funding_matching_blocks_ck_funding_matching_block_check"),
        ),
        sa.PrimaryKeyConstraint("block_account", name=op.f("funding_matching_blocks_pkey")),
    )
    op.create_index(
        op.f("ix_funding_matching_blocks_district"), "funding_matching_blocks", ["district"]
    )
    op.create_table(
        "funding_matching_payments",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("district", sa.String(40), nullable=False),
        sa.Column("block_account", sa.String(120), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("transfer_id", sa.String(40), nullable=False),
        sa.Column("reported_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "amount_fen > 0",
            name=op.f("funding_matching_payments_ck_funding_matching_payment_check"),
        ),
        sa.ForeignKeyConstraint(
            ["block_account"],
            ["funding_matching_blocks.block_account"],
            name=op.f("funding_matching_payments_block_account_fkey"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("funding_matching_payments_pkey")),
    )
    op.create_index(
        op.f("ix_funding_matching_payments_block_account"),
        "funding_matching_payments",
        ["block_account"],
    )
    op.create_index(
        op.f("ix_funding_matching_payments_district"), "funding_matching_payments", ["district"]
    )


def downgrade() -> None:
    op.drop_table("funding_matching_payments")
    op.drop_table("funding_matching_blocks")
    op.drop_table("funding_matching_obligations")
    op.drop_table("funding_allocations")
