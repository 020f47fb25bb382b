"""Indicator reports: every report kept, one row each, whoever sent it."""

from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from services.common.models import utc_column

ANNUAL = 0  # the `quarter` stored for a whole-year report


class IndicatorReport(SQLModel, table=True):
    """One source's figures for one enterprise and period (quarter 0 = the whole year)."""

    __tablename__ = "indicator_reports"

    id: str = Field(primary_key=True, max_length=40)
    uscc: str = Field(max_length=18, foreign_key="enterprises.uscc")
    year: int
    quarter: int = ANNUAL
    source: str = Field(max_length=16)
    revenue_fen: int | None = Field(default=None, sa_type=BigInteger)
    employees: int | None = None
    tech_contract_turnover_fen: int | None = Field(default=None, sa_type=BigInteger)
    granted_patents: int | None = None
    reported_by: str = Field(max_length=80)
    reported_kind: str = Field(max_length=20)
    reported_at: datetime = utc_column()
