"""Bank agreements (effective-dated 助保贷 terms per partner bank) and the 助保贷 risk pool: its
row (outstanding guaranteed principal, locked by every registration), deposits, guaranteed
loans, repayments, compensation claims and recoveries.

Revision ID: funding_0009
Revises: funding_0008
Create Date: 2026-11-30
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "funding_0009"
down_revision: str | None = "funding_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "funding_bank_agreements",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("bank_code", sa.String(18), nullable=False),
        sa.Column("bank_name", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("leverage_multiple", sa.Integer(), nullable=False),
        sa.Column("rate_cap_bp", sa.Integer(), nullable=False),
        sa.Column("pool_share_bp", sa.Integer(), nullable=False),
        sa.Column("per_loan_cap_fen", sa.BigInteger(), nullable=False),
        sa.Column("per_enterprise_cap_fen", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.String(1000), nullable=True),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "leverage_multiple >= 1", name=op.f("funding_bank_agreements_leverage_positive_check")
        ),
        sa.CheckConstraint(
            "per_enterprise_cap_fen >= per_loan_cap_fen",
            name=op.f("funding_bank_agreements_enterprise_cap_at_least_loan_cap_check"),
        ),
        sa.CheckConstraint(
            "per_loan_cap_fen > 0", name=op.f("funding_bank_agreements_per_loan_cap_positive_check")
        ),
        sa.CheckConstraint(
            "pool_share_bp >= 0 AND pool_share_bp <= 10000",
            name=op.f("funding_bank_agreements_share_in_range_check"),
        ),
        sa.CheckConstraint(
            "rate_cap_bp > 0", name=op.f("funding_bank_agreements_rate_cap_positive_check")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("funding_bank_agreements_pkey")),
        sa.UniqueConstraint("bank_code", "effective_from", name="uq_bank_agreements_from"),
        sa.UniqueConstraint("bank_code", "version", name="uq_bank_agreements_version"),
    )
    op.create_index(
        op.f("ix_funding_bank_agreements_bank_code"),
        "funding_bank_agreements",
        ["bank_code"],
        unique=False,
    )
    op.create_table(
        "funding_risk_pool",
        sa.Column("id", sa.String(20), nullable=False),
        sa.Column("outstanding_fen", sa.BigInteger(), nullable=False),
        sa.Column("principal_registered_fen", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "outstanding_fen >= 0", name=op.f("funding_risk_pool_outstanding_non_negative_check")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("funding_risk_pool_pkey")),
    )
    op.create_table(
        "funding_risk_pool_deposits",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("from_account", sa.String(120), nullable=False),
        sa.Column("transfer_id", sa.String(40), nullable=False),
        sa.Column("memo", sa.String(500), nullable=False),
        sa.Column("recorded_by", sa.String(80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "amount_fen > 0", name=op.f("funding_risk_pool_deposits_positive_amount_check")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("funding_risk_pool_deposits_pkey")),
        sa.UniqueConstraint("key", name=op.f("funding_risk_pool_deposits_key_key")),
    )
    op.create_index(
        op.f("ix_funding_risk_pool_deposits_year"),
        "funding_risk_pool_deposits",
        ["year"],
        unique=False,
    )
    op.create_table(
        "funding_risk_pool_loans",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("bank_code", sa.String(18), nullable=False),
        sa.Column("contract_no", sa.String(60), nullable=False),
        sa.Column("enterprise_uscc", sa.String(18), nullable=False),
        sa.Column("enterprise_name", sa.String(200), nullable=False),
        sa.Column("principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("maturity_on", sa.Date(), nullable=False),
        sa.Column("agreement_id", sa.String(40), nullable=False),
        sa.Column("agreement_version", sa.Integer(), nullable=False),
        sa.Column("pool_share_bp", sa.Integer(), nullable=False),
        sa.Column("outstanding_fen", sa.BigInteger(), nullable=False),
        sa.Column("repaid_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("registered_by", sa.String(80), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'repaid', 'defaulted')",
            name=op.f("funding_risk_pool_loans_known_status_check"),
        ),
        sa.CheckConstraint(
            "maturity_on > start_on", name=op.f("funding_risk_pool_loans_matures_after_start_check")
        ),
        sa.CheckConstraint(
            "outstanding_fen >= 0 AND outstanding_fen <= principal_fen",
            name=op.f("funding_risk_pool_loans_outstanding_range_check"),
        ),
        sa.CheckConstraint(
            "principal_fen > 0", name=op.f("funding_risk_pool_loans_positive_principal_check")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("funding_risk_pool_loans_pkey")),
        sa.UniqueConstraint("bank_code", "contract_no", name="uq_risk_pool_loans_contract"),
    )
    op.create_index(
        op.f("ix_funding_risk_pool_loans_bank_code"),
        "funding_risk_pool_loans",
        ["bank_code"],
        unique=False,
    )
    op.create_index(
        op.f("ix_funding_risk_pool_loans_enterprise_uscc"),
        "funding_risk_pool_loans",
        ["enterprise_uscc"],
        unique=False,
    )
    op.create_index(
        op.f("ix_funding_risk_pool_loans_status"),
        "funding_risk_pool_loans",
        ["status"],
        unique=False,
    )
    op.create_table(
        "funding_risk_pool_claims",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("loan_id", sa.String(40), nullable=False),
        sa.Column("bank_code", sa.String(18), nullable=False),
        sa.Column("defaulted_on", sa.Date(), nullable=False),
        sa.Column("outstanding_at_default_fen", sa.BigInteger(), nullable=False),
        sa.Column("loss_fen", sa.BigInteger(), nullable=False),
        sa.Column("pool_share_bp", sa.Integer(), nullable=False),
        sa.Column("pool_share_fen", sa.BigInteger(), nullable=False),
        sa.Column("bank_share_fen", sa.BigInteger(), nullable=False),
        sa.Column("disbursement_id", sa.String(40), nullable=True),
        sa.Column("recovered_fen", sa.BigInteger(), nullable=False),
        sa.Column("pool_recovered_fen", sa.BigInteger(), nullable=False),
        sa.Column("claimed_by", sa.String(80), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "loss_fen > 0", name=op.f("funding_risk_pool_claims_positive_loss_check")
        ),
        sa.CheckConstraint(
            "pool_recovered_fen >= 0 AND pool_recovered_fen <= pool_share_fen",
            name=op.f("funding_risk_pool_claims_pool_recovered_within_share_check"),
        ),
        sa.CheckConstraint(
            "pool_share_fen + bank_share_fen = loss_fen",
            name=op.f("funding_risk_pool_claims_shares_add_up_check"),
        ),
        sa.CheckConstraint(
            "recovered_fen >= 0 AND recovered_fen <= loss_fen",
            name=op.f("funding_risk_pool_claims_recovered_within_loss_check"),
        ),
        sa.ForeignKeyConstraint(
            ["loan_id"],
            ["funding_risk_pool_loans.id"],
            name=op.f("funding_risk_pool_claims_loan_id_fkey"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("funding_risk_pool_claims_pkey")),
        sa.UniqueConstraint("loan_id", name=op.f("funding_risk_pool_claims_loan_id_key")),
    )
    op.create_index(
        op.f("ix_funding_risk_pool_claims_bank_code"),
        "funding_risk_pool_claims",
        ["bank_code"],
        unique=False,
    )
    op.create_table(
        "funding_risk_pool_repayments",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("loan_id", sa.String(40), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("repaid_on", sa.Date(), nullable=False),
        sa.Column("outstanding_after_fen", sa.BigInteger(), nullable=False),
        sa.Column("recorded_by", sa.String(80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "amount_fen > 0", name=op.f("funding_risk_pool_repayments_positive_amount_check")
        ),
        sa.ForeignKeyConstraint(
            ["loan_id"],
            ["funding_risk_pool_loans.id"],
            name=op.f("funding_risk_pool_repayments_loan_id_fkey"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("funding_risk_pool_repayments_pkey")),
    )
    op.create_index(
        op.f("ix_funding_risk_pool_repayments_loan_id"),
        "funding_risk_pool_repayments",
        ["loan_id"],
        unique=False,
    )
    op.create_table(
        "funding_risk_pool_recoveries",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("claim_id", sa.String(40), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("pool_part_fen", sa.BigInteger(), nullable=False),
        sa.Column("bank_part_fen", sa.BigInteger(), nullable=False),
        sa.Column("recovered_on", sa.Date(), nullable=False),
        sa.Column("transfer_id", sa.String(40), nullable=True),
        sa.Column("recorded_by", sa.String(80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "amount_fen > 0", name=op.f("funding_risk_pool_recoveries_positive_amount_check")
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["funding_risk_pool_claims.id"],
            name=op.f("funding_risk_pool_recoveries_claim_id_fkey"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("funding_risk_pool_recoveries_pkey")),
    )
    op.create_index(
        op.f("ix_funding_risk_pool_recoveries_claim_id"),
        "funding_risk_pool_recoveries",
        ["claim_id"],
        unique=False,
    )

    pool = sa.table(
        "funding_risk_pool",
        sa.column("id", sa.String),
        sa.column("outstanding_fen", sa.BigInteger),
        sa.column("principal_registered_fen", sa.BigInteger),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(
        pool,
        [{"id": "zhubaodai", "outstanding_fen": 0, "principal_registered_fen": 0,
          "updated_at": datetime(2026, 11, 30, tzinfo=UTC)}],
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index(
        op.f("ix_funding_risk_pool_recoveries_claim_id"), table_name="funding_risk_pool_recoveries"
    )
    op.drop_table("funding_risk_pool_recoveries")
    op.drop_index(
        op.f("ix_funding_risk_pool_repayments_loan_id"), table_name="funding_risk_pool_repayments"
    )
    op.drop_table("funding_risk_pool_repayments")
    op.drop_index(
        op.f("ix_funding_risk_pool_claims_bank_code"), table_name="funding_risk_pool_claims"
    )
    op.drop_table("funding_risk_pool_claims")
    op.drop_index(op.f("ix_funding_risk_pool_loans_status"), table_name="funding_risk_pool_loans")
    op.drop_index(
        op.f("ix_funding_risk_pool_loans_enterprise_uscc"), table_name="funding_risk_pool_loans"
    )
    op.drop_index(
        op.f("ix_funding_risk_pool_loans_bank_code"), table_name="funding_risk_pool_loans"
    )
    op.drop_table("funding_risk_pool_loans")
    op.drop_index(
        op.f("ix_funding_risk_pool_deposits_year"), table_name="funding_risk_pool_deposits"
    )
    op.drop_table("funding_risk_pool_deposits")
    op.drop_table("funding_risk_pool")
    op.drop_index(
        op.f("ix_funding_bank_agreements_bank_code"), table_name="funding_bank_agreements"
    )
    op.drop_table("funding_bank_agreements")
