"""Monitoring for banks: webhook endpoints, subscriptions, deliveries and their attempts.

Revision ID: credit_0010
Revises: credit_0009
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'credit_0010'
down_revision: str | None = 'credit_0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('monitoring_endpoints',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('bank', sa.String(80), nullable=False),
    sa.Column('url', sa.String(2000), nullable=False),
    sa.Column('description', sa.String(300), nullable=True),
    sa.Column('secret', sa.String(80), nullable=False),
    sa.Column('previous_secret', sa.String(80), nullable=True),
    sa.Column('previous_secret_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(16), nullable=False),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('paused_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('monitoring_endpoints_pkey'))
    )
    with op.batch_alter_table('monitoring_endpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitoring_endpoints_bank'), ['bank'], unique=False)

    op.create_table('monitoring_subscriptions',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('bank', sa.String(80), nullable=False),
    sa.Column('uscc', sa.String(18), nullable=False),
    sa.Column('endpoint_id', sa.String(40), nullable=False),
    sa.Column('event_types', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(16), nullable=False),
    sa.Column('created_by', sa.String(80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['endpoint_id'], ['monitoring_endpoints.id'], name=op.f('monitoring_subscriptions_endpoint_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('monitoring_subscriptions_pkey'))
    )
    with op.batch_alter_table('monitoring_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitoring_subscriptions_bank'), ['bank'], unique=False)
        batch_op.create_index('ix_monitoring_subscriptions_uscc_status', ['uscc', 'status'], unique=False)
        batch_op.create_index('uq_monitoring_subscriptions_live', ['endpoint_id', 'uscc'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    op.create_table('monitoring_deliveries',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('bank', sa.String(80), nullable=False),
    sa.Column('endpoint_id', sa.String(40), nullable=False),
    sa.Column('subscription_id', sa.String(40), nullable=False),
    sa.Column('event_id', sa.String(40), nullable=False),
    sa.Column('event_type', sa.String(80), nullable=False),
    sa.Column('uscc', sa.String(18), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('leased_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['endpoint_id'], ['monitoring_endpoints.id'], name=op.f('monitoring_deliveries_endpoint_id_fkey')),
    sa.ForeignKeyConstraint(['subscription_id'], ['monitoring_subscriptions.id'], name=op.f('monitoring_deliveries_subscription_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('monitoring_deliveries_pkey')),
    sa.UniqueConstraint('subscription_id', 'event_id', name='uq_monitoring_deliveries_event')
    )
    with op.batch_alter_table('monitoring_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitoring_deliveries_bank'), ['bank'], unique=False)
        batch_op.create_index('ix_monitoring_deliveries_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_monitoring_deliveries_endpoint', ['endpoint_id', 'id'], unique=False)

    op.create_table('monitoring_delivery_attempts',
    sa.Column('delivery_id', sa.String(40), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(500), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['monitoring_deliveries.id'], name=op.f('monitoring_delivery_attempts_delivery_id_fkey')),
    sa.PrimaryKeyConstraint('delivery_id', 'number', name=op.f('monitoring_delivery_attempts_pkey'))
    )


def downgrade() -> None:
    op.drop_table('monitoring_delivery_attempts')
    with op.batch_alter_table('monitoring_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_monitoring_deliveries_endpoint')
        batch_op.drop_index('ix_monitoring_deliveries_due')
        batch_op.drop_index(batch_op.f('ix_monitoring_deliveries_bank'))

    op.drop_table('monitoring_deliveries')
    with op.batch_alter_table('monitoring_subscriptions', schema=None) as batch_op:
        batch_op.drop_index('uq_monitoring_subscriptions_live', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.drop_index('ix_monitoring_subscriptions_uscc_status')
        batch_op.drop_index(batch_op.f('ix_monitoring_subscriptions_bank'))

    op.drop_table('monitoring_subscriptions')
    with op.batch_alter_table('monitoring_endpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitoring_endpoints_bank'))

    op.drop_table('monitoring_endpoints')
