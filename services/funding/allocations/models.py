"""Block allocations, the matching each creates, each block's matching account, payments."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.common.models import utc_column

EXPLICIT, RULE_SET = "explicit", "rule_set"


class Allocation(SQLModel, table=True):
    """A budget line's amount allocated among districts: one ledger transfer line → blocks."""

    __tablename__ = "funding_allocations"

    id: str = Field(primary_key=True, max_length=40)
    year: int = Field(index=True)
    line: str = Field(max_length=60)
    line_account: str = Field(max_length=120)
    method: str = Field(max_length=16)
    total_fen: int = Field(sa_type=BigInteger)
    allocation_rule_set_id: str | None = Field(default=None, max_length=40)
    matching_rule_set_id: str = Field(max_length=40)
    kpi_year: int | None = None
    transfer_id: str = Field(max_length=40)
    memo: str = Field(max_length=500)
    created_by: str = Field(max_length=80)
    created_at: datetime = utc_column()


class MatchingObligation(SQLModel, table=True):
    """What one allocation gave one district, and the matching it owes for it."""

    __tablename__ = "funding_matching_obligations"
    __table_args__ = (
        UniqueConstraint("allocation_id", "district", name="uq_funding_matching_obligation"),
        CheckConstraint(
            "city_fen > 0 AND owed_fen >= 0 AND city_part > 0 AND district_part > 0",
            name="ck_funding_matching_obligation",
        ),
    )

    id: str = Field(primary_key=True, max_length=40)
    allocation_id: str = Field(max_length=40, foreign_key="funding_allocations.id", index=True)
    district: str = Field(max_length=40, index=True)
    block_account: str = Field(max_length=120)
    city_fen: int = Field(sa_type=BigInteger)
    city_part: int
    district_part: int
    owed_fen: int = Field(sa_type=BigInteger)
    weight: int | None = Field(default=None, sa_type=BigInteger)
    inputs: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class MatchingBlock(SQLModel, table=True):
    """A district's block of a line: city money in, matching owed and paid (paid ≤ owed)."""

    __tablename__ = "funding_matching_blocks"
    __table_args__ = (
        CheckConstraint(
            "city_fen >= 0 AND owed_fen >= 0 AND paid_fen >= 0 AND paid_fen <= owed_fen",
            name="ck_funding_matching_block",
        ),
    )

    block_account: str = Field(primary_key=True, max_length=120)
    district: str = Field(max_length=40, index=True)
    year: int
    line: str = Field(max_length=60)
    city_fen: int = Field(default=0, sa_type=BigInteger)
    owed_fen: int = Field(default=0, sa_type=BigInteger)
    paid_fen: int = Field(default=0, sa_type=BigInteger)


class MatchingPayment(SQLModel, table=True):
    """A district's matching money paid into its block: ledger `source:district:<code>` → block."""

    __tablename__ = "funding_matching_payments"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="ck_funding_matching_payment"),)

    id: str = Field(primary_key=True, max_length=40)
    district: str = Field(max_length=40, index=True)
    block_account: str = Field(
        max_length=120, foreign_key="funding_matching_blocks.block_account", index=True
    )
    amount_fen: int = Field(sa_type=BigInteger)
    reference: str = Field(max_length=200)
    transfer_id: str = Field(max_length=40)
    reported_by: str = Field(max_length=80)
    created_at: datetime = utc_column()
