"""Subsidies: graduate entrepreneur interest subsidy claims, guarantee institutions, guarantees
and their payouts, the list of enterprise fees and fee claims; and the default versions of the
rule families `funding.interest.benchmark` (the PBoC benchmark lending rates from 2014-11-22 to
2015-10-24, by term band, in basis points) and `funding.guarantee.compensation` (30% of a
payout, from 2015).

Revision ID: funding_0010
Revises: funding_0008
Create Date: 2026-11-30
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = 'funding_0010'
down_revision: str | None = 'funding_0009'  # after the risk pool (funding_0009)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (id, effective from, last day in force, up to 1 year, 1 to 5 years, over 5 years) in basis
# points, as the People's Bank of China announced them (tests/funding/test_interest_subsidies.py
# checks the loaded versions against the announcements, read through the rule-set API).
BENCHMARKS = (
    ("rls_funding_interest_20141122", date(2014, 11, 22), date(2015, 2, 28), 560, 600, 615),
    ("rls_funding_interest_20150301", date(2015, 3, 1), date(2015, 5, 10), 535, 575, 590),
    ("rls_funding_interest_20150511", date(2015, 5, 11), date(2015, 6, 27), 510, 550, 565),
    ("rls_funding_interest_20150628", date(2015, 6, 28), date(2015, 8, 25), 485, 525, 540),
    ("rls_funding_interest_20150826", date(2015, 8, 26), date(2015, 10, 23), 460, 500, 515),
    ("rls_funding_interest_20151024", date(2015, 10, 24), None, 435, 475, 490),
)
COMPENSATION_2015 = {'description': '30% of each payout (代偿) a registered guarantee institution reports.', 'inputs': {}, 'parameters': {'payout_share_bp': {'type': 'int', 'value': 3000}}, 'rules': [{'name': 'share_bp', 'expression': 'payout_share_bp', 'description': '30% of the payout, in basis points.', 'type': 'int', 'references': ['payout_share_bp']}]}


def _benchmark(announced: date, up_to_1y: int, to_5y: int, over_5y: int) -> dict[str, Any]:
    return {
        "description": f"PBoC benchmark lending rates from {announced.isoformat()}: up to 1 year "
        f"{up_to_1y / 100:.2f}%, 1 to 5 years {to_5y / 100:.2f}%, over 5 years "
        f"{over_5y / 100:.2f}%.",
        "inputs": {"term_months": "int"},
        "parameters": {
            "up_to_1y_bp": {"type": "int", "value": up_to_1y},
            "to_5y_bp": {"type": "int", "value": to_5y},
            "over_5y_bp": {"type": "int", "value": over_5y},
        },
        "rules": [
            {
                "name": "rate_bp",
                "expression": "term_months <= 12 ? up_to_1y_bp : "
                "(term_months <= 60 ? to_5y_bp : over_5y_bp)",
                "description": "The band of the loan's term, in basis points a year.",
                "type": "int",
                "references": ["over_5y_bp", "term_months", "to_5y_bp", "up_to_1y_bp"],
            }
        ],
    }


def _rule_sets() -> None:
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
    common = {"revision": 1, "created_by": "migration", "created_at": loaded, "updated_at": loaded}
    rows = [
        {
            "id": rule_set_id,
            "family": "funding.interest.benchmark",
            "version": version,
            "effective_from": first,
            "effective_to": last,
            "definition": _benchmark(first, short, mid, long),
            **common,
        }
        for version, (rule_set_id, first, last, short, mid, long) in enumerate(BENCHMARKS, 1)
    ]
    rows.append(
        {
            "id": "rls_funding_guarantee_compensation_2015",
            "family": "funding.guarantee.compensation",
            "version": 1,
            "effective_from": date(2015, 1, 1),
            "effective_to": None,
            "definition": COMPENSATION_2015,
            **common,
        }
    )
    op.bulk_insert(rule_sets, rows)


def upgrade() -> None:
    op.create_table('funding_fee_items',
    sa.Column('code', sa.String(60), nullable=False),
    sa.Column('item', sa.String(200), nullable=False),
    sa.Column('department', sa.String(200), nullable=False),
    sa.Column('legal_basis', sa.String(1000), nullable=False),
    sa.Column('listed', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('funding_fee_items_pkey'))
    )
    op.create_table('funding_guarantee_institutions',
    sa.Column('code', sa.String(20), nullable=False),
    sa.Column('name', sa.String(200), nullable=False),
    sa.Column('uscc', sa.String(18), nullable=False),
    sa.Column('registered_by', sa.String(80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('funding_guarantee_institutions_pkey')),
    sa.UniqueConstraint('uscc', name=op.f('funding_guarantee_institutions_uscc_key'))
    )
    op.create_table('funding_guarantees',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('institution_code', sa.String(20), nullable=False),
    sa.Column('enterprise_uscc', sa.String(18), nullable=False),
    sa.Column('enterprise_name', sa.String(200), nullable=False),
    sa.Column('lender', sa.String(200), nullable=False),
    sa.Column('loan_ref', sa.String(64), nullable=False),
    sa.Column('principal_fen', sa.BigInteger(), nullable=False),
    sa.Column('guaranteed_fen', sa.BigInteger(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('paid_out_fen', sa.BigInteger(), nullable=False),
    sa.Column('compensated_fen', sa.BigInteger(), nullable=False),
    sa.Column('registered_by', sa.String(80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_on > starts_on', name=op.f('funding_guarantees_ends_after_start_check')),
    sa.CheckConstraint('guaranteed_fen > 0 AND guaranteed_fen <= principal_fen', name=op.f('funding_guarantees_guaranteed_in_principal_check')),
    sa.CheckConstraint('paid_out_fen >= 0 AND paid_out_fen <= guaranteed_fen', name=op.f('funding_guarantees_paid_out_in_guarantee_check')),
    sa.CheckConstraint('principal_fen > 0', name=op.f('funding_guarantees_positive_principal_check')),
    sa.PrimaryKeyConstraint('id', name=op.f('funding_guarantees_pkey')),
    sa.UniqueConstraint('institution_code', 'loan_ref', name=op.f('funding_guarantees_institution_code_loan_ref_key'))
    )
    with op.batch_alter_table('funding_guarantees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_guarantees_enterprise_uscc'), ['enterprise_uscc'], unique=False)
        batch_op.create_index(batch_op.f('ix_funding_guarantees_institution_code'), ['institution_code'], unique=False)

    op.create_table('funding_interest_claims',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('enterprise_uscc', sa.String(18), nullable=False),
    sa.Column('enterprise_name', sa.String(200), nullable=False),
    sa.Column('founder_graduated_on', sa.Date(), nullable=False),
    sa.Column('bank_code', sa.String(20), nullable=False),
    sa.Column('loan_ref', sa.String(64), nullable=False),
    sa.Column('loan_date', sa.Date(), nullable=False),
    sa.Column('matures_on', sa.Date(), nullable=False),
    sa.Column('term_months', sa.Integer(), nullable=False),
    sa.Column('principal_fen', sa.BigInteger(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.Integer(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('stretches', sa.JSON(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('rule_set_version', sa.String(80), nullable=False),
    sa.Column('account', sa.String(120), nullable=False),
    sa.Column('disbursement_id', sa.String(40), nullable=False),
    sa.Column('claimed_by', sa.String(80), nullable=False),
    sa.Column('actor', sa.String(80), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name=op.f('funding_interest_claims_positive_amount_check')),
    sa.CheckConstraint('principal_fen > 0', name=op.f('funding_interest_claims_positive_principal_check')),
    sa.CheckConstraint('quarter BETWEEN 1 AND 4', name=op.f('funding_interest_claims_known_quarter_check')),
    sa.PrimaryKeyConstraint('id', name=op.f('funding_interest_claims_pkey')),
    sa.UniqueConstraint('bank_code', 'loan_ref', 'year', 'quarter', name=op.f('funding_interest_claims_bank_code_loan_ref_year_quarter_key'))
    )
    with op.batch_alter_table('funding_interest_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_interest_claims_enterprise_uscc'), ['enterprise_uscc'], unique=False)
        batch_op.create_index(batch_op.f('ix_funding_interest_claims_year'), ['year'], unique=False)

    op.create_table('funding_fee_claims',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('enterprise_uscc', sa.String(18), nullable=False),
    sa.Column('enterprise_name', sa.String(200), nullable=False),
    sa.Column('fee_code', sa.String(60), nullable=False),
    sa.Column('fee_item', sa.String(200), nullable=False),
    sa.Column('receipt_no', sa.String(64), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('account', sa.String(120), nullable=False),
    sa.Column('disbursement_id', sa.String(40), nullable=False),
    sa.Column('claimed_by', sa.String(80), nullable=False),
    sa.Column('actor', sa.String(80), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name=op.f('funding_fee_claims_positive_amount_check')),
    sa.ForeignKeyConstraint(['fee_code'], ['funding_fee_items.code'], name=op.f('funding_fee_claims_fee_code_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('funding_fee_claims_pkey')),
    sa.UniqueConstraint('enterprise_uscc', 'fee_code', 'receipt_no', name=op.f('funding_fee_claims_enterprise_uscc_fee_code_receipt_no_key'))
    )
    with op.batch_alter_table('funding_fee_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_fee_claims_enterprise_uscc'), ['enterprise_uscc'], unique=False)

    op.create_table('funding_guarantee_payouts',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('guarantee_id', sa.String(40), nullable=False),
    sa.Column('institution_code', sa.String(20), nullable=False),
    sa.Column('reference', sa.String(64), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('payout_fen', sa.BigInteger(), nullable=False),
    sa.Column('share_bp', sa.Integer(), nullable=False),
    sa.Column('compensation_fen', sa.BigInteger(), nullable=False),
    sa.Column('rule_set_id', sa.String(40), nullable=False),
    sa.Column('rule_set_version', sa.String(80), nullable=False),
    sa.Column('account', sa.String(120), nullable=False),
    sa.Column('disbursement_id', sa.String(40), nullable=True),
    sa.Column('reported_by', sa.String(80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('compensation_fen >= 0', name=op.f('funding_guarantee_payouts_compensation_not_negative_check')),
    sa.CheckConstraint('payout_fen > 0', name=op.f('funding_guarantee_payouts_positive_payout_check')),
    sa.CheckConstraint('share_bp BETWEEN 0 AND 10000', name=op.f('funding_guarantee_payouts_share_in_range_check')),
    sa.ForeignKeyConstraint(['guarantee_id'], ['funding_guarantees.id'], name=op.f('funding_guarantee_payouts_guarantee_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('funding_guarantee_payouts_pkey')),
    sa.UniqueConstraint('institution_code', 'reference', name=op.f('funding_guarantee_payouts_institution_code_reference_key'))
    )
    with op.batch_alter_table('funding_guarantee_payouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_guarantee_payouts_guarantee_id'), ['guarantee_id'], unique=False)

    _rule_sets()


def downgrade() -> None:
    ids = [row[0] for row in BENCHMARKS] + ["rls_funding_guarantee_compensation_2015"]
    op.execute(sa.text("DELETE FROM rule_sets WHERE id IN (" + ", ".join(f"'{i}'" for i in ids) + ")"))
    with op.batch_alter_table('funding_guarantee_payouts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funding_guarantee_payouts_guarantee_id'))

    op.drop_table('funding_guarantee_payouts')
    with op.batch_alter_table('funding_fee_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funding_fee_claims_enterprise_uscc'))

    op.drop_table('funding_fee_claims')
    with op.batch_alter_table('funding_interest_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funding_interest_claims_year'))
        batch_op.drop_index(batch_op.f('ix_funding_interest_claims_enterprise_uscc'))

    op.drop_table('funding_interest_claims')
    with op.batch_alter_table('funding_guarantees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funding_guarantees_institution_code'))
        batch_op.drop_index(batch_op.f('ix_funding_guarantees_enterprise_uscc'))

    op.drop_table('funding_guarantees')
    op.drop_table('funding_guarantee_institutions')
    op.drop_table('funding_fee_items')
