"""What the risk-pool routes take and return."""

from datetime import date, datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

USCC_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{18}$"
MAX_FEN = 10**15
LoanStatus = Literal["active", "repaid", "defaulted"]


class RiskPoolDepositCreate(BaseModel):
    """A deposit into `pool:risk`: the stock held before 2015 or a year's deposit."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"year": 2016, "kind": "yearly", "amount_fen": 4_500_000_000}]
        },
    )

    year: int = Field(ge=2000, le=2100, description="The year deposited (the stock: 2014).")
    kind: Literal["stock", "yearly"] = Field(
        default="yearly", description="`stock`: the pool's money before 2015; `yearly`: a year's."
    )
    amount_fen: int = Field(gt=0, le=MAX_FEN)
    memo: str | None = Field(default=None, max_length=300)


class RiskPoolDepositPublic(BaseModel):
    """A deposit, with the account it came from and its ledger transfer."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "rpd_01JDA1B2C3D4E5F6G7H8J9K0M1",
                    "year": 2015,
                    "kind": "yearly",
                    "amount_fen": 4_000_000_000,
                    "from_account": "line:2015:financing:zhubaodai-pool",
                    "transfer_id": "trf_01JDA1B2C3D4E5F6G7H8J9K0M2",
                    "memo": "“助保贷”风险补偿资金池: 2015 deposit",
                    "recorded_by": "cli_admin",
                    "recorded_at": "2026-11-30T08:00:00Z",
                }
            ]
        }
    )

    id: str
    year: int
    kind: str
    amount_fen: int
    from_account: str
    transfer_id: str
    memo: str
    recorded_by: str
    recorded_at: datetime


class GuaranteedLoanCreate(BaseModel):
    """A loan the bank granted under the 助保贷 scheme."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "contract_no": "JSB-ZBD-2015-0001",
                    "enterprise_uscc": "91140105MA0KDE119Q",
                    "principal_fen": 200_000_000,
                    "rate_bp": 600,
                    "start_on": "2015-06-01",
                    "maturity_on": "2016-05-31",
                }
            ]
        },
    )

    contract_no: str = Field(
        min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_./-]+$",
        description="The bank's loan contract number (once per bank).",
    )  # fmt: skip
    enterprise_uscc: str = Field(pattern=USCC_PATTERN, description="The borrower.")
    principal_fen: int = Field(gt=0, le=MAX_FEN)
    rate_bp: int = Field(gt=0, le=10_000, description="Yearly interest rate, basis points.")
    start_on: date = Field(description="The loan's start date: the agreement in force applies.")
    maturity_on: date

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.maturity_on <= self.start_on:
            raise ValueError("maturity_on must be after start_on")
        return self


class RepaymentCreate(BaseModel):
    """Principal the borrower repaid."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"amount_fen": 50_000_000, "repaid_on": "2015-12-01"}]},
    )

    amount_fen: int = Field(gt=0, le=MAX_FEN)
    repaid_on: date


class DefaultCreate(BaseModel):
    """The borrower defaulted; `loss_fen` is the principal lost (at most the outstanding)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"loss_fen": 100_000_001, "defaulted_on": "2016-06-30"}]},
    )

    loss_fen: int = Field(gt=0, le=MAX_FEN)
    defaulted_on: date


class RecoveryCreate(BaseModel):
    """Money the bank recovered after the default (collateral, enforcement, …)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"amount_fen": 30_000_000, "recovered_on": "2017-03-01"}]},
    )

    amount_fen: int = Field(gt=0, le=MAX_FEN)
    recovered_on: date


class RepaymentPublic(BaseModel):
    """A repayment."""

    id: str
    amount_fen: int
    repaid_on: date
    outstanding_after_fen: int
    recorded_by: str
    recorded_at: datetime


class RecoveryPublic(BaseModel):
    """A recovery and its split: the pool's part flowed back to `pool:risk`."""

    id: str
    amount_fen: int
    pool_part_fen: int
    bank_part_fen: int
    recovered_on: date
    transfer_id: str | None
    recorded_by: str
    recorded_at: datetime


