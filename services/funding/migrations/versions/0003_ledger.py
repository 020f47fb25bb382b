"""The double-entry ledger: accounts (stored balance, non-negative CHECK), transfers, entries;
and budgets (the documents each year was loaded from).

Revision ID: funding_0003
Revises: funding_0002
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "funding_0003"
down_revision: str | None = "funding_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "funding_ledger_accounts",
        sa.Column("code", sa.String(120), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("non_negative", sa.Boolean(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("district", sa.String(40), nullable=True),
        sa.Column("balance_fen", sa.BigInteger(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "NOT non_negative OR balance_fen >= 0",
            name=op.f("funding_ledger_accounts_ck_ledger_non_negative_check"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("funding_ledger_accounts_pkey")),
    )
    for column in ("kind", "year", "district"):
        op.create_index(
            op.f(f"ix_funding_ledger_accounts_{column}"), "funding_ledger_accounts", [column]
        )
    op.create_table(
        "funding_ledger_transfers",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("memo", sa.String(500), nullable=False),
        sa.Column("reference", sa.String(200), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("reverses", sa.String(40), nullable=True),
        sa.Column("principal_id", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reverses"],
            ["funding_ledger_transfers.id"],
            name=op.f("funding_ledger_transfers_reverses_fkey"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("funding_ledger_transfers_pkey")),
        sa.UniqueConstraint("key", name=op.f("funding_ledger_transfers_key_key")),
        sa.UniqueConstraint("reverses", name=op.f("funding_ledger_transfers_reverses_key")),
    )
    op.create_index(
        op.f("ix_funding_ledger_transfers_kind"), "funding_ledger_transfers", ["kind"]
    )
    op.create_table(
        "funding_ledger_entries",
        sa.Column("id", SEQ, autoincrement=True, nullable=False),
        sa.Column("transfer_id", sa.String(40), nullable=False),
        sa.Column("account_code", sa.String(120), nullable=False),
        sa.Column("entry_no", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("balance_after_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_code"],
            ["funding_ledger_accounts.code"],
            name=op.f("funding_ledger_entries_account_code_fkey"),
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["funding_ledger_transfers.id"],
            name=op.f("funding_ledger_entries_transfer_id_fkey"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("funding_ledger_entries_pkey")),
        sa.UniqueConstraint("account_code", "entry_no", name="uq_ledger_entries_account_no"),
    )
    op.create_index(
        "ix_funding_ledger_entries_transfer", "funding_ledger_entries", ["transfer_id"]
    )
    op.create_table(
        "funding_budgets",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("transfer_ids", sa.JSON(), nullable=False),
        sa.Column("loaded_by", sa.String(80), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("funding_budgets_pkey")),
    )


def downgrade() -> None:
    op.drop_table("funding_budgets")
    op.drop_table("funding_ledger_entries")
    op.drop_table("funding_ledger_transfers")
    op.drop_table("funding_ledger_accounts")
