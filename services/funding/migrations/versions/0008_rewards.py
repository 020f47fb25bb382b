"""Reward runs and their lines (each base's reward with its trace), and the 2015 defaults of
the reward rule families: version 1 of `funding.reward.space` (rent per m² up to a cap, an
amount per incubated enterprise up to a cap, a multiplier by kind) and of
`funding.reward.public_services` (an amount per service delivered and per job created, capped),
each in force for 2015 only.

Revision ID: funding_0008
Revises: funding_0006
Create Date: 2026-11-30
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision: str = 'funding_0008'
down_revision: str | None = 'funding_0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SPACE_2015 = {'description': '2015 space rent subsidy: rent per m² up to a cap, an amount per incubated enterprise up to a cap, times a multiplier by kind (basis points).', 'inputs': {'kind': 'string', 'area_m2': 'int', 'enterprises_incubated': 'int'}, 'parameters': {'rent_fen_per_m2': {'type': 'int', 'value': 6000}, 'rent_cap_fen': {'type': 'int', 'value': 300000000}, 'fen_per_enterprise': {'type': 'int', 'value': 2000000}, 'incubation_cap_fen': {'type': 'int', 'value': 200000000}, 'kind_multiplier_bp': {'type': 'map<string, int>', 'value': {'maker_space': 12000, 'tech_incubator': 12000, 'startup_base': 10000, 'micro_incubation_park': 10000, 'commerce_cluster': 8000}}}, 'rules': [{'name': 'rent', 'expression': 'math.least(area_m2 * rent_fen_per_m2, rent_cap_fen)', 'description': '60 yuan a m² of incubation area, at most 3,000,000 yuan.', 'type': 'int', 'references': ['area_m2', 'rent_cap_fen', 'rent_fen_per_m2']}, {'name': 'incubation', 'expression': 'math.least(enterprises_incubated * fen_per_enterprise, incubation_cap_fen)', 'description': '20,000 yuan an incubated enterprise, at most 2,000,000 yuan.', 'type': 'int', 'references': ['enterprises_incubated', 'fen_per_enterprise', 'incubation_cap_fen']}, {'name': 'multiplier_bp', 'expression': 'kind in kind_multiplier_bp ? kind_multiplier_bp[kind] : 10000', 'description': 'By kind, in basis points (10000 = ×1); an unlisted kind ×1.', 'type': 'int', 'references': ['kind', 'kind_multiplier_bp']}, {'name': 'reward_fen', 'expression': '(rent + incubation) * multiplier_bp / 10000', 'description': 'Rent and incubation times the multiplier (rounded down to the fen).', 'type': 'int', 'references': ['incubation', 'multiplier_bp', 'rent']}]}
PUBLIC_SERVICES_2015 = {'description': '2015 public services: an amount per service delivered and per job created, at most a cap.', 'inputs': {'services_delivered': 'int', 'jobs_created': 'int'}, 'parameters': {'fen_per_service': {'type': 'int', 'value': 50000}, 'fen_per_job': {'type': 'int', 'value': 300000}, 'cap_fen': {'type': 'int', 'value': 100000000}}, 'rules': [{'name': 'services', 'expression': 'services_delivered * fen_per_service', 'description': '500 yuan a service delivered.', 'type': 'int', 'references': ['fen_per_service', 'services_delivered']}, {'name': 'jobs', 'expression': 'jobs_created * fen_per_job', 'description': '3,000 yuan a job created.', 'type': 'int', 'references': ['fen_per_job', 'jobs_created']}, {'name': 'reward_fen', 'expression': 'math.least(services + jobs, cap_fen)', 'description': 'Services and jobs, at most 1,000,000 yuan.', 'type': 'int', 'references': ['cap_fen', 'jobs', 'services']}]}
DEFAULTS = (
    ("rls_funding_reward_space_2015", "funding.reward.space", SPACE_2015),
    ("rls_funding_reward_public_services_2015", "funding.reward.public_services", PUBLIC_SERVICES_2015),
)


def upgrade() -> None:
    op.create_table('funding_reward_runs',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('budget_line', sa.String(40), nullable=False),
    sa.Column('rule_set_id', sa.String(40), nullable=False),
    sa.Column('rule_set_family', sa.String(80), nullable=False),
    sa.Column('rule_set_version', sa.Integer(), nullable=False),
    sa.Column('bases', sa.Integer(), nullable=False),
    sa.Column('computed_fen', sa.BigInteger(), nullable=False),
    sa.Column('awarded_fen', sa.BigInteger(), nullable=False),
    sa.Column('disbursements', sa.Integer(), nullable=False),
    sa.Column('accounts', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('funding_reward_runs_pkey')),
    sa.UniqueConstraint('year', 'budget_line', 'rule_set_version', name=op.f('funding_reward_runs_year_budget_line_rule_set_version_key'))
    )
    op.create_table('funding_reward_lines',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('run_id', sa.String(40), nullable=False),
    sa.Column('base_id', sa.String(40), nullable=False),
    sa.Column('base_name', sa.String(200), nullable=False),
    sa.Column('operator_uscc', sa.String(18), nullable=False),
    sa.Column('district', sa.String(40), nullable=False),
    sa.Column('kind', sa.String(40), nullable=False),
    sa.Column('acceptance_id', sa.String(40), nullable=False),
    sa.Column('account', sa.String(120), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('computed_fen', sa.BigInteger(), nullable=False),
    sa.Column('awarded_fen', sa.BigInteger(), nullable=False),
    sa.Column('scaled', sa.Boolean(), nullable=False),
    sa.Column('trace', sa.JSON(), nullable=False),
    sa.Column('disbursement_id', sa.String(40), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['funding_reward_runs.id'], name=op.f('funding_reward_lines_run_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('funding_reward_lines_pkey')),
    sa.UniqueConstraint('run_id', 'base_id', name=op.f('funding_reward_lines_run_id_base_id_key'))
    )
    with op.batch_alter_table('funding_reward_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_reward_lines_run_id'), ['run_id'], unique=False)

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
                "id": rule_set_id,
                "family": family,
                "version": 1,
                "effective_from": date(2015, 1, 1),
                "effective_to": date(2015, 12, 31),
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
            "('rls_funding_reward_space_2015', 'rls_funding_reward_public_services_2015')"
        )
    )
    with op.batch_alter_table('funding_reward_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funding_reward_lines_run_id'))

    op.drop_table('funding_reward_lines')
    op.drop_table('funding_reward_runs')
