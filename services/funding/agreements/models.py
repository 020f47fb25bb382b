"""Bank agreements: one row per version of a partner bank's 助保贷 terms, never edited."""

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.common.models import utc_column

DEFAULT_LEVERAGE = 10  # the plan: the pool is lent out 10× (3.67亿 → 36.7亿)


class BankAgreement(SQLModel, table=True):
    """A version of a partner bank's terms, in force from `effective_from` until the next one.

    Ratios are basis points (10000 = 100 %); the leverage is a whole multiple of the pool.
    """

    __tablename__ = "funding_bank_agreements"
    __table_args__ = (
        UniqueConstraint("bank_code", "version", name="uq_bank_agreements_version"),
        UniqueConstraint("bank_code", "effective_from", name="uq_bank_agreements_from"),
        CheckConstraint("leverage_multiple >= 1", name="leverage_positive"),
        CheckConstraint("rate_cap_bp > 0", name="rate_cap_positive"),
        CheckConstraint("pool_share_bp >= 0 AND pool_share_bp <= 10000", name="share_in_range"),
        CheckConstraint("per_loan_cap_fen > 0", name="per_loan_cap_positive"),
        CheckConstraint(
            "per_enterprise_cap_fen >= per_loan_cap_fen", name="enterprise_cap_at_least_loan_cap"
        ),
    )

    id: str = Field(primary_key=True, max_length=40)
    bank_code: str = Field(max_length=18, index=True)
    bank_name: str = Field(max_length=200)
    version: int
    effective_from: date = Field(sa_type=Date)
    leverage_multiple: int = DEFAULT_LEVERAGE
    rate_cap_bp: int
    pool_share_bp: int
    per_loan_cap_fen: int = Field(sa_type=BigInteger)
    per_enterprise_cap_fen: int = Field(sa_type=BigInteger)
    note: str | None = Field(default=None, max_length=1000)
    created_by: str = Field(max_length=80)
    created_at: datetime = utc_column()
