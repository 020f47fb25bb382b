"""Objections (异议) to credit records, and enterprises' statements on them."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Date, Index
from sqlmodel import Field, SQLModel

from services.common.models import UTCDateTime, utc_column

# Objection states: open until the source department answers.
OPEN, RESOLVED = "open", "resolved"
# Outcomes of the written answer.
CORRECTED, UPHELD, WITHDRAWN = "corrected", "upheld", "withdrawn"


class CreditObjection(SQLModel, table=True):
    """An enterprise's dispute of one credit record, answered by the record's source."""

    __tablename__ = "credit_objections"
    __table_args__ = (
        Index("ix_credit_objections_status_deadline", "status", "deadline"),
        Index("ix_credit_objections_source", "source"),
        Index("ix_credit_objections_uscc", "uscc"),
    )

    id: str = Field(primary_key=True, max_length=40)
    record_id: str = Field(max_length=40, foreign_key="credit_records.id", index=True)
    uscc: str = Field(max_length=18)
    # The department that filed the record, and so answers the objection.
    source: str = Field(max_length=80)
    reason: str = Field(max_length=2000)
    evidence_urls: list[str] = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default=OPEN, max_length=16)
    opened_by: str = Field(max_length=80)
    actor: str | None = Field(default=None, max_length=80)
    opened_at: datetime = utc_column()
    # Last Asia/Shanghai calendar day to answer by (20 days, 征信业管理条例 art. 25).
    deadline: date = Field(sa_type=Date)
    # Set once by the objection clock when it finds the objection past its deadline.
    overdue_marked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outcome: str | None = Field(default=None, max_length=16)
    answer: str | None = Field(default=None, max_length=5000)
    corrections: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    record_version: int | None = None
    resolved_by: str | None = Field(default=None, max_length=80)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = 1
    updated_at: datetime = utc_column()


class CreditStatement(SQLModel, table=True):
    """An enterprise's own statement (个人声明) attached to a record about it; shown in reports."""

    __tablename__ = "credit_statements"

    id: str = Field(primary_key=True, max_length=40)
    record_id: str = Field(max_length=40, foreign_key="credit_records.id", index=True)
    uscc: str = Field(max_length=18)
    text: str = Field(max_length=2000)
    filed_by: str = Field(max_length=80)
    actor: str | None = Field(default=None, max_length=80)
    filed_at: datetime = utc_column()
