"""The credit service's replica of the register, built from the registry's feed."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Date, Index
from sqlmodel import Field, SQLModel

from services.common.models import UTCDateTime, utc_column

ACTIVE, DEREGISTERED = "active", "deregistered"


class EnterpriseReplica(SQLModel, table=True):
    """What credit keeps of a filed enterprise (no personal data), as the feed last said."""

    __tablename__ = "enterprise_replicas"

    uscc: str = Field(primary_key=True, max_length=18)
    name: str = Field(max_length=200)
    district: str = Field(max_length=40, index=True)
    industry: str = Field(max_length=4)
    founded_on: date = Field(sa_type=Date)
    size_class: str = Field(max_length=8)
    is_tech_sme: bool = False
    employees: int = 0
    status: str = Field(default=ACTIVE, max_length=16)
    version: int = 1
    filed_at: datetime = Field(sa_type=UTCDateTime)
    deregistered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = utc_column()


class IndicatorFiling(SQLModel, table=True):
    """One indicator report the registry received: soft information for the rating.

    `revenue_fen`…`granted_patents` are the figures this report sent (null where it sent none);
    `effective` the period's figures that count once it arrived, as the registry's precedence
    picked them (`{"employees": 25, …}`): the latest filing of a period holds the current ones.
    `quarter` is null for a whole-year report.
    """

    __tablename__ = "indicator_filings"
    __table_args__ = (Index("ix_indicator_filings_uscc_year", "uscc", "year"),)

    report_id: str = Field(primary_key=True, max_length=40)
    uscc: str = Field(max_length=18)
    year: int
    quarter: int | None = None
    source: str = Field(max_length=16)
    revenue_fen: int | None = Field(default=None, sa_type=BigInteger)
    employees: int | None = Field(default=None, sa_type=BigInteger)
    tech_contract_turnover_fen: int | None = Field(default=None, sa_type=BigInteger)
    granted_patents: int | None = Field(default=None, sa_type=BigInteger)
    effective: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    reported_at: datetime = Field(sa_type=UTCDateTime)
