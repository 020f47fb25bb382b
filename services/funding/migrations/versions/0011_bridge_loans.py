"""The emergency bridge fund (应急周转): capital loaded into `fund:bridge` and the bridge loans
(one per registered 助保贷 loan), and version 1 of the `funding.bridge` parameters (from
2015-01-01, open-ended: 15 days' window, up to the maturing principal, 30 days at most, a fee of
600 bp a year on a 360-day year).

Revision ID: funding_0011
Revises: funding_0009
Create Date: 2026-11-30
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

BRIDGE_2015 = {
    "description": "2015 bridge terms: apply within 15 days of maturity, up to the maturing principal, for at most 30 days, at 6% a year (600 bp) on a 360-day year, rounded down.",
    "inputs": {"maturing_principal_fen": "int", "amount_fen": "int", "days": "int"},
    "parameters": {
        "window": {"type": "int", "value": 15},
        "longest": {"type": "int", "value": 30},
        "fee_bp_per_year": {"type": "int", "value": 600},
    },
    "rules": [
        {
            "name": "window_days",
            "expression": "window",
            "description": "Applications are taken from 15 days before maturity.",
            "type": "int",
            "references": ["window"],
        },
        {
            "name": "max_amount_fen",
            "expression": "maturing_principal_fen",
            "description": "Up to the maturing principal.",
            "type": "int",
            "references": ["maturing_principal_fen"],
        },
        {
            "name": "max_days",
            "expression": "longest",
            "description": "For at most 30 days.",
            "type": "int",
            "references": ["longest"],
        },
        {
            "name": "fee_fen",
            "expression": "amount_fen * fee_bp_per_year * days / 3600000",
            "description": "amount × 600 bp × days / (10000 × 360), rounded down to the fen.",
            "type": "int",
            "references": ["amount_fen", "days", "fee_bp_per_year"],
        },
    ],
}
DEFAULT_ID = "rls_funding_bridge_2015"

revision: str = "funding_0011"
down_revision: str | None = "funding_0010"  # after the subsidies (funding_0010)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "funding_bridge_capital",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("from_account", sa.String(120), nullable=False),
        sa.Column("transfer_id", sa.String(40), nullable=False),
        sa.Column("memo", sa.String(500), nullable=False),
        sa.Column("recorded_by", sa.String(80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "amount_fen > 0", name=op.f("funding_bridge_capital_positive_amount_check")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("funding_bridge_capital_pkey")),
        sa.UniqueConstraint("key", name=op.f("funding_bridge_capital_key_key")),
    )
    with op.batch_alter_table("funding_bridge_capital", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_funding_bridge_capital_year"), ["year"], unique=False)

    op.create_table(
        "funding_bridge_loans",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("guaranteed_loan_id", sa.String(40), nullable=False),
        sa.Column("bank_code", sa.String(18), nullable=False),
        sa.Column("enterprise_uscc", sa.String(18), nullable=False),
        sa.Column("enterprise_name", sa.String(200), nullable=False),
        sa.Column("maturing_principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("loan_maturity_on", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("fee_fen", sa.BigInteger(), nullable=False),
        sa.Column("lent_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("rule_set_id", sa.String(40), nullable=False),
        sa.Column("rule_set_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("lend_transfer_id", sa.String(40), nullable=True),
        sa.Column("renewed_on", sa.Date(), nullable=True),
        sa.Column("renewal_contract_no", sa.String(60), nullable=True),
        sa.Column("renewal_principal_fen", sa.BigInteger(), nullable=True),
        sa.Column("renewal_maturity_on", sa.Date(), nullable=True),
        sa.Column("renewed_by", sa.String(80), nullable=True),
        sa.Column("overdue_since", sa.Date(), nullable=True),
        sa.Column("repaid_on", sa.Date(), nullable=True),
        sa.Column("repay_transfer_id", sa.String(40), nullable=True),
        sa.Column("repaid_by", sa.String(80), nullable=True),
        sa.Column("applied_by", sa.String(80), nullable=False),
        sa.Column("actor", sa.String(80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('lent', 'renewed', 'repaid')",
            name=op.f("funding_bridge_loans_known_status_check"),
        ),
        sa.CheckConstraint(
            "amount_fen <= maturing_principal_fen",
            name=op.f("funding_bridge_loans_within_principal_check"),
        ),
        sa.CheckConstraint(
            "amount_fen > 0", name=op.f("funding_bridge_loans_positive_amount_check")
        ),
        sa.CheckConstraint("days > 0", name=op.f("funding_bridge_loans_positive_days_check")),
        sa.CheckConstraint(
            "due_on > lent_on", name=op.f("funding_bridge_loans_due_after_lent_check")
        ),
        sa.CheckConstraint(
            "fee_fen >= 0", name=op.f("funding_bridge_loans_fee_not_negative_check")
        ),
        sa.ForeignKeyConstraint(
            ["guaranteed_loan_id"],
            ["funding_risk_pool_loans.id"],
            name=op.f("funding_bridge_loans_guaranteed_loan_id_fkey"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("funding_bridge_loans_pkey")),
        sa.UniqueConstraint(
            "guaranteed_loan_id", name=op.f("funding_bridge_loans_guaranteed_loan_id_key")
        ),
    )
    with op.batch_alter_table("funding_bridge_loans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_funding_bridge_loans_bank_code"), ["bank_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_funding_bridge_loans_due_on"), ["due_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_funding_bridge_loans_enterprise_uscc"), ["enterprise_uscc"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_funding_bridge_loans_status"), ["status"], unique=False
        )

    rule_sets = sa.table(
        "rule_sets",
        sa.column("id", sa.String),
        sa.column("family", sa.String),
        sa.column("version", sa.Integer),
        sa.column("effective_from", sa.Date),
        sa.column("effective_to", sa.Date),
        sa.column("definition", sa.JSON),
        sa.column("revision", sa.Integer),
        sa.column("created_by", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    loaded = datetime(2026, 11, 30, tzinfo=UTC)
    op.bulk_insert(
        rule_sets,
        [
            {
                "id": DEFAULT_ID,
                "family": "funding.bridge",
                "version": 1,
                "effective_from": date(2015, 1, 1),
                "effective_to": None,
                "definition": BRIDGE_2015,
                "revision": 1,
                "created_by": "migration",
                "created_at": loaded,
                "updated_at": loaded,
            }
        ],
    )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM rule_sets WHERE id = 'rls_funding_bridge_2015'"))
    with op.batch_alter_table("funding_bridge_loans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funding_bridge_loans_status"))
        batch_op.drop_index(batch_op.f("ix_funding_bridge_loans_enterprise_uscc"))
        batch_op.drop_index(batch_op.f("ix_funding_bridge_loans_due_on"))
        batch_op.drop_index(batch_op.f("ix_funding_bridge_loans_bank_code"))

    op.drop_table("funding_bridge_loans")
    with op.batch_alter_table("funding_bridge_capital", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funding_bridge_capital_year"))

    op.drop_table("funding_bridge_capital")
