"""Disbursements, the voucher settlements asked for, and the replica of the register and the dishonesty list.

Revision ID: funding_0005
Revises: funding_0007
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'funding_0005'
down_revision: str | None = "funding_0007"  # linear: 0003 ledger → 0004 allocations → 0007 bases → 0005 → 0006 public ledger
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('funding_disbursements',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('key', sa.String(200), nullable=False),
    sa.Column('payee_uscc', sa.String(18), nullable=False),
    sa.Column('payee_name', sa.String(200), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('account', sa.String(120), nullable=False),
    sa.Column('purpose', sa.String(40), nullable=False),
    sa.Column('source_ref', sa.String(200), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('budget_line', sa.String(80), nullable=False),
    sa.Column('district', sa.String(40), nullable=True),
    sa.Column('rule_set_version', sa.String(80), nullable=True),
    sa.Column('acceptance_ref', sa.String(80), nullable=True),
    sa.Column('status', sa.String(16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('commit_transfer_id', sa.String(40), nullable=False),
    sa.Column('proposed_by', sa.String(80), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_by', sa.String(80), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approval_note', sa.String(1000), nullable=True),
    sa.Column('payment_reference', sa.String(80), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_by', sa.String(80), nullable=True),
    sa.Column('payment_transfer_id', sa.String(40), nullable=True),
    sa.Column('public_record_seq', sa.Integer(), nullable=True),
    sa.Column('cancelled_by', sa.String(80), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.String(1000), nullable=True),
    sa.Column('cancel_transfer_id', sa.String(40), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status <> 'paid' OR (payment_reference IS NOT NULL AND approved_by IS NOT NULL)", name=op.f('funding_disbursements_paid_when_approved_check')),
    sa.CheckConstraint("status IN ('proposed', 'approved', 'paid', 'cancelled')", name=op.f('funding_disbursements_known_status_check')),
    sa.CheckConstraint('amount_fen > 0', name=op.f('funding_disbursements_positive_amount_check')),
    sa.CheckConstraint('approved_by IS NULL OR approved_by <> proposed_by', name=op.f('funding_disbursements_four_eyes_check')),
    sa.PrimaryKeyConstraint('id', name=op.f('funding_disbursements_pkey')),
    sa.UniqueConstraint('key', name=op.f('funding_disbursements_key_key')),
    sa.UniqueConstraint('payment_reference', name=op.f('funding_disbursements_payment_reference_key'))
    )
    with op.batch_alter_table('funding_disbursements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_disbursements_payee_uscc'), ['payee_uscc'], unique=False)
        batch_op.create_index(batch_op.f('ix_funding_disbursements_purpose'), ['purpose'], unique=False)
        batch_op.create_index(batch_op.f('ix_funding_disbursements_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_funding_disbursements_year'), ['year'], unique=False)

    op.create_table('funding_dishonesty_listings',
    sa.Column('record_id', sa.String(40), nullable=False),
    sa.Column('uscc', sa.String(18), nullable=False),
    sa.Column('listed_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('cleared_on', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('record_id', name=op.f('funding_dishonesty_listings_pkey'))
    )
    with op.batch_alter_table('funding_dishonesty_listings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_dishonesty_listings_uscc'), ['uscc'], unique=False)

    op.create_table('funding_enterprises',
    sa.Column('uscc', sa.String(18), nullable=False),
    sa.Column('name', sa.String(200), nullable=False),
    sa.Column('district', sa.String(40), nullable=False),
    sa.Column('industry', sa.String(8), nullable=True),
    sa.Column('founded_on', sa.Date(), nullable=False),
    sa.Column('size_class', sa.String(8), nullable=False),
    sa.Column('is_tech_sme', sa.Boolean(), nullable=False),
    sa.Column('employees', sa.Integer(), nullable=True),
    sa.Column('registered_capital_fen', sa.BigInteger(), nullable=True),
    sa.Column('founder_graduated_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('on_dishonesty_list', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('listed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('uscc', name=op.f('funding_enterprises_pkey'))
    )
    with op.batch_alter_table('funding_enterprises', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_enterprises_district'), ['district'], unique=False)

    op.create_table('funding_settlement_requests',
    sa.Column('settlement_id', sa.String(40), nullable=False),
    sa.Column('provider_id', sa.String(40), nullable=False),
    sa.Column('provider_uscc', sa.String(18), nullable=False),
    sa.Column('provider_name', sa.String(200), nullable=True),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('month', sa.String(7), nullable=False),
    sa.Column('outcome', sa.String(16), nullable=False),
    sa.Column('disbursement_id', sa.String(40), nullable=True),
    sa.Column('detail', sa.String(1000), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('settlement_id', name=op.f('funding_settlement_requests_pkey'))
    )


def downgrade() -> None:
    op.drop_table('funding_settlement_requests')
    with op.batch_alter_table('funding_enterprises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funding_enterprises_district'))

    op.drop_table('funding_enterprises')
    with op.batch_alter_table('funding_dishonesty_listings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funding_dishonesty_listings_uscc'))

    op.drop_table('funding_dishonesty_listings')
    with op.batch_alter_table('funding_disbursements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funding_disbursements_year'))
        batch_op.drop_index(batch_op.f('ix_funding_disbursements_status'))
        batch_op.drop_index(batch_op.f('ix_funding_disbursements_purpose'))
        batch_op.drop_index(batch_op.f('ix_funding_disbursements_payee_uscc'))

    op.drop_table('funding_disbursements')
