"""The public ledger: paid disbursements in a hash chain, its head, and signed checkpoints."""

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, Date, ForeignKey
from sqlmodel import Field, SQLModel

from services.common.models import UTCDateTime
from services.funding.public.chain import GENESIS

HEAD_ID = 1
DAILY, ON_DEMAND = "daily", "on_demand"


class PublicLedgerHead(SQLModel, table=True):
    """The chain's head: one row, locked by every append, so sequences have no gaps."""

    __tablename__ = "public_ledger_head"
    __table_args__ = (
        CheckConstraint("id = 1", name="ck_public_ledger_head_single"),
        CheckConstraint("sequence >= 0", name="ck_public_ledger_head_sequence"),
    )

    id: int = Field(default=HEAD_ID, primary_key=True)
    sequence: int = Field(default=0, sa_type=BigInteger)
    head_hash: str = Field(default=GENESIS, max_length=64)


class PublicRecord(SQLModel, table=True):
    """One paid disbursement as published; never updated. A correction is a new record."""

    __tablename__ = "public_ledger_records"
    __table_args__ = (
        CheckConstraint("sequence >= 1", name="ck_public_ledger_records_sequence"),
        CheckConstraint("amount_fen >= 0", name="ck_public_ledger_records_amount"),
        CheckConstraint(
            "corrects IS NULL OR corrects < sequence", name="ck_public_ledger_records_corrects"
        ),
    )

    sequence: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    disbursement_id: str = Field(max_length=80, index=True)
    paid_on: date = Field(sa_type=Date)
    published_at: datetime = Field(sa_type=UTCDateTime)
    payer: str = Field(max_length=200)
    payee_name: str = Field(max_length=200)
    payee_uscc: str = Field(max_length=18, index=True)
    amount_fen: int = Field(sa_type=BigInteger)
    programme: str = Field(max_length=200)
    budget_line: str = Field(max_length=120)
    district: str | None = Field(default=None, max_length=40)
    rule_set_version: str | None = Field(default=None, max_length=80)
    acceptance_ref: str | None = Field(default=None, max_length=80)
    # The record this one corrects; a record is corrected at most once (correct the correction).
    corrects: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger,
            ForeignKey("public_ledger_records.sequence"),
            unique=True,
            nullable=True,
        ),
    )
    previous_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)


class PublicCheckpoint(SQLModel, table=True):
    """A signed statement of the chain head: daily (one per Asia/Shanghai day) or on demand."""

    __tablename__ = "public_ledger_checkpoints"

    id: str = Field(primary_key=True, max_length=40)
    sequence: int = Field(sa_type=BigInteger)
    head_hash: str = Field(max_length=64)
    issued_at: datetime = Field(sa_type=UTCDateTime)
    key_id: str = Field(max_length=80)
    signature: str = Field(max_length=200)
    kind: str = Field(max_length=16)
    daily_on: date | None = Field(default=None, sa_type=Date, unique=True)
    issued_by: str = Field(max_length=80)
