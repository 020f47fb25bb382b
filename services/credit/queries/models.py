"""The query log: every attempt to read a credit report, granted or refused (征信业管理条例 art. 20)."""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from services.common.models import UTCDateTime

GRANTED, REFUSED = "granted", "refused"


class CreditQuery(SQLModel, table=True):
    """One attempt by a bank to read an enterprise's report: who, for what, under which consent."""

    __tablename__ = "credit_queries"
    __table_args__ = (
        Index("ix_credit_queries_uscc_id", "uscc", "id"),
        Index("ix_credit_queries_bank_id", "bank", "id"),
        # Covers the twelve-month summary each granted report read shows (queries.summary).
        Index("ix_credit_queries_uscc_outcome_at", "uscc", "outcome", "at", "purpose"),
    )

    id: str = Field(primary_key=True, max_length=40)
    # No foreign key: a refused attempt may name an enterprise the register does not hold.
    uscc: str = Field(max_length=18)
    bank: str = Field(max_length=40)
    client_id: str = Field(max_length=80)
    purpose: str = Field(max_length=32)
    consent_id: str | None = Field(default=None, max_length=40)
    outcome: str = Field(max_length=16)
    refusal_code: str | None = Field(default=None, max_length=40)
    request_id: str | None = Field(default=None, max_length=80)
    at: datetime = Field(sa_type=UTCDateTime)
