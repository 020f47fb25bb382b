"""Redemptions and the contracts they pay (the covered share guarded in the database).

Revision ID: vouchers_0005
Revises: vouchers_0004
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "vouchers_0005"
down_revision: str | None = "vouchers_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "voucher_redemption_contracts",
        sa.Column("provider_id", sa.String(40), nullable=False),
        sa.Column("reference", sa.String(80), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("redeemed_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "redeemed_fen >= 0 AND redeemed_fen <= amount_fen",
            name=op.f(
                "voucher_redemption_contracts_ck_voucher_redemption_contracts_redeemed_check"
            ),
        ),
        sa.PrimaryKeyConstraint(
            "provider_id", "reference", name=op.f("voucher_redemption_contracts_pkey")
        ),
    )
    op.create_table(
        "voucher_redemptions",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("voucher_id", sa.String(40), nullable=False),
        sa.Column("programme_id", sa.String(40), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("provider_id", sa.String(40), nullable=False),
        sa.Column("contract_reference", sa.String(80), nullable=False),
        sa.Column("contract_amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reversed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reversed_by", sa.String(80), nullable=True),
        sa.Column("reversal_reason", sa.String(1000), nullable=True),
        sa.Column("settlement_id", sa.String(40), nullable=True),
        sa.Column("clawback_settlement_id", sa.String(40), nullable=True),
        sa.CheckConstraint(
            "amount_fen > 0", name=op.f("voucher_redemptions_ck_voucher_redemptions_amount_check")
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["voucher_programmes.id"],
            name=op.f("voucher_redemptions_programme_id_fkey"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["voucher_providers.id"],
            name=op.f("voucher_redemptions_provider_id_fkey"),
        ),
        sa.ForeignKeyConstraint(
            ["voucher_id"], ["vouchers.id"], name=op.f("voucher_redemptions_voucher_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("voucher_redemptions_pkey")),
    )
    with op.batch_alter_table("voucher_redemptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_voucher_redemptions_clawback_settlement_id"),
            ["clawback_settlement_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_voucher_redemptions_programme_id"), ["programme_id"], unique=False
        )
        batch_op.create_index(
            "ix_voucher_redemptions_provider_contract",
            ["provider_id", "contract_reference"],
            unique=False,
        )
        batch_op.create_index(
            "ix_voucher_redemptions_provider_created", ["provider_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_voucher_redemptions_settlement_id"), ["settlement_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_voucher_redemptions_uscc"), ["uscc"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_voucher_redemptions_voucher_id"), ["voucher_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("voucher_redemptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voucher_redemptions_voucher_id"))
        batch_op.drop_index(batch_op.f("ix_voucher_redemptions_uscc"))
        batch_op.drop_index(batch_op.f("ix_voucher_redemptions_settlement_id"))
        batch_op.drop_index("ix_voucher_redemptions_provider_created")
        batch_op.drop_index("ix_voucher_redemptions_provider_contract")
        batch_op.drop_index(batch_op.f("ix_voucher_redemptions_programme_id"))
        batch_op.drop_index(batch_op.f("ix_voucher_redemptions_clawback_settlement_id"))

    op.drop_table("voucher_redemptions")
    op.drop_table("voucher_redemption_contracts")
