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

revision: str = "registry_0003"
down_revision: str | None = "registry_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)

# The plan's targets and the holiday calendar as this revision loaded them, frozen here.
TARGET_COLUMNS = ('year', 'unit', 'revenue_fen', 'new_jobs', 'tech_contract_turnover_fen', 'patents_held')
TARGET_ROWS = (
    (2015, 'city', 37350000000000, 65000, 146000000000, 2471),
    (2016, 'city', 41350000000000, 75000, 164000000000, 2792),
    (2017, 'city', 45490000000000, 85000, 184000000000, 3155),
    (2015, 'xiaodian', 6090000000000, 15400, 20000000000, 509),
    (2015, 'yingze', 5260000000000, 9800, 1800000000, 264),
    (2015, 'xinghualing', 7310000000000, 8400, 1500000000, 180),
    (2015, 'jiancaoping', 4900000000000, 6500, 10000000000, 89),
    (2015, 'wanbailin', 6850000000000, 6100, 8000000000, 216),
    (2015, 'jinyuan', 780000000000, 2400, 600000000, 32),
    (2015, 'gujiao', 230000000000, 1100, None, 2),
    (2015, 'qingxu', 1630000000000, 3300, None, 45),
    (2015, 'yangqu', 410000000000, 2100, 600000000, 8),
    (2015, 'loufan', 180000000000, 1000, None, 2),
    (2015, 'hi_tech_zone', 1240000000000, 4900, 60000000000, 916),
    (2015, 'economic_zone', 1070000000000, 2400, 21000000000, 133),
    (2015, 'private_economy_zone', 1230000000000, 1200, 12500000000, 20),
    (2015, 'stainless_steel_park', 180000000000, 400, 10000000000, 55),
)
CALENDAR_COLUMNS = ('day', 'working', 'name')
CALENDAR_ROWS = (
    (date(2015, 1, 1), False, 'New Year 元旦'),
    (date(2015, 1, 2), False, 'New Year 元旦'),
    (date(2015, 1, 3), False, 'New Year 元旦'),
    (date(2015, 2, 18), False, 'Spring Festival 春节'),
    (date(2015, 2, 19), False, 'Spring Festival 春节'),
    (date(2015, 2, 20), False, 'Spring Festival 春节'),
    (date(2015, 2, 21), False, 'Spring Festival 春节'),
    (date(2015, 2, 22), False, 'Spring Festival 春节'),
    (date(2015, 2, 23), False, 'Spring Festival 春节'),
    (date(2015, 2, 24), False, 'Spring Festival 春节'),
    (date(2015, 4, 4), False, 'Qingming 清明节'),
    (date(2015, 4, 5), False, 'Qingming 清明节'),
    (date(2015, 4, 6), False, 'Qingming 清明节'),
    (date(2015, 5, 1), False, 'Labour Day 劳动节'),
    (date(2015, 5, 2), False, 'Labour Day 劳动节'),
    (date(2015, 5, 3), False, 'Labour Day 劳动节'),
    (date(2015, 6, 20), False, 'Dragon Boat 端午节'),
    (date(2015, 6, 21), False, 'Dragon Boat 端午节'),
    (date(2015, 6, 22), False, 'Dragon Boat 端午节'),
    (date(2015, 9, 3), False, 'Victory Day 抗战胜利纪念日'),
    (date(2015, 9, 4), False, 'Victory Day 抗战胜利纪念日'),
    (date(2015, 9, 5), False, 'Victory Day 抗战胜利纪念日'),
    (date(2015, 9, 26), False, 'Mid-Autumn 中秋节'),
    (date(2015, 9, 27), False, 'Mid-Autumn 中秋节'),
    (date(2015, 10, 1), False, 'National Day 国庆节'),
    (date(2015, 10, 2), False, 'National Day 国庆节'),
    (date(2015, 10, 3), False, 'National Day 国庆节'),
    (date(2015, 10, 4), False, 'National Day 国庆节'),
    (date(2015, 10, 5), False, 'National Day 国庆节'),
    (date(2015, 10, 6), False, 'National Day 国庆节'),
    (date(2015, 10, 7), False, 'National Day 国庆节'),
    (date(2016, 1, 1), False, 'New Year 元旦'),
    (date(2016, 1, 2), False, 'New Year 元旦'),
    (date(2016, 1, 3), False, 'New Year 元旦'),
    (date(2016, 2, 7), False, 'Spring Festival 春节'),
    (date(2016, 2, 8), False, 'Spring Festival 春节'),
    (date(2016, 2, 9), False, 'Spring Festival 春节'),
    (date(2016, 2, 10), False, 'Spring Festival 春节'),
    (date(2016, 2, 11), False, 'Spring Festival 春节'),
    (date(2016, 2, 12), False, 'Spring Festival 春节'),
    (date(2016, 2, 13), False, 'Spring Festival 春节'),
    (date(2016, 4, 2), False, 'Qingming 清明节'),
    (date(2016, 4, 3), False, 'Qingming 清明节'),
    (date(2016, 4, 4), False, 'Qingming 清明节'),
    (date(2016, 4, 30), False, 'Labour Day 劳动节'),
    (date(2016, 5, 1), False, 'Labour Day 劳动节'),
    (date(2016, 5, 2), False, 'Labour Day 劳动节'),
    (date(2016, 6, 9), False, 'Dragon Boat 端午节'),
    (date(2016, 6, 10), False, 'Dragon Boat 端午节'),
    (date(2016, 6, 11), False, 'Dragon Boat 端午节'),
    (date(2016, 9, 15), False, 'Mid-Autumn 中秋节'),
    (date(2016, 9, 16), False, 'Mid-Autumn 中秋节'),
    (date(2016, 9, 17), False, 'Mid-Autumn 中秋节'),
    (date(2016, 10, 1), False, 'National Day 国庆节'),
    (date(2016, 10, 2), False, 'National Day 国庆节'),
    (date(2016, 10, 3), False, 'National Day 国庆节'),
    (date(2016, 10, 4), False, 'National Day 国庆节'),
    (date(2016, 10, 5), False, 'National Day 国庆节'),
    (date(2016, 10, 6), False, 'National Day 国庆节'),
    (date(2016, 10, 7), False, 'National Day 国庆节'),
    (date(2016, 12, 31), False, 'New Year 元旦'),
    (date(2017, 1, 1), False, 'New Year 元旦'),
    (date(2017, 1, 2), False, 'New Year 元旦'),
    (date(2017, 1, 27), False, 'Spring Festival 春节'),
    (date(2017, 1, 28), False, 'Spring Festival 春节'),
    (date(2017, 1, 29), False, 'Spring Festival 春节'),
    (date(2017, 1, 30), False, 'Spring Festival 春节'),
    (date(2017, 1, 31), False, 'Spring Festival 春节'),
    (date(2017, 2, 1), False, 'Spring Festival 春节'),
    (date(2017, 2, 2), False, 'Spring Festival 春节'),
    (date(2017, 4, 2), False, 'Qingming 清明节'),
    (date(2017, 4, 3), False, 'Qingming 清明节'),
    (date(2017, 4, 4), False, 'Qingming 清明节'),
    (date(2017, 4, 29), False, 'Labour Day 劳动节'),
    (date(2017, 4, 30), False, 'Labour Day 劳动节'),
    (date(2017, 5, 1), False, 'Labour Day 劳动节'),
    (date(2017, 5, 28), False, 'Dragon Boat 端午节'),
    (date(2017, 5, 29), False, 'Dragon Boat 端午节'),
    (date(2017, 5, 30), False, 'Dragon Boat 端午节'),
    (date(2017, 10, 1), False, 'National Day and Mid-Autumn 国庆节、中秋节'),
    (date(2017, 10, 2), False, 'National Day and Mid-Autumn 国庆节、中秋节'),
    (date(2017, 10, 3), False, 'National Day and Mid-Autumn 国庆节、中秋节'),
    (date(2017, 10, 4), False, 'National Day and Mid-Autumn 国庆节、中秋节'),
    (date(2017, 10, 5), False, 'National Day and Mid-Autumn 国庆节、中秋节'),
    (date(2017, 10, 6), False, 'National Day and Mid-Autumn 国庆节、中秋节'),
    (date(2017, 10, 7), False, 'National Day and Mid-Autumn 国庆节、中秋节'),
    (date(2017, 10, 8), False, 'National Day and Mid-Autumn 国庆节、中秋节'),
    (date(2015, 1, 4), True, 'make-up working day 调休 (New Year)'),
    (date(2015, 2, 15), True, 'make-up working day 调休 (Spring Festival)'),
    (date(2015, 2, 28), True, 'make-up working day 调休 (Spring Festival)'),
    (date(2015, 9, 6), True, 'make-up working day 调休 (Victory Day)'),
    (date(2015, 10, 10), True, 'make-up working day 调休 (National Day)'),
    (date(2016, 2, 6), True, 'make-up working day 调休 (Spring Festival)'),
    (date(2016, 2, 14), True, 'make-up working day 调休 (Spring Festival)'),
    (date(2016, 6, 12), True, 'make-up working day 调休 (Dragon Boat)'),
    (date(2016, 9, 18), True, 'make-up working day 调休 (Mid-Autumn)'),
    (date(2016, 10, 8), True, 'make-up working day 调休 (National Day)'),
    (date(2016, 10, 9), True, 'make-up working day 调休 (National Day)'),
    (date(2017, 1, 22), True, 'make-up working day 调休 (Spring Festival)'),
    (date(2017, 2, 4), True, 'make-up working day 调休 (Spring Festival)'),
    (date(2017, 4, 1), True, 'make-up working day 调休 (Qingming)'),
    (date(2017, 5, 27), True, 'make-up working day 调休 (Dragon Boat)'),
    (date(2017, 9, 30), True, 'make-up working day 调休 (National Day)'),
)


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
    loaded = {"source": "plan", "version": 1, "updated_by": "migration:registry_0003", "updated_at": now}
    op.bulk_insert(
        targets, [dict(zip(TARGET_COLUMNS, row, strict=True)) | loaded for row in TARGET_ROWS]
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
    op.bulk_insert(calendar, [dict(zip(CALENDAR_COLUMNS, row, strict=True)) for row in CALENDAR_ROWS])


def downgrade() -> None:
    op.drop_table("working_calendar")
    op.drop_table("complaint_events")
    op.drop_table("complaints")
    op.drop_table("tax_relief_filings")
    op.drop_table("targets")
    op.drop_table("indicator_reports")
