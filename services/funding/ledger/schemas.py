"""Schemas of the ledger."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

CODE_PATTERN = r"^[a-z]+(:[A-Za-z0-9_.\-]+)*$"
_MAX_FEN = 10**15  # a quadrillion fen: far beyond any budget, well inside BIGINT


class AccountKind(StrEnum):
    """What an account holds."""

    SOURCE = "source"
    LINE = "line"
    BLOCK = "block"
    PAYABLE = "payable"
    PAYEE = "payee"
    POOL = "pool"
    FUND = "fund"
    PARTY = "party"
    OTHER = "other"


class LedgerAccountCreate(BaseModel):
    """Open an account (idempotent: the same terms again return it)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "line:2015:other",
                    "name": "2015 其他资金",
                    "kind": "line",
                    "non_negative": True,
                    "year": 2015,
                }
            ]
        },
    )

    code: str = Field(min_length=3, max_length=120, pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    kind: AccountKind
    non_negative: bool = Field(description="Whether the database refuses a negative balance.")
    year: int | None = Field(default=None, ge=2000, le=2100)
    district: str | None = Field(default=None, min_length=1, max_length=40)


class LedgerAccountPublic(BaseModel):
    """An account and its balance (the sum of its entries)."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "code": "line:2015:space",
                    "name": "2015 创业创新空间房租补贴资金",
                    "kind": "line",
                    "non_negative": True,
                    "year": 2015,
                    "district": None,
                    "balance_fen": 24_000_000_000,
                    "entries": 1,
                    "created_at": "2026-11-30T08:00:00Z",
                }
            ]
        },
    )

    code: str
    name: str
    kind: AccountKind
    non_negative: bool
    year: int | None
    district: str | None
    balance_fen: int = Field(description="Σ entries, in fen.")
    entries: int = Field(description="How many entries the account has.")
    created_at: datetime


class LegCreate(BaseModel):
    """One leg: a positive amount adds money to the account, a negative one takes it."""

    model_config = ConfigDict(extra="forbid")

    account: str = Field(min_length=3, max_length=120, pattern=CODE_PATTERN)
    amount_fen: int = Field(ge=-_MAX_FEN, le=_MAX_FEN)


class LedgerTransferCreate(BaseModel):
    """A balanced transfer: the legs sum to zero."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "receipt",
                    "memo": "中央奖励资金到账",
                    "reference": "财建〔2015〕123号",
                    "legs": [
                        {"account": "source:central", "amount_fen": -1_000_000_000},
                        {"account": "line:2015:other", "amount_fen": 1_000_000_000},
                    ],
                }
            ]
        },
    )

    kind: str = Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
    memo: str = Field(min_length=1, max_length=500)
    reference: str | None = Field(default=None, min_length=1, max_length=200)
    legs: list[LegCreate] = Field(min_length=2, max_length=200)


class LedgerReversalCreate(BaseModel):
    """Why a transfer is reversed."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"memo": "录入错误，冲回"}]}
    )

    memo: str = Field(min_length=1, max_length=500)


class LegPublic(BaseModel):
    """One leg of a transfer and the account's balance right after it."""

    account: str
    amount_fen: int
    entry_no: int
    balance_after_fen: int


class LedgerTransferPublic(BaseModel):
    """A transfer with its legs; `reverses` / `reversed_by` link a correction."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "trf_01JD3Z8Q6T8V4N2M5K1H0G9F8E",
                    "kind": "receipt",
                    "memo": "中央奖励资金到账",
                    "reference": "财建〔2015〕123号",
                    "amount_fen": 1_000_000_000,
                    "reverses": None,
                    "reversed_by": None,
                    "recorded_by": "cli_demo_admin",
                    "created_at": "2026-11-30T08:00:00Z",
                    "legs": [
                        {
                            "account": "line:2015:other",
                            "amount_fen": 1_000_000_000,
                            "entry_no": 1,
                            "balance_after_fen": 1_000_000_000,
                        },
                        {
                            "account": "source:central",
                            "amount_fen": -1_000_000_000,
                            "entry_no": 1,
                            "balance_after_fen": -1_000_000_000,
                        },
                    ],
                }
            ]
        }
    )

    id: str
    kind: str
    memo: str
    reference: str | None
    amount_fen: int = Field(description="Σ positive legs, in fen.")
    reverses: str | None
    reversed_by: str | None
    recorded_by: str
    created_at: datetime
    legs: list[LegPublic]


class StatementLinePublic(BaseModel):
    """One entry of an account's statement, with the running balance."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "entry_no": 1,
                    "transfer_id": "trf_01JD3Z8Q6T8V4N2M5K1H0G9F8E",
                    "kind": "budget",
                    "memo": "2015 budget",
                    "amount_fen": 24_000_000_000,
                    "balance_after_fen": 24_000_000_000,
                    "created_at": "2026-11-30T08:00:00Z",
                }
            ]
        }
    )

    entry_no: int
    transfer_id: str
    kind: str
    memo: str
    amount_fen: int
    balance_after_fen: int
    created_at: datetime


class TrialBalanceAccount(BaseModel):
    """One account's line in the trial balance."""

    code: str
    name: str
    kind: AccountKind
    balance_fen: int


class TrialBalancePublic(BaseModel):
    """Every account's balance, totals per kind, and whether they sum to zero."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "accounts": [
                        {
                            "code": "line:2015:other",
                            "name": "2015 其他资金",
                            "kind": "line",
                            "balance_fen": 1_000_000_000,
                        },
                        {
                            "code": "source:central",
                            "name": "中央资金",
                            "kind": "source",
                            "balance_fen": -1_000_000_000,
                        },
                    ],
                    "totals_by_kind": {"line": 1_000_000_000, "source": -1_000_000_000},
                    "total_fen": 0,
                    "zero_sum": True,
                    "entries_agree": True,
                }
            ]
        }
    )

    accounts: list[TrialBalanceAccount]
    totals_by_kind: dict[str, int]
    total_fen: int = Field(description="Σ every balance: 0 in a balanced ledger.")
    zero_sum: bool = Field(description="Whether `total_fen` is 0.")
    entries_agree: bool = Field(
        description="Whether every stored balance equals the sum of that account's entries."
    )