class CompensationClaimPublic(BaseModel):
    """A default's loss split: the pool's share paid to the bank as a disbursement."""

    id: str
    defaulted_on: date
    outstanding_at_default_fen: int
    loss_fen: int
    pool_share_bp: int
    pool_share_fen: int = Field(description="loss × pool_share_bp / 10000, rounded down.")
    bank_share_fen: int = Field(description="The rest of the loss: the bank bears it.")
    disbursement_id: str | None = Field(description="The pool's share as a disbursement.")
    recovered_fen: int
    pool_recovered_fen: int
    recoveries: list[RecoveryPublic]


class GuaranteedLoanPublic(BaseModel):
    """A guaranteed loan, its repayments and, after a default, its claim."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "rpl_01JDA1B2C3D4E5F6G7H8J9K0M1",
                    "bank_code": "JSB",
                    "contract_no": "JSB-ZBD-2015-0001",
                    "enterprise_uscc": "91140105MA0KDE119Q",
                    "enterprise_name": "太原矩阵科技有限公司",
                    "principal_fen": 200_000_000,
                    "rate_bp": 600,
                    "start_on": "2015-06-01",
                    "maturity_on": "2016-05-31",
                    "agreement_id": "agr_01JDA1B2C3D4E5F6G7H8J9K0M2",
                    "agreement_version": 1,
                    "pool_share_bp": 6000,
                    "outstanding_fen": 200_000_000,
                    "repaid_fen": 0,
                    "status": "active",
                    "registered_by": "cli_bank_jsb",
                    "registered_at": "2026-11-30T08:00:00Z",
                    "repayments": [],
                    "claim": None,
                }
            ]
        }
    )

    id: str
    bank_code: str
    contract_no: str
    enterprise_uscc: str
    enterprise_name: str
    principal_fen: int
    rate_bp: int
    start_on: date
    maturity_on: date
    agreement_id: str
    agreement_version: int
    pool_share_bp: int
    outstanding_fen: int
    repaid_fen: int
    status: LoanStatus
    registered_by: str
    registered_at: datetime
    repayments: list[RepaymentPublic]
    claim: CompensationClaimPublic | None


class LoanFilters(BaseModel):
    """Filters of the loan list."""

    status: LoanStatus | None = None
    bank: str | None = Field(default=None, max_length=18, description="Bank code (admin).")
    enterprise: str | None = Field(default=None, pattern=USCC_PATTERN)


class BankPoolPublic(BaseModel):
    """One partner bank's part of the pool."""

    bank_code: str
    bank_name: str
    agreement_version: int | None = Field(description="The version in force today.")
    leverage_multiple: int | None
    headroom_fen: int | None = Field(
        description="What it may still register: leverage × balance − outstanding (all banks), "
        "at least 0."
    )
    loans_active: int
    outstanding_fen: int
    principal_registered_fen: int
    losses_fen: int
    compensation_fen: int = Field(description="The pool's shares of its losses.")
    pool_recovered_fen: int = Field(description="What its recoveries returned to the pool.")
    loss_rate_bp: int = Field(
        description="(losses − recoveries) / principal registered, basis points, rounded down."
    )


class RiskPoolPublic(BaseModel):
    """The pool: its balance, what it guarantees, the headroom, losses, per bank."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "account": "pool:risk",
                    "balance_fen": 36_700_000_000,
                    "deposits_fen": 36_700_000_000,
                    "outstanding_fen": 200_000_000,
                    "leverage_multiple": 10,
                    "capacity_fen": 367_000_000_000,
                    "headroom_fen": 366_800_000_000,
                    "principal_registered_fen": 200_000_000,
                    "losses_fen": 0,
                    "compensation_fen": 0,
                    "pool_recovered_fen": 0,
                    "loss_rate_bp": 0,
                    "banks": [],
                }
            ]
        }
    )

    account: str
    balance_fen: int = Field(
        description="`pool:risk` in the ledger (compensation proposed is out)."
    )
    deposits_fen: int
    outstanding_fen: int = Field(description="Guaranteed principal outstanding, all banks.")
    leverage_multiple: int = Field(description="The default multiple (a bank's own is below).")
    capacity_fen: int = Field(description="leverage_multiple × balance.")
    headroom_fen: int = Field(description="capacity − outstanding, at least 0.")
    principal_registered_fen: int
    losses_fen: int
    compensation_fen: int
    pool_recovered_fen: int
    loss_rate_bp: int = Field(
        description="(losses − recoveries) / principal registered, basis points, rounded down."
    )
    banks: list[BankPoolPublic] = Field(description="A bank sees its own row only.")
