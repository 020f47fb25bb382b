"""Credit records filed by departments and banks, with every version kept."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Date, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.common.models import UTCDateTime, utc_column

# Record states: counted unless withdrawn; `repaired` ends a listing by credit repair.
ACTIVE, WITHDRAWN, REPAIRED = "active", "withdrawn", "repaired"


class CreditRecord(SQLModel, table=True):
    """One fact about an enterprise's credit, as its source last filed it."""

    __tablename__ = "credit_records"
    __table_args__ = (
        UniqueConstraint("source", "reference", name="uq_credit_records_source_reference"),
        Index("ix_credit_records_uscc_type", "uscc", "type"),
    )

    id: str = Field(primary_key=True, max_length=40)
    uscc: str = Field(max_length=18, foreign_key="enterprise_replicas.uscc")
    type: str = Field(max_length=40)
    # negative / positive / loan: from the type, kept so the rating and lists need no table.
    polarity: str = Field(max_length=10)
    source: str = Field(max_length=80)
    source_kind: str = Field(max_length=16)
    reference: str = Field(max_length=120)
    occurred_on: date = Field(sa_type=Date)
    ended_on: date | None = Field(default=None, sa_type=Date)
    title: str = Field(max_length=300)
    evidence_url: str | None = Field(default=None, max_length=2000)
    # Loan records (banks): on_time / overdue / settled.
    loan_status: str | None = Field(default=None, max_length=16)
    status: str = Field(default=ACTIVE, max_length=16)
    disputed: bool = False
    version: int = 1
    filed_by: str = Field(max_length=80)
    filed_at: datetime = utc_column()
    updated_at: datetime = utc_column()
    repaired_on: date | None = Field(default=None, sa_type=Date)


class CreditRecordVersion(SQLModel, table=True):
    """A record as it stood at one version: filing, each correction, withdrawal, repair."""

    __tablename__ = "credit_record_versions"

    record_id: str = Field(primary_key=True, max_length=40, foreign_key="credit_records.id")
    version: int = Field(primary_key=True)
    change: str = Field(max_length=16)
    values: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    reason: str | None = Field(default=None, max_length=1000)
    actor: str = Field(max_length=80)
    at: datetime = Field(sa_type=UTCDateTime)
