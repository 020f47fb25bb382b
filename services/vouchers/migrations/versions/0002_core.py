"""Rule sets, the enterprise replica, programmes, providers and their catalogues, vouchers, usage.

Revision ID: vouchers_0002
Revises: vouchers_0001
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.common.kernel_schema import create_rule_tables, drop_rule_tables


revision: str = 'vouchers_0002'
down_revision: str | None = 'vouchers_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_rule_tables()
    op.create_table('voucher_enterprise_usage',
    sa.Column('uscc', sa.String(18), nullable=False),
    sa.Column('programme_id', sa.String(40), nullable=False),
    sa.Column('issued_fen', sa.BigInteger(), nullable=False),
    sa.Column('redeemed_fen', sa.BigInteger(), nullable=False),
    sa.Column('cap_fen', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('issued_fen >= 0 AND issued_fen <= cap_fen', name=op.f('voucher_enterprise_usage_ck_voucher_enterprise_usage_cap_check')),
    sa.PrimaryKeyConstraint('uscc', 'programme_id', name=op.f('voucher_enterprise_usage_pkey'))
    )
    op.create_table('voucher_enterprises',
    sa.Column('uscc', sa.String(18), nullable=False),
    sa.Column('name', sa.String(200), nullable=False),
    sa.Column('district', sa.String(40), nullable=False),
    sa.Column('founded_on', sa.Date(), nullable=False),
    sa.Column('size_class', sa.String(8), nullable=False),
    sa.Column('is_tech_sme', sa.Boolean(), nullable=False),
    sa.Column('legal_rep_id_hash', sa.String(64), nullable=True),
    sa.Column('status', sa.String(16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('on_dishonesty_list', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('listed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('uscc', name=op.f('voucher_enterprises_pkey'))
    )
    with op.batch_alter_table('voucher_enterprises', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voucher_enterprises_legal_rep_id_hash'), ['legal_rep_id_hash'], unique=False)

    op.create_table('voucher_programmes',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('kind', sa.String(16), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(200), nullable=False),
    sa.Column('budget_fen', sa.BigInteger(), nullable=False),
    sa.Column('committed_fen', sa.BigInteger(), nullable=False),
    sa.Column('face_value_fen', sa.BigInteger(), nullable=False),
    sa.Column('coverage_bp', sa.Integer(), nullable=False),
    sa.Column('yearly_cap_fen', sa.BigInteger(), nullable=False),
    sa.Column('validity_days', sa.Integer(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('rule_set_id', sa.String(40), nullable=True),
    sa.Column('auto_approve', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.CheckConstraint('committed_fen >= 0 AND committed_fen <= budget_fen', name=op.f('voucher_programmes_ck_voucher_programmes_within_budget_check')),
    sa.PrimaryKeyConstraint('id', name=op.f('voucher_programmes_pkey')),
    sa.UniqueConstraint('kind', 'year', 'name', name='uq_voucher_programmes_kind_year_name')
    )
    op.create_table('voucher_providers',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('uscc', sa.String(18), nullable=False),
    sa.Column('name', sa.String(200), nullable=False),
    sa.Column('kind', sa.String(16), nullable=False),
    sa.Column('district', sa.String(40), nullable=True),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('legal_rep_id_hash', sa.String(64), nullable=True),
    sa.Column('status', sa.String(16), nullable=False),
    sa.Column('status_reason', sa.String(1000), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('applied_by', sa.String(80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('voucher_providers_pkey')),
    sa.UniqueConstraint('uscc', name=op.f('voucher_providers_uscc_key'))
    )
    with op.batch_alter_table('voucher_providers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voucher_providers_legal_rep_id_hash'), ['legal_rep_id_hash'], unique=False)

    op.create_table('voucher_provider_services',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('provider_id', sa.String(40), nullable=False),
    sa.Column('category', sa.String(40), nullable=False),
    sa.Column('title', sa.String(300), nullable=False),
    sa.Column('description', sa.String(2000), nullable=True),
    sa.Column('price_fen', sa.BigInteger(), nullable=True),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['voucher_providers.id'], name=op.f('voucher_provider_services_provider_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('voucher_provider_services_pkey'))
    )
    with op.batch_alter_table('voucher_provider_services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voucher_provider_services_provider_id'), ['provider_id'], unique=False)

    op.create_table('vouchers',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('code', sa.String(40), nullable=False),
    sa.Column('programme_id', sa.String(40), nullable=False),
    sa.Column('application_id', sa.String(40), nullable=True),
    sa.Column('uscc', sa.String(18), nullable=False),
    sa.Column('face_value_fen', sa.BigInteger(), nullable=False),
    sa.Column('balance_fen', sa.BigInteger(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('released_fen', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('balance_fen >= 0 AND balance_fen <= face_value_fen', name=op.f('vouchers_ck_vouchers_balance_check')),
    sa.ForeignKeyConstraint(['programme_id'], ['voucher_programmes.id'], name=op.f('vouchers_programme_id_fkey')),
    sa.ForeignKeyConstraint(['uscc'], ['voucher_enterprises.uscc'], name=op.f('vouchers_uscc_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('vouchers_pkey')),
    sa.UniqueConstraint('code', name=op.f('vouchers_code_key'))
    )
    with op.batch_alter_table('vouchers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vouchers_expires_on'), ['expires_on'], unique=False)
        batch_op.create_index('ix_vouchers_uscc_programme', ['uscc', 'programme_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('vouchers', schema=None) as batch_op:
        batch_op.drop_index('ix_vouchers_uscc_programme')
        batch_op.drop_index(batch_op.f('ix_vouchers_expires_on'))

    op.drop_table('vouchers')
    with op.batch_alter_table('voucher_provider_services', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voucher_provider_services_provider_id'))

    op.drop_table('voucher_provider_services')
    with op.batch_alter_table('voucher_providers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voucher_providers_legal_rep_id_hash'))

    op.drop_table('voucher_providers')
    op.drop_table('voucher_programmes')
    with op.batch_alter_table('voucher_enterprises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voucher_enterprises_legal_rep_id_hash'))

    op.drop_table('voucher_enterprises')
    op.drop_table('voucher_enterprise_usage')
    drop_rule_tables()
