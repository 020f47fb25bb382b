"""The register replica (from the registry feed) and credit records with their versions.

Revision ID: credit_0002
Revises: credit_0001
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'credit_0002'
down_revision: str | None = 'credit_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('enterprise_replicas',
    sa.Column('uscc', sa.String(18), nullable=False),
    sa.Column('name', sa.String(200), nullable=False),
    sa.Column('district', sa.String(40), nullable=False),
    sa.Column('industry', sa.String(4), nullable=False),
    sa.Column('founded_on', sa.Date(), nullable=False),
    sa.Column('size_class', sa.String(8), nullable=False),
    sa.Column('is_tech_sme', sa.Boolean(), nullable=False),
    sa.Column('employees', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deregistered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('uscc', name=op.f('enterprise_replicas_pkey'))
    )
    with op.batch_alter_table('enterprise_replicas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprise_replicas_district'), ['district'], unique=False)

    op.create_table('indicator_filings',
    sa.Column('report_id', sa.String(40), nullable=False),
    sa.Column('uscc', sa.String(18), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(16), nullable=False),
    sa.Column('revenue_fen', sa.BigInteger(), nullable=True),
    sa.Column('employees', sa.BigInteger(), nullable=True),
    sa.Column('tech_contract_turnover_fen', sa.BigInteger(), nullable=True),
    sa.Column('granted_patents', sa.BigInteger(), nullable=True),
    sa.Column('effective', sa.JSON(), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('report_id', name=op.f('indicator_filings_pkey'))
    )
    with op.batch_alter_table('indicator_filings', schema=None) as batch_op:
        batch_op.create_index('ix_indicator_filings_uscc_year', ['uscc', 'year'], unique=False)

    op.create_table('credit_records',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('uscc', sa.String(18), nullable=False),
    sa.Column('type', sa.String(40), nullable=False),
    sa.Column('polarity', sa.String(10), nullable=False),
    sa.Column('source', sa.String(80), nullable=False),
    sa.Column('source_kind', sa.String(16), nullable=False),
    sa.Column('reference', sa.String(120), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('title', sa.String(300), nullable=False),
    sa.Column('evidence_url', sa.String(2000), nullable=True),
    sa.Column('loan_status', sa.String(16), nullable=True),
    sa.Column('status', sa.String(16), nullable=False),
    sa.Column('disputed', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('filed_by', sa.String(80), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('repaired_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['uscc'], ['enterprise_replicas.uscc'], name=op.f('credit_records_uscc_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('credit_records_pkey')),
    sa.UniqueConstraint('source', 'reference', name='uq_credit_records_source_reference')
    )
    with op.batch_alter_table('credit_records', schema=None) as batch_op:
        batch_op.create_index('ix_credit_records_uscc_type', ['uscc', 'type'], unique=False)

    op.create_table('credit_record_versions',
    sa.Column('record_id', sa.String(40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('change', sa.String(16), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('reason', sa.String(1000), nullable=True),
    sa.Column('actor', sa.String(80), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['credit_records.id'], name=op.f('credit_record_versions_record_id_fkey')),
    sa.PrimaryKeyConstraint('record_id', 'version', name=op.f('credit_record_versions_pkey'))
    )


def downgrade() -> None:
    op.drop_table('credit_record_versions')
    with op.batch_alter_table('credit_records', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_records_uscc_type')

    op.drop_table('credit_records')
    with op.batch_alter_table('indicator_filings', schema=None) as batch_op:
        batch_op.drop_index('ix_indicator_filings_uscc_year')

    op.drop_table('indicator_filings')
    with op.batch_alter_table('enterprise_replicas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprise_replicas_district'))

    op.drop_table('enterprise_replicas')
