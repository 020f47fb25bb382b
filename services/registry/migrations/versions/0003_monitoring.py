"""Indicator reports, targets (the plan's loaded as data), tax relief filings, complaints, calendar.

Revision ID: registry_0003
Revises: registry_0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Final

import sqlalchemy as sa
from alembic import op

from services.registry.reference.targets import CITY_TARGETS, DISTRICT_TARGETS_2015

revision: str = "registry_0003"
down_revision: str | None = "registry_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def _span(first: str, last: str) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _days(*spans: tuple[str, str]) -> list[date]:
    return [day for first, last in spans for day in _span(first, last)]


# Public holidays (days off) and make-up working days (调休) of the demonstration years, from
# the State Council General Office's yearly holiday notices: frozen here as they were loaded
# (the kernel's calendar, services.common.calendar, now holds the official schedule).
HOLIDAYS: Final[tuple[tuple[date, str], ...]] = tuple(
    [(d, "New Year 元旦") for d in _days(("2015-01-01", "2015-01-03"))]
    + [(d, "Spring Festival 春节") for d in _days(("2015-02-18", "2015-02-24"))]
    + [(d, "Qingming 清明节") for d in _days(("2015-04-04", "2015-04-06"))]
    + [(d, "Labour Day 劳动节") for d in _days(("2015-05-01", "2015-05-03"))]
    + [(d, "Dragon Boat 端午节") for d in _days(("2015-06-20", "2015-06-22"))]
    + [(d, "Victory Day 抗战胜利纪念日") for d in _days(("2015-09-03", "2015-09-05"))]
    + [(d, "Mid-Autumn 中秋节") for d in _days(("2015-09-26", "2015-09-27"))]
    + [(d, "National Day 国庆节") for d in _days(("2015-10-01", "2015-10-07"))]
    + [(d, "New Year 元旦") for d in _days(("2016-01-01", "2016-01-03"))]
    + [(d, "Spring Festival 春节") for d in _days(("2016-02-07", "2016-02-13"))]
    + [(d, "Qingming 清明节") for d in _days(("2016-04-02", "2016-04-04"))]
    + [(d, "Labour Day 劳动节") for d in _days(("2016-04-30", "2016-05-02"))]
    + [(d, "Dragon Boat 端午节") for d in _days(("2016-06-09", "2016-06-11"))]
    + [(d, "Mid-Autumn 中秋节") for d in _days(("2016-09-15", "2016-09-17"))]
    + [(d, "National Day 国庆节") for d in _days(("2016-10-01", "2016-10-07"))]
    + [(d, "New Year 元旦") for d in _days(("2016-12-31", "2017-01-02"))]
    + [(d, "Spring Festival 春节") for d in _days(("2017-01-27", "2017-02-02"))]
    + [(d, "Qingming 清明节") for d in _days(("2017-04-02", "2017-04-04"))]
    + [(d, "Labour Day 劳动节") for d in _days(("2017-04-29", "2017-05-01"))]
    + [(d, "Dragon Boat 端午节") for d in _days(("2017-05-28", "2017-05-30"))]
    + [
        (d, "National Day and Mid-Autumn 国庆节、中秋节")
        for d in _days(("2017-10-01", "2017-10-08"))
    ]
)

MAKEUP_WORKDAYS: Final[tuple[tuple[date, str], ...]] = tuple(
    (date.fromisoformat(day), f"make-up working day 调休 ({why})")
    for day, why in (
        ("2015-01-04", "New Year"),
        ("2015-02-15", "Spring Festival"),
        ("2015-02-28", "Spring Festival"),
        ("2015-09-06", "Victory Day"),
        ("2015-10-10", "National Day"),
        ("2016-02-06", "Spring Festival"),
        ("2016-02-14", "Spring Festival"),
        ("2016-06-12", "Dragon Boat"),
        ("2016-09-18", "Mid-Autumn"),
        ("2016-10-08", "National Day"),
        ("2016-10-09", "National Day"),
        ("2017-01-22", "Spring Festival"),
        ("2017-02-04", "Spring Festival"),
        ("2017-04-01", "Qingming"),
        ("2017-05-27", "Dragon Boat"),
        ("2017-09-30", "National Day"),
    )
)


def upgrade() -> None:
    op.create_table(
        "indicator_reports",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("uscc", sa.String(18), sa.ForeignKey("enterprises.uscc"), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("quarter", sa.Integer, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("revenue_fen", sa.BigInteger, nullable=True),
        sa.Column("employees", sa.Integer, nullable=True),
        sa.Column("tech_contract_turnover_fen", sa.BigInteger, nullable=True),
        sa.Column("granted_patents", sa.Integer, nullable=True),
        sa.Column("reported_by", sa.String(80), nullable=False),
        sa.Column("reported_kind", sa.String(20), nullable=False),
        sa.Column("reported_at", TS, nullable=False),
    )
    op.create_index("ix_indicator_reports_uscc_period", "indicator_reports", ["uscc", "year", "quarter"])
    op.create_index("ix_indicator_reports_year", "indicator_reports", ["year"])

    targets = op.create_table(
        "targets",
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("unit", sa.String(40), primary_key=True),
        sa.Column("revenue_fen", sa.BigInteger, nullable=True),
        sa.Column("new_jobs", sa.Integer, nullable=True),
        sa.Column("tech_contract_turnover_fen", sa.BigInteger, nullable=True),
        sa.Column("patents_held", sa.Integer, nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_by", sa.String(80), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        targets,
        [
            {"year": t.year, "unit": "city", "revenue_fen": t.revenue_fen, "new_jobs": t.new_jobs,
             "tech_contract_turnover_fen": t.tech_contract_turnover_fen,
             "patents_held": t.patents_held, "source": "plan", "version": 1,
             "updated_by": "migration:registry_0003", "updated_at": now}
            for t in CITY_TARGETS
        ]
        + [
            {"year": t.year, "unit": t.district, "revenue_fen": t.revenue_fen,
             "new_jobs": t.new_jobs, "tech_contract_turnover_fen": t.tech_contract_turnover_fen,
             "patents_held": t.patents_held, "source": "plan", "version": 1,
             "updated_by": "migration:registry_0003", "updated_at": now}
            for t in DISTRICT_TARGETS_2015
        ],
    )

    op.create_table(
        "tax_relief_filings",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("quarter", sa.Integer, nullable=False),
        sa.Column("tax_type", sa.String(40), nullable=False),
        sa.Column("department", sa.String(40), nullable=False),
        sa.Column("enterprises", sa.Integer, nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("filed_by", sa.String(80), nullable=False),
        sa.Column("filed_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint("year", "quarter", "tax_type", "department", name="uq_tax_relief_period"),
    )

    op.create_table(
        "complaints",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("ticket", sa.String(20), nullable=False, unique=True),
        sa.Column("access_code_hash", sa.String(64), nullable=False),
        sa.Column("complainant_uscc", sa.String(18), nullable=True),
        sa.Column("anonymous", sa.Boolean, nullable=False),
        sa.Column("filed_by", sa.String(80), nullable=False),
        sa.Column("filed_kind", sa.String(20), nullable=False),
        sa.Column("contact_name", sa.String(100), nullable=True),
        sa.Column("contact_phone", sa.String(32), nullable=True),
        sa.Column("contact_email", sa.String(254), nullable=True),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("complaint_class", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("department", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("escalated_at", TS, nullable=True),
        sa.Column("answered_at", TS, nullable=True),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("resolution", sa.Text, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_complaints_state", "complaints", ["state"])
    op.create_index("ix_complaints_department", "complaints", ["department"])
    op.create_index("ix_complaints_deadline", "complaints", ["deadline"])
    op.create_index("ix_complaints_complainant", "complaints", ["complainant_uscc"])

    op.create_table(
        "complaint_events",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("complaint_id", sa.String(40), sa.ForeignKey("complaints.id"), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("from_state", sa.String(20), nullable=True),
        sa.Column("to_state", sa.String(20), nullable=False),
        sa.Column("department", sa.String(40), nullable=False),
        sa.Column("note", sa.String(2000), nullable=True),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("actor_kind", sa.String(20), nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_index("ix_complaint_events_complaint", "complaint_events", ["complaint_id"])

    calendar = op.create_table(
        "working_calendar",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("working", sa.Boolean, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
    )
    op.bulk_insert(
        calendar,
        [{"day": d, "working": False, "name": name} for d, name in HOLIDAYS]
        + [{"day": d, "working": True, "name": name} for d, name in MAKEUP_WORKDAYS],
    )


def downgrade() -> None:
    op.drop_table("working_calendar")
    op.drop_table("complaint_events")
    op.drop_table("complaints")
    op.drop_table("tax_relief_filings")
    op.drop_table("targets")
    op.drop_table("indicator_reports")
