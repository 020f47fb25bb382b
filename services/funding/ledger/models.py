"""The ledger's tables: accounts with a stored balance, transfers, and their entries (append-only)."""

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.common.models import SEQ_TYPE, utc_column

SOURCE, LINE, BLOCK, PAYABLE, PAYEE, POOL, FUND, PARTY, OTHER = (
    "source",
    "line",
    "block",
    "payable",
    "payee",
    "pool",
    "fund",
    "party",
    "other",
)
ACCOUNT_KINDS = (SOURCE, LINE, BLOCK, PAYABLE, PAYEE, POOL, FUND, PARTY, OTHER)
# Outside the programme's money: a source it receives from, a party (a bridge borrower) it lends
# to and is repaid by. Only these may go below zero (what they brought in beyond what they got).
MAY_GO_NEGATIVE = frozenset({SOURCE, PARTY})


class LedgerAccount(SQLModel, table=True):
    """An account; its balance is the sum of its entries, kept by one atomic UPDATE per entry.

    A non-negative account can never go below zero: the CHECK refuses the UPDATE that would
    take it there, whatever runs concurrently.
    """

    __tablename__ = "funding_ledger_accounts"
    __table_args__ = (
        CheckConstraint("NOT non_negative OR balance_fen >= 0", name="ck_ledger_non_negative"),
    )

    code: str = Field(primary_key=True, max_length=120)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=16, index=True)
    non_negative: bool
    year: int | None = Field(default=None, index=True)
    district: str | None = Field(default=None, max_length=40, index=True)
    balance_fen: int = Field(default=0, sa_type=BigInteger)
    entries: int = 0  # how many entries it has: the next entry's number is entries + 1
    created_at: datetime = utc_column()


class LedgerTransfer(SQLModel, table=True):
    """A balanced movement of money; a correction is a new transfer reversing it."""

    __tablename__ = "funding_ledger_transfers"

    id: str = Field(primary_key=True, max_length=40)
    key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=40, index=True)
    memo: str = Field(max_length=500)
    reference: str | None = Field(default=None, max_length=200)
    amount_fen: int = Field(sa_type=BigInteger)  # Σ positive legs
    reverses: str | None = Field(
        default=None, max_length=40, foreign_key="funding_ledger_transfers.id", unique=True
    )
    principal_id: str = Field(max_length=80)
    created_at: datetime = utc_column()


class LedgerEntry(SQLModel, table=True):
    """One leg of a transfer on one account, with the account's balance right after it."""

    __tablename__ = "funding_ledger_entries"
    __table_args__ = (
        UniqueConstraint("account_code", "entry_no", name="uq_ledger_entries_account_no"),
        Index("ix_funding_ledger_entries_transfer", "transfer_id"),
    )

    id: int | None = Field(
        default=None, sa_column=Column(SEQ_TYPE, primary_key=True, autoincrement=True)
    )
    transfer_id: str = Field(max_length=40, foreign_key="funding_ledger_transfers.id")
    account_code: str = Field(max_length=120, foreign_key="funding_ledger_accounts.code")
    entry_no: int
    amount_fen: int = Field(sa_type=BigInteger)
    balance_after_fen: int = Field(sa_type=BigInteger)
    created_at: datetime = utc_column()
