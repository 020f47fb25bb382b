"""Consents (an enterprise authorizes a named bank, for one purpose) and the query log of credit reports.

Revision ID: credit_0006
Revises: credit_0002
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'credit_0006'
down_revision: str | None = 'credit_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('credit_queries',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('uscc', sa.String(18), nullable=False),
    sa.Column('bank', sa.String(40), nullable=False),
    sa.Column('client_id', sa.String(80), nullable=False),
    sa.Column('purpose', sa.String(32), nullable=False),
    sa.Column('consent_id', sa.String(40), nullable=True),
    sa.Column('outcome', sa.String(16), nullable=False),
    sa.Column('refusal_code', sa.String(40), nullable=True),
    sa.Column('request_id', sa.String(80), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('credit_queries_pkey'))
    )
    with op.batch_alter_table('credit_queries', schema=None) as batch_op:
        batch_op.create_index('ix_credit_queries_bank_id', ['bank', 'id'], unique=False)
        batch_op.create_index('ix_credit_queries_uscc_id', ['uscc', 'id'], unique=False)

    op.create_table('credit_consents',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('uscc', sa.String(18), nullable=False),
    sa.Column('bank', sa.String(40), nullable=False),
    sa.Column('purpose', sa.String(32), nullable=False),
    sa.Column('granted_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(16), nullable=False),
    sa.Column('granted_by', sa.String(80), nullable=False),
    sa.Column('granted_by_kind', sa.String(16), nullable=False),
    sa.Column('actor', sa.String(80), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.String(80), nullable=True),
    sa.Column('revoked_actor', sa.String(80), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['uscc'], ['enterprise_replicas.uscc'], name=op.f('credit_consents_uscc_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('credit_consents_pkey'))
    )
    with op.batch_alter_table('credit_consents', schema=None) as batch_op:
        batch_op.create_index('ix_credit_consents_bank', ['bank', 'id'], unique=False)
        batch_op.create_index('ix_credit_consents_uscc_bank_purpose', ['uscc', 'bank', 'purpose'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('credit_consents', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_consents_uscc_bank_purpose')
        batch_op.drop_index('ix_credit_consents_bank')

    op.drop_table('credit_consents')
    with op.batch_alter_table('credit_queries', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_queries_uscc_id')
        batch_op.drop_index('ix_credit_queries_bank_id')

    op.drop_table('credit_queries')
