"""Indicator reports: every report kept, one row each, whoever sent it."""

from datetime import datetime

from sqlalchemy import BigInteger, Index
from sqlmodel import Field, SQLModel

from services.common.models import utc_column

ANNUAL = 0  # the `quarter` stored for a whole-year report


class IndicatorReport(SQLModel, table=True):
    """One source's figures for one enterprise and period (quarter 0 = the whole year)."""

    __tablename__ = "indicator_reports"
    # One enterprise's reports of one period: what the effective figures are picked from.
    __table_args__ = (Index("ix_indicator_reports_uscc_period", "uscc", "year", "quarter"),)

    id: str = Field(primary_key=True, max_length=40)
    uscc: str = Field(max_length=18, foreign_key="enterprises.uscc")
    year: int = Field(index=True)
    quarter: int = ANNUAL
    source: str = Field(max_length=16)
    revenue_fen: int | None = Field(default=None, sa_type=BigInteger)
    employees: int | None = None
    tech_contract_turnover_fen: int | None = Field(default=None, sa_type=BigInteger)
    granted_patents: int | None = None
    reported_by: str = Field(max_length=80)
    reported_kind: str = Field(max_length=20)
    reported_at: datetime = utc_column()


class EffectiveIndicator(SQLModel, table=True):
    """The figure that counts for one enterprise, period and indicator, and the report it is from.

    Kept in step with `indicator_reports` in the same transaction as every report; equal to
    what `effective_figures` picks among the period's reports.
    """

    __tablename__ = "indicator_effective"
    __table_args__ = {"sqlite_with_rowid": False}

    uscc: str = Field(primary_key=True, max_length=18, foreign_key="enterprises.uscc")
    year: int = Field(primary_key=True)
    quarter: int = Field(primary_key=True)
    indicator: str = Field(primary_key=True, max_length=32)
    value: int = Field(sa_type=BigInteger)
    source: str = Field(max_length=16)
    report_id: str = Field(max_length=40, foreign_key="indicator_reports.id")


class YearFigures(SQLModel, table=True):
    """One enterprise's figures for one year, rolled up from the effective figures.

    The annual figure where there is one; otherwise flows add up the quarters and stocks take
    the last quarter that has one. Null where nothing was reported. Monitoring sums these.
    """

    __tablename__ = "indicator_year_figures"
    __table_args__ = {"sqlite_with_rowid": False}

    uscc: str = Field(primary_key=True, max_length=18, foreign_key="enterprises.uscc")
    year: int = Field(primary_key=True)
    revenue_fen: int | None = Field(default=None, sa_type=BigInteger)
    employees: int | None = Field(default=None, sa_type=BigInteger)
    tech_contract_turnover_fen: int | None = Field(default=None, sa_type=BigInteger)
    granted_patents: int | None = Field(default=None, sa_type=BigInteger)
