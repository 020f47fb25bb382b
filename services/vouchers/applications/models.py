"""Applications for vouchers: who applied for which programme, the eligibility found, the decision."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from services.common.models import UTCDateTime, utc_column

PENDING, APPROVED, REFUSED = "pending", "approved", "refused"


class VoucherApplication(SQLModel, table=True):
    """One application; its eligibility is stored with the rule trace that found it."""

    __tablename__ = "voucher_applications"
    __table_args__ = (Index("ix_voucher_applications_uscc", "uscc", "id"),)

    id: str = Field(primary_key=True, max_length=40)
    programme_id: str = Field(max_length=40, foreign_key="voucher_programmes.id", index=True)
    uscc: str = Field(max_length=18, foreign_key="voucher_enterprises.uscc")
    categories: list[str] = Field(sa_column=Column(JSON, nullable=False))
    purpose: str = Field(max_length=1000)
    status: str = Field(default=PENDING, max_length=16)
    eligible: bool
    # Why not eligible (the failed checks' descriptions; empty when eligible).
    reasons: list[str] = Field(sa_column=Column(JSON, nullable=False))
    # The rules' trace: rule set, inputs, each rule's value and the inputs it used.
    eligibility: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    rule_set_id: str | None = Field(default=None, max_length=40)
    applied_by: str = Field(max_length=80)
    actor: str | None = Field(default=None, max_length=80)
    decided_by: str | None = Field(default=None, max_length=80)
    decision_reason: str | None = Field(default=None, max_length=1000)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    voucher_id: str | None = Field(default=None, max_length=40)
    version: int = 1
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()
