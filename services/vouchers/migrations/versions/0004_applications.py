"""Voucher applications: the eligibility found (rule trace), the decision, the voucher issued.

Revision ID: vouchers_0004
Revises: vouchers_0003
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'vouchers_0004'
down_revision: str | None = 'vouchers_0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('voucher_applications',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('programme_id', sa.String(40), nullable=False),
    sa.Column('uscc', sa.String(18), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('purpose', sa.String(1000), nullable=False),
    sa.Column('status', sa.String(16), nullable=False),
    sa.Column('eligible', sa.Boolean(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('eligibility', sa.JSON(), nullable=False),
    sa.Column('rule_set_id', sa.String(40), nullable=True),
    sa.Column('applied_by', sa.String(80), nullable=False),
    sa.Column('actor', sa.String(80), nullable=True),
    sa.Column('decided_by', sa.String(80), nullable=True),
    sa.Column('decision_reason', sa.String(1000), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voucher_id', sa.String(40), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['voucher_programmes.id'], name=op.f('voucher_applications_programme_id_fkey')),
    sa.ForeignKeyConstraint(['uscc'], ['voucher_enterprises.uscc'], name=op.f('voucher_applications_uscc_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('voucher_applications_pkey'))
    )
    with op.batch_alter_table('voucher_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voucher_applications_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index('ix_voucher_applications_uscc', ['uscc', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('voucher_applications', schema=None) as batch_op:
        batch_op.drop_index('ix_voucher_applications_uscc')
        batch_op.drop_index(batch_op.f('ix_voucher_applications_programme_id'))

    op.drop_table('voucher_applications')
