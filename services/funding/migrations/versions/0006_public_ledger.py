"""The public ledger: paid disbursements in a hash chain, its head row, signed checkpoints.

Revision ID: funding_0006
Revises: funding_0002
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "funding_0006"
down_revision: str | None = "funding_0005"  # linear after the ledger (0003) and disbursements (0005)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64


def upgrade() -> None:
    head = op.create_table(
        "public_ledger_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("public_ledger_head_pkey")),
        sa.CheckConstraint(
            "id = 1", name=op.f("public_ledger_head_ck_public_ledger_head_single_check")
        ),
        sa.CheckConstraint(
            "sequence >= 0", name=op.f("public_ledger_head_ck_public_ledger_head_sequence_check")
        ),
    )
    # The genesis head: every append locks this one row.
    op.bulk_insert(head, [{"id": 1, "sequence": 0, "head_hash": GENESIS}])
    op.create_table(
        "public_ledger_records",
        sa.Column("sequence", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("disbursement_id", sa.String(80), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payer", sa.String(200), nullable=False),
        sa.Column("payee_name", sa.String(200), nullable=False),
        sa.Column("payee_uscc", sa.String(18), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("programme", sa.String(200), nullable=False),
        sa.Column("budget_line", sa.String(120), nullable=False),
        sa.Column("district", sa.String(40), nullable=True),
        sa.Column("rule_set_version", sa.String(80), nullable=True),
        sa.Column("acceptance_ref", sa.String(80), nullable=True),
        sa.Column("corrects", sa.BigInteger(), nullable=True),
        sa.Column("previous_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("sequence", name=op.f("public_ledger_records_pkey")),
        sa.UniqueConstraint("corrects", name=op.f("public_ledger_records_corrects_key")),
        sa.UniqueConstraint("hash", name=op.f("public_ledger_records_hash_key")),
        sa.ForeignKeyConstraint(
            ["corrects"],
            ["public_ledger_records.sequence"],
            name=op.f("public_ledger_records_corrects_fkey"),
        ),
        sa.CheckConstraint(
            "amount_fen >= 0",
            name=op.f("public_ledger_records_ck_public_ledger_records_amount_check"),
        ),
        sa.CheckConstraint(
            "corrects IS NULL OR corrects < sequence",
            name=op.f("public_ledger_records_ck_public_ledger_records_corrects_check"),
        ),
        sa.CheckConstraint(
            "sequence >= 1",
            name=op.f("public_ledger_records_ck_public_ledger_records_sequence_check"),
        ),
    )
    op.create_index(
        op.f("ix_public_ledger_records_disbursement_id"),
        "public_ledger_records",
        ["disbursement_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_public_ledger_records_payee_uscc"),
        "public_ledger_records",
        ["payee_uscc"],
        unique=False,
    )
    op.create_table(
        "public_ledger_checkpoints",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(80), nullable=False),
        sa.Column("signature", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("daily_on", sa.Date(), nullable=True),
        sa.Column("issued_by", sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("public_ledger_checkpoints_pkey")),
        sa.UniqueConstraint("daily_on", name=op.f("public_ledger_checkpoints_daily_on_key")),
    )


def downgrade() -> None:
    op.drop_table("public_ledger_checkpoints")
    op.drop_index(op.f("ix_public_ledger_records_payee_uscc"), table_name="public_ledger_records")
    op.drop_index(
        op.f("ix_public_ledger_records_disbursement_id"), table_name="public_ledger_records"
    )
    op.drop_table("public_ledger_records")
    op.drop_table("public_ledger_head")
