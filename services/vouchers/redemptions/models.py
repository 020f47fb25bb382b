"""Redemptions: a provider draws a voucher's balance against a contract; reversals give it back."""

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index
from sqlmodel import Field, SQLModel

from services.common.models import UTCDateTime, utc_column

REDEEMED, REVERSED = "redeemed", "reversed"


class Redemption(SQLModel, table=True):
    """One draw on a voucher by a provider, for one contract; reversed within 30 days at most.

    `settlement_id` is set by the settlement run that pays it; a reversal after that keeps it and
    the settlement run books a clawback line (`clawback_settlement_id`) in the provider's next one.
    """

    __tablename__ = "voucher_redemptions"
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="ck_voucher_redemptions_amount"),
        Index("ix_voucher_redemptions_provider_created", "provider_id", "created_at"),
        Index("ix_voucher_redemptions_provider_contract", "provider_id", "contract_reference"),
    )

    id: str = Field(primary_key=True, max_length=40)
    voucher_id: str = Field(max_length=40, foreign_key="vouchers.id", index=True)
    programme_id: str = Field(max_length=40, foreign_key="voucher_programmes.id", index=True)
    uscc: str = Field(max_length=18, index=True)  # the holder
    provider_id: str = Field(max_length=40, foreign_key="voucher_providers.id")
    contract_reference: str = Field(max_length=80)
    contract_amount_fen: int = Field(sa_type=BigInteger)
    category: str = Field(max_length=40)
    amount_fen: int = Field(sa_type=BigInteger)
    status: str = Field(default=REDEEMED, max_length=16)
    version: int = 1
    created_by: str = Field(max_length=80)
    created_at: datetime = utc_column()
    reversed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reversed_by: str | None = Field(default=None, max_length=80)
    reversal_reason: str | None = Field(default=None, max_length=1000)
    # The settlement that paid it (set by the settlement run) and, for a reversal after payment,
    # the settlement whose clawback line took it back.
    settlement_id: str | None = Field(default=None, max_length=40, index=True)
    clawback_settlement_id: str | None = Field(default=None, max_length=40, index=True)


class RedemptionContract(SQLModel, table=True):
    """A provider's contract with a holder; what vouchers paid of it is guarded in the database.

    `redeemed_fen` (all vouchers' live redemptions against it) moves only by a conditional update
    bounded by the covered share, so concurrent redemptions never exceed it.
    """

    __tablename__ = "voucher_redemption_contracts"
    __table_args__ = (
        CheckConstraint(
            "redeemed_fen >= 0 AND redeemed_fen <= amount_fen",
            name="ck_voucher_redemption_contracts_redeemed",
        ),
    )

    provider_id: str = Field(primary_key=True, max_length=40)
    reference: str = Field(primary_key=True, max_length=80)
    uscc: str = Field(max_length=18)
    amount_fen: int = Field(sa_type=BigInteger)
    category: str = Field(max_length=40)
    redeemed_fen: int = Field(default=0, sa_type=BigInteger)
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()
