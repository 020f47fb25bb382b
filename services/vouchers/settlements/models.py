"""Settlement runs, settlements (one per provider and month) and their lines."""

from datetime import datetime

from sqlalchemy import BigInteger, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.common.models import UTCDateTime, utc_column

REQUESTED, PAID = "requested", "paid"
REDEMPTION, CLAWBACK = "redemption", "clawback"


class SettlementRun(SQLModel, table=True):
    """One month's run; the unique month makes a second run (API or job) a conflict."""

    __tablename__ = "voucher_settlement_runs"

    id: str = Field(primary_key=True, max_length=40)
    month: str = Field(max_length=7, unique=True)  # YYYY-MM, Asia/Shanghai
    settlements: int = 0
    amount_fen: int = Field(default=0, sa_type=BigInteger)
    created_by: str = Field(max_length=80)
    created_at: datetime = utc_column()


class Settlement(SQLModel, table=True):
    """What one provider is paid for one month: its redemptions less its clawbacks."""

    __tablename__ = "voucher_settlements"
    __table_args__ = (
        UniqueConstraint("provider_id", "month", name="uq_voucher_settlements_provider_month"),
    )

    id: str = Field(primary_key=True, max_length=40)
    run_id: str = Field(max_length=40, foreign_key="voucher_settlement_runs.id", index=True)
    provider_id: str = Field(max_length=40, foreign_key="voucher_providers.id")
    month: str = Field(max_length=7)
    redeemed_fen: int = Field(sa_type=BigInteger)
    clawback_fen: int = Field(sa_type=BigInteger)
    amount_fen: int = Field(sa_type=BigInteger)  # redeemed − clawback (may be negative)
    lines: int
    status: str = Field(default=REQUESTED, max_length=16)
    version: int = 1
    created_at: datetime = utc_column()
    paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    paid_amount_fen: int | None = Field(default=None, sa_type=BigInteger)
    disbursement_id: str | None = Field(default=None, max_length=80)


class SettlementLine(SQLModel, table=True):
    """A redemption paid (+) or clawed back (−); each redemption at most once of each kind."""

    __tablename__ = "voucher_settlement_lines"
    __table_args__ = (
        UniqueConstraint("redemption_id", "kind", name="uq_voucher_settlement_lines_once"),
    )

    id: str = Field(primary_key=True, max_length=40)
    settlement_id: str = Field(max_length=40, foreign_key="voucher_settlements.id", index=True)
    redemption_id: str = Field(max_length=40, foreign_key="voucher_redemptions.id")
    kind: str = Field(max_length=16)
    amount_fen: int = Field(sa_type=BigInteger)
