"""Ratings: scorecard versions (version 1 loaded, frozen here), ratings as history, batch runs.

Revision ID: credit_0008
Revises: credit_0006
Create Date: 2026-11-30
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "credit_0008"
down_revision: str | None = "credit_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The default scorecard, version 1, as published (frozen: a later change is a new version).
V1_PARAMETERS = {
    "base": 600,
    "serious_types": ["serious_dishonesty"],
    "patent_types": ["patent_granted"],
    "tech_contract_types": ["technology_contract"],
    "serious_points": -250,
    "serious_cap": -600,
    "negative_points": -60,
    "negative_cap": -300,
    "overdue_points": -120,
    "overdue_cap": -360,
    "repaid_points": 15,
    "repaid_cap": 60,
    "positive_points": 20,
    "positive_cap": 100,
    "patent_points": 15,
    "patent_cap": 90,
    "tech_contract_points": 10,
    "tech_contract_cap": 60,
    "young_years": 3,
    "year_points": 10,
    "years_cap": 10,
    "growth_strong_bp": 1000,
    "growth_strong_points": 40,
    "growth_points": 15,
    "shrink_bp": -2000,
    "shrink_points": -30,
    "filing_points": [-20, 0, 15, 30],
    "grade_min": {"AAA": 850, "AA": 750, "A": 650, "B": 550, "C": 400},
}
V1_FORMULAS = {
    "factors": [
        {
            "name": "serious_dishonesty",
            "reason": "R01_SERIOUS_DISHONESTY",
            "select": 'r.polarity == "negative" && r.type in params.serious_types',
            "points": "input * params.serious_points < params.serious_cap"
            " ? params.serious_cap : input * params.serious_points",
        },
        {
            "name": "negative_records",
            "reason": "R02_NEGATIVE_RECORDS",
            "select": 'r.polarity == "negative" && !(r.type in params.serious_types)',
            "points": "input * params.negative_points < params.negative_cap"
            " ? params.negative_cap : input * params.negative_points",
        },
        {
            "name": "overdue_loans",
            "reason": "R03_OVERDUE_LOANS",
            "select": 'r.polarity == "loan" && r.loan_status == "overdue"',
            "points": "input * params.overdue_points < params.overdue_cap"
            " ? params.overdue_cap : input * params.overdue_points",
        },
        {
            "name": "years_in_operation",
            "reason": "R04_YEARS_IN_OPERATION",
            "fact": "years_in_operation",
            "points": "((input > params.years_cap ? params.years_cap : input)"
            " - params.young_years) * params.year_points",
        },
        {
            "name": "employment_growth",
            "reason": "R05_EMPLOYMENT_GROWTH",
            "fact": "employment_growth_bp",
            "points": "input == null ? 0"
            " : input >= params.growth_strong_bp ? params.growth_strong_points"
            " : input >= 0 ? params.growth_points"
            " : input <= params.shrink_bp ? params.shrink_points : 0",
        },
        {
            "name": "regular_filing",
            "reason": "R06_INDICATOR_FILING",
            "fact": "filing_years",
            "points": "params.filing_points[input]",
        },
        {
            "name": "granted_patents",
            "reason": "R10_GRANTED_PATENTS",
            "select": 'r.polarity == "positive" && r.type in params.patent_types',
            "points": "input * params.patent_points > params.patent_cap"
            " ? params.patent_cap : input * params.patent_points",
        },
        {
            "name": "technology_contracts",
            "reason": "R11_TECHNOLOGY_CONTRACTS",
            "select": 'r.polarity == "positive" && r.type in params.tech_contract_types',
            "points": "input * params.tech_contract_points > params.tech_contract_cap"
            " ? params.tech_contract_cap : input * params.tech_contract_points",
        },
        {
            "name": "positive_records",
            "reason": "R12_POSITIVE_RECORDS",
            "select": 'r.polarity == "positive" && !(r.type in params.patent_types)'
            " && !(r.type in params.tech_contract_types)",
            "points": "input * params.positive_points > params.positive_cap"
            " ? params.positive_cap : input * params.positive_points",
        },
        {
            "name": "loans_repaid",
            "reason": "R13_LOANS_REPAID",
            "select": 'r.polarity == "loan" && r.loan_status != "overdue"',
            "points": "input * params.repaid_points > params.repaid_cap"
            " ? params.repaid_cap : input * params.repaid_points",
        },
    ],
    "score": "params.base + total < 0 ? 0"
    " : params.base + total > 1000 ? 1000 : params.base + total",
    "grade": 'score >= params.grade_min.AAA ? "AAA"'
    ' : score >= params.grade_min.AA ? "AA"'
    ' : score >= params.grade_min.A ? "A"'
    ' : score >= params.grade_min.B ? "B"'
    ' : score >= params.grade_min.C ? "C" : "D"',
}


def _load_v1() -> None:
    table = sa.table(
        "credit_scorecards",
        sa.column("id", sa.String),
        sa.column("family", sa.String),
        sa.column("version", sa.Integer),
        sa.column("effective_from", sa.Date),
        sa.column("description", sa.String),
        sa.column("parameters", sa.JSON),
        sa.column("formulas", sa.JSON),
        sa.column("created_by", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(
        table,
        [
            {
                "id": "rs_credit_scorecard_v1",
                "family": "credit.scorecard",
                "version": 1,
                "effective_from": date(2015, 1, 1),
                "description": "Default scorecard: records (5-year rule) and soft information.",
                "parameters": V1_PARAMETERS,
                "formulas": V1_FORMULAS,
                "created_by": "migration:credit_0008",
                "created_at": datetime(2026, 11, 30, tzinfo=UTC),
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
        "credit_scorecards",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("family", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("description", sa.String(1000), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("formulas", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("credit_scorecards_pkey")),
        sa.UniqueConstraint("family", "version", name="uq_credit_scorecards_version"),
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
            ["rule_set_id"], ["credit_scorecards.id"], name=op.f("credit_ratings_rule_set_id_fkey")
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
    op.drop_table("credit_scorecards")
    op.drop_table("credit_rating_runs")
