"""Voucher programmes (创业券 / 创新券): budget, terms, eligibility rules."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.common.models import utc_column

STARTUP, INNOVATION = "startup", "innovation"
DRAFT, OPEN, CLOSED = "draft", "open", "closed"


class Programme(SQLModel, table=True):
    """One year's voucher programme of one kind; its budget is guarded in the database."""

    __tablename__ = "voucher_programmes"
    __table_args__ = (
        UniqueConstraint("kind", "year", "name", name="uq_voucher_programmes_kind_year_name"),
        # Issuance commits budget; expiry and voids release it: never more than the budget.
        CheckConstraint(
            "committed_fen >= 0 AND committed_fen <= budget_fen",
            name="ck_voucher_programmes_within_budget",
        ),
    )

    id: str = Field(primary_key=True, max_length=40)
    kind: str = Field(max_length=16)
    year: int
    name: str = Field(max_length=200)
    budget_fen: int = Field(sa_type=BigInteger)
    # Face value of vouchers issued and not released (expired balances come back).
    committed_fen: int = Field(default=0, sa_type=BigInteger)
    face_value_fen: int = Field(sa_type=BigInteger)
    coverage_bp: int  # share of a contract a voucher may pay, in basis points (2000 = 20%)
    yearly_cap_fen: int = Field(sa_type=BigInteger)  # per enterprise per year
    validity_days: int
    categories: list[str] = Field(sa_column=Column(JSON, nullable=False))
    rule_set_id: str | None = Field(default=None, max_length=40)
    auto_approve: bool = False
    status: str = Field(default=DRAFT, max_length=16)
    version: int = 1
    created_by: str = Field(max_length=80)
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
