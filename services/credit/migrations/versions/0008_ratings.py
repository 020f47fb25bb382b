"""Ratings: the scorecard version 1 (a kernel rule set, frozen here), ratings as history, runs.

Revision ID: credit_0008
Revises: credit_0006
Create Date: 2026-11-30
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "credit_0008"
down_revision: str | None = "credit_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The default scorecard (rule family `credit.scorecard`), version 1, as published and in the
# checked form the kernel stores (each rule's type and references): frozen here, a later
# change of policy is a new version saved through `POST /v1/rule-sets`.
V1_ID = "rls_credit_scorecard_v1"
V1_DEFINITION: dict[str, Any] = {
    "description": "Default scorecard: records (5-year rule) and soft information.",
    "inputs": {
        "serious_dishonesty_records": "int",
        "administrative_penalty_records": "int",
        "abnormal_operation_records": "int",
        "tax_arrears_records": "int",
        "court_enforcement_records": "int",
        "social_insurance_arrears_records": "int",
        "overdue_loans": "int",
        "patent_granted_records": "int",
        "technology_contract_records": "int",
        "tax_a_rating_records": "int",
        "award_records": "int",
        "on_time_loans": "int",
        "settled_loans": "int",
        "years_operating": "int",
        "employment_growth_bp": "int",
        "employment_known": "bool",
        "filing_years": "int",
    },
    "parameters": {
        "base": {"type": "int", "value": 600},
        "serious_points": {"type": "int", "value": -250},
        "serious_cap": {"type": "int", "value": -600},
        "negative_points": {"type": "int", "value": -60},
        "negative_cap": {"type": "int", "value": -300},
        "overdue_points": {"type": "int", "value": -120},
        "overdue_cap": {"type": "int", "value": -360},
        "repaid_points": {"type": "int", "value": 15},
        "repaid_cap": {"type": "int", "value": 60},
        "positive_points": {"type": "int", "value": 20},
        "positive_cap": {"type": "int", "value": 100},
        "patent_points": {"type": "int", "value": 15},
        "patent_cap": {"type": "int", "value": 90},
        "tech_contract_points": {"type": "int", "value": 10},
        "tech_contract_cap": {"type": "int", "value": 60},
        "young_years": {"type": "int", "value": 3},
        "year_points": {"type": "int", "value": 10},
        "years_cap": {"type": "int", "value": 10},
        "growth_strong_bp": {"type": "int", "value": 1000},
        "growth_strong_points": {"type": "int", "value": 40},
        "growth_points": {"type": "int", "value": 15},
        "shrink_bp": {"type": "int", "value": -2000},
        "shrink_points": {"type": "int", "value": -30},
        "filing_points": {"type": "list<int>", "value": [-20, 0, 15, 30]},
        "grade_min": {
            "type": "map<string, int>",
            "value": {"AAA": 850, "AA": 750, "A": 650, "B": 550, "C": 400},
        },
    },
    "rules": [
        {
            "name": "records_serious_dishonesty",
            "expression": '["serious_dishonesty_records"]',
            "description": "The counting serious dishonesty records.",
            "type": "list<string>",
            "references": [],
        },
        {
            "name": "points_serious_dishonesty",
            "expression": "serious_dishonesty_records * serious_points < serious_cap ? "
            "serious_cap : serious_dishonesty_records * serious_points",
            "description": "serious_points each, down to serious_cap.",
            "type": "int",
            "references": ["serious_cap", "serious_dishonesty_records", "serious_points"],
        },
        {
            "name": "records_negative_records",
            "expression": '["administrative_penalty_records", "abnormal_operation_records", '
            '"tax_arrears_records", "court_enforcement_records", '
            '"social_insurance_arrears_records"]',
            "description": "The counting other negative records.",
            "type": "list<string>",
            "references": [],
        },
        {
            "name": "input_negative_records",
            "expression": "administrative_penalty_records + abnormal_operation_records + "
            "tax_arrears_records + court_enforcement_records + "
            "social_insurance_arrears_records",
            "description": None,
            "type": "int",
            "references": [
                "abnormal_operation_records",
                "administrative_penalty_records",
                "court_enforcement_records",
                "social_insurance_arrears_records",
                "tax_arrears_records",
            ],
        },
        {
            "name": "points_negative_records",
            "expression": "input_negative_records * negative_points < negative_cap ? negative_cap "
            ": input_negative_records * negative_points",
            "description": "negative_points each, down to negative_cap.",
            "type": "int",
            "references": ["input_negative_records", "negative_cap", "negative_points"],
        },
        {
            "name": "records_overdue_loans",
            "expression": '["overdue_loans"]',
            "description": "The counting overdue loans.",
            "type": "list<string>",
            "references": [],
        },
        {
            "name": "points_overdue_loans",
            "expression": "overdue_loans * overdue_points < overdue_cap ? overdue_cap : "
            "overdue_loans * overdue_points",
            "description": "overdue_points each, down to overdue_cap.",
            "type": "int",
            "references": ["overdue_cap", "overdue_loans", "overdue_points"],
        },
        {
            "name": "input_years_in_operation",
            "expression": "years_operating",
            "description": None,
            "type": "int",
            "references": ["years_operating"],
        },
        {
            "name": "points_years_in_operation",
            "expression": "((years_operating > years_cap ? years_cap : years_operating) - "
            "young_years) * year_points",
            "description": "year_points per full year beyond young_years, counted up to years_cap.",
            "type": "int",
            "references": ["year_points", "years_cap", "years_operating", "young_years"],
        },
        {
            "name": "known_employment_growth",
            "expression": "employment_known",
            "description": None,
            "type": "bool",
            "references": ["employment_known"],
        },
        {
            "name": "input_employment_growth",
            "expression": "employment_growth_bp",
            "description": None,
            "type": "int",
            "references": ["employment_growth_bp"],
        },
        {
            "name": "points_employment_growth",
            "expression": "!employment_known ? 0 : employment_growth_bp >= growth_strong_bp ? "
            "growth_strong_points : employment_growth_bp >= 0 ? growth_points : "
            "employment_growth_bp <= shrink_bp ? shrink_points : 0",
            "description": "Strong growth, growth, a steep fall; nothing when unknown.",
            "type": "int",
            "references": [
                "employment_growth_bp",
                "employment_known",
                "growth_points",
                "growth_strong_bp",
                "growth_strong_points",
                "shrink_bp",
                "shrink_points",
            ],
        },
        {
            "name": "input_regular_filing",
            "expression": "filing_years",
            "description": None,
            "type": "int",
            "references": ["filing_years"],
        },
        {
            "name": "points_regular_filing",
            "expression": "filing_points[filing_years]",
            "description": "By the number of the last three years with indicators filed.",
            "type": "int",
            "references": ["filing_points", "filing_years"],
        },
        {
            "name": "records_granted_patents",
            "expression": '["patent_granted_records"]',
            "description": "The counting granted patents.",
            "type": "list<string>",
            "references": [],
        },
        {
            "name": "points_granted_patents",
            "expression": "patent_granted_records * patent_points > patent_cap ? patent_cap : "
            "patent_granted_records * patent_points",
            "description": "patent_points each, at most patent_cap.",
            "type": "int",
            "references": ["patent_cap", "patent_granted_records", "patent_points"],
        },
        {
            "name": "records_technology_contracts",
            "expression": '["technology_contract_records"]',
            "description": "The counting technology contracts.",
            "type": "list<string>",
            "references": [],
        },
        {
            "name": "points_technology_contracts",
            "expression": "technology_contract_records * tech_contract_points > tech_contract_cap "
            "? tech_contract_cap : technology_contract_records * "
            "tech_contract_points",
            "description": "tech_contract_points each, at most tech_contract_cap.",
            "type": "int",
            "references": [
                "tech_contract_cap",
                "tech_contract_points",
                "technology_contract_records",
            ],
        },
        {
            "name": "records_positive_records",
            "expression": '["tax_a_rating_records", "award_records"]',
            "description": "The counting other positive records.",
            "type": "list<string>",
            "references": [],
        },
        {
            "name": "input_positive_records",
            "expression": "tax_a_rating_records + award_records",
            "description": None,
            "type": "int",
            "references": ["award_records", "tax_a_rating_records"],
        },
        {
            "name": "points_positive_records",
            "expression": "input_positive_records * positive_points > positive_cap ? positive_cap "
            ": input_positive_records * positive_points",
            "description": "positive_points each, at most positive_cap.",
            "type": "int",
            "references": ["input_positive_records", "positive_cap", "positive_points"],
        },
        {
            "name": "records_loans_repaid",
            "expression": '["on_time_loans", "settled_loans"]',
            "description": "The counting loans repaid or being repaid on time.",
            "type": "list<string>",
            "references": [],
        },
        {
            "name": "input_loans_repaid",
            "expression": "on_time_loans + settled_loans",
            "description": None,
            "type": "int",
            "references": ["on_time_loans", "settled_loans"],
        },
        {
            "name": "points_loans_repaid",
            "expression": "input_loans_repaid * repaid_points > repaid_cap ? repaid_cap : "
            "input_loans_repaid * repaid_points",
            "description": "repaid_points each, at most repaid_cap.",
            "type": "int",
            "references": ["input_loans_repaid", "repaid_cap", "repaid_points"],
        },
        {
            "name": "total",
            "expression": "points_serious_dishonesty + points_negative_records + "
            "points_overdue_loans + points_years_in_operation + "
            "points_employment_growth + points_regular_filing + "
            "points_granted_patents + points_technology_contracts + "
            "points_positive_records + points_loans_repaid",
            "description": "The factors' points.",
            "type": "int",
            "references": [
                "points_employment_growth",
                "points_granted_patents",
                "points_loans_repaid",
                "points_negative_records",
                "points_overdue_loans",
                "points_positive_records",
                "points_regular_filing",
                "points_serious_dishonesty",
                "points_technology_contracts",
                "points_years_in_operation",
            ],
        },
        {
            "name": "score",
            "expression": "base + total < 0 ? 0 : base + total > 1000 ? 1000 : base + total",
            "description": "base plus the factors' points, within 0–1000.",
            "type": "int",
            "references": ["base", "total"],
        },
        {
            "name": "grade",
            "expression": 'score >= grade_min.AAA ? "AAA" : score >= grade_min.AA ? "AA" : score '
            '>= grade_min.A ? "A" : score >= grade_min.B ? "B" : score >= '
            'grade_min.C ? "C" : "D"',
            "description": "The band the score falls in.",
            "type": "string",
            "references": ["grade_min", "score"],
        },
        {
            "name": "reason_codes",
            "expression": '{"serious_dishonesty": "R01_SERIOUS_DISHONESTY", "negative_records": '
            '"R02_NEGATIVE_RECORDS", "overdue_loans": "R03_OVERDUE_LOANS", '
            '"years_in_operation": "R04_YEARS_IN_OPERATION", "employment_growth": '
            '"R05_EMPLOYMENT_GROWTH", "regular_filing": "R06_INDICATOR_FILING", '
            '"granted_patents": "R10_GRANTED_PATENTS", "technology_contracts": '
            '"R11_TECHNOLOGY_CONTRACTS", "positive_records": '
            '"R12_POSITIVE_RECORDS", "loans_repaid": "R13_LOANS_REPAID"}',
            "description": "The stable reason code of each factor.",
            "type": "map<string, string>",
            "references": [],
        },
    ],
}


def _load_v1() -> None:
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
                "id": V1_ID,
                "family": "credit.scorecard",
                "version": 1,
                "effective_from": date(2015, 1, 1),
                "effective_to": None,
                "definition": V1_DEFINITION,
                "revision": 1,
                "created_by": "migration",
                "created_at": loaded,
                "updated_at": loaded,
            }
        ],
    )


def upgrade() -> None:
    op.create_table(
        "credit_rating_runs",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("usccs", sa.JSON(), nullable=True),
        sa.Column("requested_by", sa.String(80), nullable=False),
        sa.Column("enterprises", sa.Integer(), nullable=False),
        sa.Column("rated", sa.Integer(), nullable=False),
        sa.Column("first_ratings", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("credit_rating_runs_pkey")),
    )
    op.create_table(
        "credit_ratings",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(3), nullable=False),
        sa.Column("factors", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("rule_set_id", sa.String(40), nullable=False),
        sa.Column("rule_set_version", sa.Integer(), nullable=False),
        sa.Column("scored_on", sa.Date(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("trigger", sa.String(80), nullable=False),
        sa.Column("run_id", sa.String(40), nullable=True),
        sa.ForeignKeyConstraint(
            ["rule_set_id"], ["rule_sets.id"], name=op.f("credit_ratings_rule_set_id_fkey")
        ),
        sa.ForeignKeyConstraint(
            ["uscc"], ["enterprise_replicas.uscc"], name=op.f("credit_ratings_uscc_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("credit_ratings_pkey")),
    )
    with op.batch_alter_table("credit_ratings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_credit_ratings_uscc_valid_from", ["uscc", "valid_from"], unique=False
        )
    _load_v1()


def downgrade() -> None:
    with op.batch_alter_table("credit_ratings", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_ratings_uscc_valid_from")

    op.drop_table("credit_ratings")
    op.execute(sa.text(f"DELETE FROM rule_sets WHERE id = '{V1_ID}'"))
    op.drop_table("credit_rating_runs")
