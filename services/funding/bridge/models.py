"""The bridge fund's tables: capital loaded into `fund:bridge`, and the bridge loans."""

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date
from sqlmodel import Field, SQLModel

from services.common.models import UTCDateTime, utc_column

LENT, RENEWED, REPAID = "lent", "renewed", "repaid"
STATUSES = (LENT, RENEWED, REPAID)


class BridgeCapital(SQLModel, table=True):
    """Money loaded into the fund (`fund:bridge`) from a budget sub-line or the city."""

    __tablename__ = "funding_bridge_capital"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="positive_amount"),)

    id: str = Field(primary_key=True, max_length=40)
    key: str = Field(max_length=255, unique=True)
    year: int = Field(index=True)
    amount_fen: int = Field(sa_type=BigInteger)
    from_account: str = Field(max_length=120)
    transfer_id: str = Field(max_length=40)
    memo: str = Field(max_length=500)
    recorded_by: str = Field(max_length=80)
    recorded_at: datetime = utc_column()


class BridgeLoan(SQLModel, table=True):
    """A bridge loan: lent from `fund:bridge` on a registered 助保贷 loan falling due, one per
    registered loan; the bank confirms the renewal, the fund's operator records the repayment."""

    __tablename__ = "funding_bridge_loans"
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="positive_amount"),
        CheckConstraint("amount_fen <= maturing_principal_fen", name="within_principal"),
        CheckConstraint("fee_fen >= 0", name="fee_not_negative"),
        CheckConstraint("days > 0", name="positive_days"),
        CheckConstraint("due_on > lent_on", name="due_after_lent"),
        CheckConstraint("status IN ('lent', 'renewed', 'repaid')", name="known_status"),
    )

    id: str = Field(primary_key=True, max_length=40)
    guaranteed_loan_id: str = Field(
        max_length=40, foreign_key="funding_risk_pool_loans.id", unique=True
    )
    bank_code: str = Field(max_length=18, index=True)
    enterprise_uscc: str = Field(max_length=18, index=True)
    enterprise_name: str = Field(max_length=200)
    maturing_principal_fen: int = Field(sa_type=BigInteger)
    loan_maturity_on: date = Field(sa_type=Date)
    amount_fen: int = Field(sa_type=BigInteger)
    days: int
    fee_fen: int = Field(sa_type=BigInteger)
    lent_on: date = Field(sa_type=Date)
    due_on: date = Field(sa_type=Date, index=True)
    rule_set_id: str = Field(max_length=40)
    rule_set_version: int
    status: str = Field(default=LENT, max_length=16, index=True)
    lend_transfer_id: str | None = Field(default=None, max_length=40)
    # The renewal of the registered loan, as its bank confirmed it.
    renewed_on: date | None = Field(default=None, sa_type=Date)
    renewal_contract_no: str | None = Field(default=None, max_length=60)
    renewal_principal_fen: int | None = Field(default=None, sa_type=BigInteger)
    renewal_maturity_on: date | None = Field(default=None, sa_type=Date)
    renewed_by: str | None = Field(default=None, max_length=80)
    # Not repaid by `due_on`: flagged by the daily job the day after (`overdue_since`).
    overdue_since: date | None = Field(default=None, sa_type=Date)
    repaid_on: date | None = Field(default=None, sa_type=Date)
    repay_transfer_id: str | None = Field(default=None, max_length=40)
    repaid_by: str | None = Field(default=None, max_length=80)
    applied_by: str = Field(max_length=80)
    actor: str | None = Field(default=None, max_length=80)
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()
    flagged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
