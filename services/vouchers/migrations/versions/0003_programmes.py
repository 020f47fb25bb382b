"""Programmes and providers: the dishonesty listings kept from the credit feed, the default
eligibility rule sets per programme kind (创业券: founded within 3 years; 创新券: technology SMEs).

Revision ID: vouchers_0003
Revises: vouchers_0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision: str = 'vouchers_0003'
down_revision: str | None = 'vouchers_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STARTUP_DEFINITION = {'description': '创业券 default, version 1: active, small or micro, not on the dishonesty list, founded within 3 years.', 'inputs': {'status': 'string', 'size_class': 'string', 'on_dishonesty_list': 'bool', 'years_since_founding': 'int'}, 'parameters': {'max_years': {'type': 'int', 'value': 3}}, 'rules': [{'name': 'active', 'expression': "status == 'active'", 'description': 'Registered and not deregistered.', 'type': 'bool', 'references': ['status']}, {'name': 'small_or_micro', 'expression': "size_class in ['small', 'micro']", 'description': 'A small or micro enterprise.', 'type': 'bool', 'references': ['size_class']}, {'name': 'not_dishonest', 'expression': '!on_dishonesty_list', 'description': 'Not on the serious-dishonesty list.', 'type': 'bool', 'references': ['on_dishonesty_list']}, {'name': 'founded_recently', 'expression': 'years_since_founding < max_years', 'description': 'Founded within the last 3 years.', 'type': 'bool', 'references': ['max_years', 'years_since_founding']}, {'name': 'eligible', 'expression': 'active && small_or_micro && not_dishonest && founded_recently', 'description': 'Meets every criterion.', 'type': 'bool', 'references': ['active', 'founded_recently', 'not_dishonest', 'small_or_micro']}]}
INNOVATION_DEFINITION = {'description': '创新券 default, version 1: active, small or micro, not on the dishonesty list, a technology SME.', 'inputs': {'status': 'string', 'size_class': 'string', 'on_dishonesty_list': 'bool', 'is_tech_sme': 'bool'}, 'parameters': {}, 'rules': [{'name': 'active', 'expression': "status == 'active'", 'description': 'Registered and not deregistered.', 'type': 'bool', 'references': ['status']}, {'name': 'small_or_micro', 'expression': "size_class in ['small', 'micro']", 'description': 'A small or micro enterprise.', 'type': 'bool', 'references': ['size_class']}, {'name': 'not_dishonest', 'expression': '!on_dishonesty_list', 'description': 'Not on the serious-dishonesty list.', 'type': 'bool', 'references': ['on_dishonesty_list']}, {'name': 'technology_sme', 'expression': 'is_tech_sme', 'description': 'A technology-based SME (科技型中小企业).', 'type': 'bool', 'references': ['is_tech_sme']}, {'name': 'eligible', 'expression': 'active && small_or_micro && not_dishonest && technology_sme', 'description': 'Meets every criterion.', 'type': 'bool', 'references': ['active', 'not_dishonest', 'small_or_micro', 'technology_sme']}]}
DEFAULTS = (
    ("rls_vouchers_startup_v1", "vouchers.eligibility.startup", STARTUP_DEFINITION),
    ("rls_vouchers_innovation_v1", "vouchers.eligibility.innovation", INNOVATION_DEFINITION),
)


def upgrade() -> None:
    op.create_table('voucher_dishonesty_listings',
    sa.Column('record_id', sa.String(40), nullable=False),
    sa.Column('uscc', sa.String(18), nullable=False),
    sa.Column('listed_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('cleared_on', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('record_id', name=op.f('voucher_dishonesty_listings_pkey'))
    )
    with op.batch_alter_table('voucher_dishonesty_listings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voucher_dishonesty_listings_uscc'), ['uscc'], unique=False)

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
    loaded = datetime(2026, 12, 1, tzinfo=UTC)
    op.bulk_insert(
        rule_sets,
        [
            {
                "id": rule_set_id,
                "family": family,
                "version": 1,
                "effective_from": date(2015, 1, 1),
                "effective_to": None,
                "definition": definition,
                "revision": 1,
                "created_by": "migration",
                "created_at": loaded,
                "updated_at": loaded,
            }
            for rule_set_id, family, definition in DEFAULTS
        ],
    )


def downgrade() -> None:
    op.execute(
        sa.text(
            "DELETE FROM rule_sets WHERE id IN "
            "('rls_vouchers_startup_v1', 'rls_vouchers_innovation_v1')"
        )
    )
    with op.batch_alter_table('voucher_dishonesty_listings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voucher_dishonesty_listings_uscc'))

    op.drop_table('voucher_dishonesty_listings')
