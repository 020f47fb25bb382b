"""Disbursements: money committed to a payee (proposed), approved by a second admin, then paid
or cancelled; and the voucher settlements the vouchers feed asked funding to pay."""

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date
from sqlmodel import Field, SQLModel

from services.common.models import UTCDateTime, utc_column

PROPOSED, APPROVED, PAID, CANCELLED = "proposed", "approved", "paid", "cancelled"
STATUSES = (PROPOSED, APPROVED, PAID, CANCELLED)

# What a disbursement pays; a voucher settlement's names its settlement as `source_ref`.
REWARD, VOUCHER_SETTLEMENT, FINANCING = "reward", "voucher_settlement", "financing"


class Disbursement(SQLModel, table=True):
    """Money for one payee, committed from a ledger account to `payable` when proposed.

    The database holds the rules a Python check alone could race: a positive amount, a known
    status, an approver other than the proposer (four eyes), one disbursement per proposal key
    and per bank payment reference.
    """

    __tablename__ = "funding_disbursements"
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="positive_amount"),
        CheckConstraint(
            "status IN ('proposed', 'approved', 'paid', 'cancelled')", name="known_status"
        ),
        CheckConstraint("approved_by IS NULL OR approved_by <> proposed_by", name="four_eyes"),
        CheckConstraint(
            "status <> 'paid' OR (payment_reference IS NOT NULL AND approved_by IS NOT NULL)",
            name="paid_when_approved",
        ),
    )

    id: str = Field(primary_key=True, max_length=40)
    key: str = Field(max_length=200, unique=True)
    payee_uscc: str = Field(max_length=18, index=True)
    payee_name: str = Field(max_length=200)
    amount_fen: int = Field(sa_type=BigInteger)
    account: str = Field(max_length=120)
    purpose: str = Field(max_length=40, index=True)
    source_ref: str = Field(max_length=200)
    year: int = Field(index=True)
    budget_line: str = Field(max_length=80)
    district: str | None = Field(default=None, max_length=40)
    rule_set_version: str | None = Field(default=None, max_length=80)
    acceptance_ref: str | None = Field(default=None, max_length=80)
    status: str = Field(default=PROPOSED, max_length=16, index=True)
    version: int = 1
    commit_transfer_id: str = Field(max_length=40)
    proposed_by: str = Field(max_length=80)
    proposed_at: datetime = utc_column()
    approved_by: str | None = Field(default=None, max_length=80)
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    approval_note: str | None = Field(default=None, max_length=1000)
    payment_reference: str | None = Field(default=None, max_length=80, unique=True)
    paid_on: date | None = Field(default=None, sa_type=Date)
    paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    paid_by: str | None = Field(default=None, max_length=80)
    payment_transfer_id: str | None = Field(default=None, max_length=40)
    public_record_seq: int | None = None
    cancelled_by: str | None = Field(default=None, max_length=80)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancel_reason: str | None = Field(default=None, max_length=1000)
    cancel_transfer_id: str | None = Field(default=None, max_length=40)
    updated_at: datetime = utc_column()


# What became of a `settlement.requested` from the vouchers feed.
SETTLEMENT_PROPOSED, NOTHING_TO_PAY, NOT_FUNDED = "proposed", "nothing_to_pay", "not_funded"


class SettlementRequest(SQLModel, table=True):
    """A voucher settlement the vouchers service asked funding to pay, and what funding did.

    One row per settlement: `proposed` (with its disbursement), `nothing_to_pay` (an amount of
    zero or less: the month's clawbacks outweigh its redemptions, nothing is proposed) or
    `not_funded` (the budget line could not cover it or does not exist; `detail` says which).
    """

    __tablename__ = "funding_settlement_requests"

    settlement_id: str = Field(primary_key=True, max_length=40)
    provider_id: str = Field(max_length=40)
    provider_uscc: str = Field(max_length=18)
    provider_name: str | None = Field(default=None, max_length=200)
    amount_fen: int = Field(sa_type=BigInteger)
    month: str = Field(max_length=7)
    outcome: str = Field(max_length=16)
    disbursement_id: str | None = Field(default=None, max_length=40)
    detail: str | None = Field(default=None, max_length=1000)
    received_at: datetime = utc_column()
