"""Demonstration bases and year-end acceptance: the five kinds of base with their responsible
departments and admission standards (the plan's 准入标准, section 五(一)2), bases, their yearly
KPI reports, their history, and acceptance results.

The plan states each kind's standards as qualitative requirements, and no minimum area: the
criteria below are its words, and `min_area_m2` is null until the office sets one.

Revision ID: funding_0007
Revises: funding_0004
Create Date: 2026-11-30
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = 'funding_0007'
down_revision: str | None = 'funding_0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Every kind: the plan's general conditions (产业政策导向, 环境保护).
_GENERAL = [
    {"code": "policy_alignment", "text": "符合国家、省、市产业政策导向和区域产业发展方向"},
    {"code": "environmental_compliance", "text": "符合环境保护有关要求"},
]
# (code, name_zh, name_en, responsible department, the kind's own criteria)
KINDS = [
    ("maker_space", "众创空间", "Maker space", "science", [
        {"code": "open_services", "text": "能提供全要素开放式的综合服务"},
        {"code": "founder_services", "text": "能为创业者提供工商注册、财务管理、场地、网络、办公设施等服务"},
        {"code": "service_model_innovation", "text": "在创业与创新、线上与线下、孵化与投资方面创新服务模式"},
        {"code": "entry_exit_rules", "text": "有明确的入驻条件和退出机制"},
    ]),
    ("startup_base", "小企业创业基地", "Small-business start-up base", "sme_bureau", [
        {"code": "reused_space", "text": "通过利用对闲置土地、厂房、楼宇等资源的改造,打造新的物理空间"},
        {"code": "incubation_capacity", "text": "产业链条较为完整,具备较强孵化能力和综合服务功能,能够为入驻企业的发展提供宏观指导等服务"},
        {"code": "mentoring_system", "text": "创业辅导服务体系健全"},
    ]),
    ("tech_incubator", "科技孵化器", "Technology incubator", "science", [
        {"code": "growth_services", "text": "可提供政策、法律、财务、市场推广和加速成长等服务"},
        {"code": "rd_facilities", "text": "可提供研发、试制、经营的场地和共享设施等方面的服务"},
        {"code": "technology_services", "text": "可提供技术合同登记服务、知识产权服务、高新技术企业认定服务等"},
    ]),
    ("commerce_cluster", "商贸企业集聚区", "Commerce cluster", "commerce", [
        {"code": "cluster_space", "text": "为小微商贸物流企业、电子商务企业、跨境电商企业、传统商贸流通企业集聚发展和创业创新孵化提供物理空间"},
        {"code": "one_stop_services", "text": "能提供财务管理、工商注册、人员培训等一站式配套服务"},
        {"code": "tenant_incentives", "text": "入驻小微企业享受空间使用费减免、税费减免、贷款贴息等一系列优惠政策"},
    ]),
    ("micro_incubation_park", "微型企业孵化园", "Micro-enterprise incubation park", "business_registration", [
        {"code": "business_secretary", "text": "具备为小微企业提供服务的商务秘书平台"},
        {"code": "entry_exit_rules", "text": "有严格的准入制度和退出机制"},
        {"code": "service_functions", "text": "能集聚人才培训、财务管理等服务企业的功能"},
    ]),
]  # fmt: skip


def upgrade() -> None:
    op.create_table('funding_base_kinds',
    sa.Column('code', sa.String(40), nullable=False),
    sa.Column('name_zh', sa.String(40), nullable=False),
    sa.Column('name_en', sa.String(80), nullable=False),
    sa.Column('department', sa.String(40), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('min_area_m2', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.String(80), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('funding_base_kinds_pkey'))
    )
    kinds = sa.table(
        "funding_base_kinds",
        sa.column("code", sa.String),
        sa.column("name_zh", sa.String),
        sa.column("name_en", sa.String),
        sa.column("department", sa.String),
        sa.column("criteria", sa.JSON),
        sa.column("min_area_m2", sa.Integer),
        sa.column("version", sa.Integer),
        sa.column("updated_by", sa.String),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    loaded = datetime(2026, 11, 30, tzinfo=UTC)
    op.bulk_insert(
        kinds,
        [
            {
                "code": code,
                "name_zh": name_zh,
                "name_en": name_en,
                "department": department,
                "criteria": [*_GENERAL, *criteria],
                "min_area_m2": None,
                "version": 1,
                "updated_by": "migration",
                "updated_at": loaded,
            }
            for code, name_zh, name_en, department, criteria in KINDS
        ],
    )
    op.create_table('funding_bases',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('operator_uscc', sa.String(18), nullable=False),
    sa.Column('name', sa.String(200), nullable=False),
    sa.Column('district', sa.String(40), nullable=False),
    sa.Column('kind', sa.String(40), nullable=False),
    sa.Column('area_m2', sa.Integer(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(16), nullable=False),
    sa.Column('department', sa.String(40), nullable=False),
    sa.Column('standards_version', sa.Integer(), nullable=True),
    sa.Column('decision_reasons', sa.JSON(), nullable=False),
    sa.Column('decided_by', sa.String(80), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('admitted_on', sa.Date(), nullable=True),
    sa.Column('exited_on', sa.Date(), nullable=True),
    sa.Column('exit_kind', sa.String(20), nullable=True),
    sa.Column('exit_reason', sa.String(2000), nullable=True),
    sa.Column('filed_by', sa.String(80), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('area_m2 > 0', name=op.f('funding_bases_ck_funding_bases_area_check')),
    sa.ForeignKeyConstraint(['kind'], ['funding_base_kinds.code'], name=op.f('funding_bases_kind_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('funding_bases_pkey'))
    )
    with op.batch_alter_table('funding_bases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_bases_district'), ['district'], unique=False)
        batch_op.create_index(batch_op.f('ix_funding_bases_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_funding_bases_operator_uscc'), ['operator_uscc'], unique=False)
        batch_op.create_index(batch_op.f('ix_funding_bases_status'), ['status'], unique=False)

    op.create_table('funding_acceptances',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('base_id', sa.String(40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('result', sa.String(8), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('findings', sa.String(4000), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('department', sa.String(40), nullable=False),
    sa.Column('recorded_by', sa.String(80), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("result IN ('passed', 'failed')", name=op.f('funding_acceptances_ck_funding_acceptances_result_check')),
    sa.CheckConstraint('score >= 0 AND score <= 100', name=op.f('funding_acceptances_ck_funding_acceptances_score_check')),
    sa.ForeignKeyConstraint(['base_id'], ['funding_bases.id'], name=op.f('funding_acceptances_base_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('funding_acceptances_pkey')),
    sa.UniqueConstraint('base_id', 'year', name='uq_funding_acceptances_base_year')
    )
    with op.batch_alter_table('funding_acceptances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_acceptances_base_id'), ['base_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_funding_acceptances_year'), ['year'], unique=False)

    op.create_table('funding_base_changes',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('base_id', sa.String(40), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(30), nullable=False),
    sa.Column('status', sa.String(16), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('actor', sa.String(80), nullable=False),
    sa.Column('actor_kind', sa.String(20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['base_id'], ['funding_bases.id'], name=op.f('funding_base_changes_base_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('funding_base_changes_pkey')),
    sa.UniqueConstraint('base_id', 'seq', name='uq_funding_base_changes_seq')
    )
    with op.batch_alter_table('funding_base_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_base_changes_base_id'), ['base_id'], unique=False)

    op.create_table('funding_base_kpis',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('base_id', sa.String(40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('enterprises_incubated', sa.Integer(), nullable=False),
    sa.Column('jobs_created', sa.Integer(), nullable=False),
    sa.Column('private_money_fen', sa.BigInteger(), nullable=False),
    sa.Column('services_delivered', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('reported_by', sa.String(80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('enterprises_incubated >= 0 AND jobs_created >= 0 AND private_money_fen >= 0 AND services_delivered >= 0', name=op.f('funding_base_kpis_ck_funding_base_kpis_non_negative_check')),
    sa.ForeignKeyConstraint(['base_id'], ['funding_bases.id'], name=op.f('funding_base_kpis_base_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('funding_base_kpis_pkey')),
    sa.UniqueConstraint('base_id', 'year', name='uq_funding_base_kpis_base_year')
    )
    with op.batch_alter_table('funding_base_kpis', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_base_kpis_base_id'), ['base_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('funding_base_kpis', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funding_base_kpis_base_id'))

    op.drop_table('funding_base_kpis')
    with op.batch_alter_table('funding_base_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funding_base_changes_base_id'))

    op.drop_table('funding_base_changes')
    with op.batch_alter_table('funding_acceptances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funding_acceptances_year'))
        batch_op.drop_index(batch_op.f('ix_funding_acceptances_base_id'))

    op.drop_table('funding_acceptances')
    with op.batch_alter_table('funding_bases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funding_bases_status'))
        batch_op.drop_index(batch_op.f('ix_funding_bases_operator_uscc'))
        batch_op.drop_index(batch_op.f('ix_funding_bases_kind'))
        batch_op.drop_index(batch_op.f('ix_funding_bases_district'))

    op.drop_table('funding_bases')
    op.drop_table('funding_base_kinds')
