"""Quarterly tax and fee relief figures, one row per department, tax type and quarter."""

from datetime import datetime

from sqlalchemy import BigInteger, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.common.models import utc_column


class TaxReliefFiling(SQLModel, table=True):
    """What one tax department relieved under one tax type in one quarter."""

    __tablename__ = "tax_relief_filings"
    __table_args__ = (
        UniqueConstraint("year", "quarter", "tax_type", "department", name="uq_tax_relief_period"),
    )

    id: str = Field(primary_key=True, max_length=40)
    year: int
    quarter: int
    tax_type: str = Field(max_length=40)
    department: str = Field(max_length=40)
    enterprises: int
    amount_fen: int = Field(sa_type=BigInteger)
    note: str | None = Field(default=None, max_length=500)
    version: int = 1
    filed_by: str = Field(max_length=80)
    filed_at: datetime = utc_column()
    updated_at: datetime = utc_column()
