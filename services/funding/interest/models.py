"""Graduate entrepreneur interest subsidy claims (大学生创业贷款基准利率贴息), one per loan and
quarter."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Date, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.common.models import utc_column


class InterestClaim(SQLModel, table=True):
    """A quarter's interest subsidy on one loan, computed by the benchmark rates in force each
    day and proposed as a disbursement to the borrower.

    The database holds what a race must never break: one claim per loan (lender, contract
    number) and quarter, a quarter of 1–4, a positive amount.
    """

    __tablename__ = "funding_interest_claims"
    __table_args__ = (
        UniqueConstraint("bank_code", "loan_ref", "year", "quarter"),
        CheckConstraint("quarter BETWEEN 1 AND 4", name="known_quarter"),
        CheckConstraint("amount_fen > 0", name="positive_amount"),
        CheckConstraint("principal_fen > 0", name="positive_principal"),
    )

    id: str = Field(primary_key=True, max_length=40)
    enterprise_uscc: str = Field(max_length=18, index=True)
    enterprise_name: str = Field(max_length=200)
    founder_graduated_on: date = Field(sa_type=Date)
    bank_code: str = Field(max_length=20)
    loan_ref: str = Field(max_length=64)
    loan_date: date = Field(sa_type=Date)
    matures_on: date = Field(sa_type=Date)
    term_months: int
    principal_fen: int = Field(sa_type=BigInteger)
    year: int = Field(index=True)
    quarter: int
    first_day: date = Field(sa_type=Date)
    last_day: date = Field(sa_type=Date)
    days: int
    # [{first, last, days, rate_bp, rule_set_id, version}], in day order.
    stretches: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    amount_fen: int = Field(sa_type=BigInteger)
    rule_set_version: str = Field(max_length=80)
    account: str = Field(max_length=120)
    disbursement_id: str = Field(max_length=40)
    claimed_by: str = Field(max_length=80)
    actor: str | None = Field(default=None, max_length=80)
    created_at: datetime = utc_column()
