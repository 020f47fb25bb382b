"""The 助保贷 risk pool's tables: the pool row (outstanding guaranteed principal), deposits,
loans the banks registered, their repayments, compensation claims and recoveries."""

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.common.models import utc_column

POOL_ID = "zhubaodai"
ACTIVE, REPAID, DEFAULTED = "active", "repaid", "defaulted"
STOCK, YEARLY = "stock", "yearly"


class RiskPool(SQLModel, table=True):
    """The pool's one row: what it guarantees. Every registration, repayment and default locks
    it first (`SELECT … FOR UPDATE`), so the leverage check sees every other one."""

    __tablename__ = "funding_risk_pool"
    __table_args__ = (CheckConstraint("outstanding_fen >= 0", name="outstanding_non_negative"),)

    id: str = Field(primary_key=True, max_length=20)
    outstanding_fen: int = Field(default=0, sa_type=BigInteger)
    principal_registered_fen: int = Field(default=0, sa_type=BigInteger)
    updated_at: datetime = utc_column()


class RiskPoolDeposit(SQLModel, table=True):
    """Money put into `pool:risk`: the stock before 2015 or a year's deposit."""

    __tablename__ = "funding_risk_pool_deposits"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="positive_amount"),)

    id: str = Field(primary_key=True, max_length=40)
    key: str = Field(max_length=255, unique=True)
    year: int = Field(index=True)
    kind: str = Field(max_length=16)
    amount_fen: int = Field(sa_type=BigInteger)
    from_account: str = Field(max_length=120)
    transfer_id: str = Field(max_length=40)
    memo: str = Field(max_length=500)
    recorded_by: str = Field(max_length=80)
    recorded_at: datetime = utc_column()


class GuaranteedLoan(SQLModel, table=True):
    """A loan a partner bank granted under the scheme, guaranteed by the pool while outstanding."""

    __tablename__ = "funding_risk_pool_loans"
    __table_args__ = (
        UniqueConstraint("bank_code", "contract_no", name="uq_risk_pool_loans_contract"),
        CheckConstraint("principal_fen > 0", name="positive_principal"),
        CheckConstraint(
            "outstanding_fen >= 0 AND outstanding_fen <= principal_fen", name="outstanding_range"
        ),
        CheckConstraint("maturity_on > start_on", name="matures_after_start"),
        CheckConstraint("status IN ('active', 'repaid', 'defaulted')", name="known_status"),
    )

    id: str = Field(primary_key=True, max_length=40)
    bank_code: str = Field(max_length=18, index=True)
    contract_no: str = Field(max_length=60)
    enterprise_uscc: str = Field(max_length=18, index=True)
    enterprise_name: str = Field(max_length=200)
    principal_fen: int = Field(sa_type=BigInteger)
    rate_bp: int
    start_on: date = Field(sa_type=Date)
    maturity_on: date = Field(sa_type=Date)
    agreement_id: str = Field(max_length=40)
    agreement_version: int
    pool_share_bp: int
    outstanding_fen: int = Field(sa_type=BigInteger)
    repaid_fen: int = Field(default=0, sa_type=BigInteger)
    status: str = Field(default=ACTIVE, max_length=16, index=True)
    registered_by: str = Field(max_length=80)
    registered_at: datetime = utc_column()
    updated_at: datetime = utc_column()


class LoanRepayment(SQLModel, table=True):
    """A repayment of principal the bank reported."""

    __tablename__ = "funding_risk_pool_repayments"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="positive_amount"),)

    id: str = Field(primary_key=True, max_length=40)
    loan_id: str = Field(max_length=40, foreign_key="funding_risk_pool_loans.id", index=True)
    amount_fen: int = Field(sa_type=BigInteger)
    repaid_on: date = Field(sa_type=Date)
    outstanding_after_fen: int = Field(sa_type=BigInteger)
    recorded_by: str = Field(max_length=80)
    recorded_at: datetime = utc_column()


class CompensationClaim(SQLModel, table=True):
    """A default: the loss split into the pool's share (paid to the bank as a disbursement)
    and the bank's; recoveries split back in the same shares."""

    __tablename__ = "funding_risk_pool_claims"
    __table_args__ = (
        CheckConstraint("loss_fen > 0", name="positive_loss"),
        CheckConstraint("pool_share_fen + bank_share_fen = loss_fen", name="shares_add_up"),
        CheckConstraint(
            "recovered_fen >= 0 AND recovered_fen <= loss_fen", name="recovered_within_loss"
        ),
        CheckConstraint(
            "pool_recovered_fen >= 0 AND pool_recovered_fen <= pool_share_fen",
            name="pool_recovered_within_share",
        ),
    )

    id: str = Field(primary_key=True, max_length=40)
    loan_id: str = Field(max_length=40, foreign_key="funding_risk_pool_loans.id", unique=True)
    bank_code: str = Field(max_length=18, index=True)
    defaulted_on: date = Field(sa_type=Date)
    outstanding_at_default_fen: int = Field(sa_type=BigInteger)
    loss_fen: int = Field(sa_type=BigInteger)
    pool_share_bp: int
    pool_share_fen: int = Field(sa_type=BigInteger)
    bank_share_fen: int = Field(sa_type=BigInteger)
    disbursement_id: str | None = Field(default=None, max_length=40)
    recovered_fen: int = Field(default=0, sa_type=BigInteger)
    pool_recovered_fen: int = Field(default=0, sa_type=BigInteger)
    claimed_by: str = Field(max_length=80)
    claimed_at: datetime = utc_column()


class LoanRecovery(SQLModel, table=True):
    """Money the bank recovered after a default, and the pool's part of it."""

    __tablename__ = "funding_risk_pool_recoveries"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="positive_amount"),)

    id: str = Field(primary_key=True, max_length=40)
    claim_id: str = Field(max_length=40, foreign_key="funding_risk_pool_claims.id", index=True)
    amount_fen: int = Field(sa_type=BigInteger)
    pool_part_fen: int = Field(sa_type=BigInteger)
    bank_part_fen: int = Field(sa_type=BigInteger)
    recovered_on: date = Field(sa_type=Date)
    transfer_id: str | None = Field(default=None, max_length=40)
    recorded_by: str = Field(max_length=80)
    recorded_at: datetime = utc_column()
