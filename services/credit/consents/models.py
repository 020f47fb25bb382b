"""Consents: an enterprise authorizes a named bank to read its credit report for one purpose."""

from datetime import date, datetime

from sqlalchemy import Date, Index
from sqlmodel import Field, SQLModel

from services.common.models import UTCDateTime, utc_column

# Stored states; `expired` is never stored: it is read from `expires_on` at the moment asked.
GRANTED, REVOKED = "granted", "revoked"


class Consent(SQLModel, table=True):
    """One authorization (征信业管理条例 art. 18): enterprise → bank, for one purpose, until a day."""

    __tablename__ = "credit_consents"
    __table_args__ = (
        Index("ix_credit_consents_uscc_bank_purpose", "uscc", "bank", "purpose"),
        Index("ix_credit_consents_bank", "bank", "id"),
    )

    id: str = Field(primary_key=True, max_length=40)
    uscc: str = Field(max_length=18, foreign_key="enterprise_replicas.uscc")
    bank: str = Field(max_length=40)
    purpose: str = Field(max_length=32)
    granted_on: date = Field(sa_type=Date)
    # The last day (Asia/Shanghai) on which the consent holds.
    expires_on: date = Field(sa_type=Date)
    status: str = Field(default=GRANTED, max_length=16)
    # Who granted: the client, its kind, and the portal when it acted on the enterprise's behalf.
    granted_by: str = Field(max_length=80)
    granted_by_kind: str = Field(max_length=16)
    actor: str | None = Field(default=None, max_length=80)
    granted_at: datetime = utc_column()
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_by: str | None = Field(default=None, max_length=80)
    revoked_actor: str | None = Field(default=None, max_length=80)
    version: int = 1
