"""What the bridge-fund routes take and return."""

from datetime import date, datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_FEN = 10**12  # 100亿 yuan: far above the fund, and the fee's product stays within int64
BridgeStatus = Literal["lent", "renewed", "repaid"]


class BridgeCapitalCreate(BaseModel):
    """Capital loaded into the fund (`fund:bridge`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"year": 2015, "amount_fen": 1_000_000_000}]},
    )

    year: int = Field(
        ge=2000, le=2100,
        description="The budget year: its sub-line `line:<year>:financing:zhubaodai-bridge` "
        "pays when the loaded budget has it, else `source:city`.",
    )  # fmt: skip
    amount_fen: int = Field(gt=0, le=MAX_FEN)
    memo: str | None = Field(default=None, max_length=300)


class BridgeCapitalPublic(BaseModel):
    """A load of capital, with the account it came from and its ledger transfer."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "brc_01JD00000000000000000000AA",
                    "year": 2015,
                    "amount_fen": 1_000_000_000,
                    "from_account": "line:2015:financing:zhubaodai-bridge",
                    "transfer_id": "trf_01JD00000000000000000000AB",
                    "memo": "应急周转 fund: 2015 capital from line:2015:financing:zhubaodai-bridge",
                    "recorded_by": "cli_admin",
                    "recorded_at": "2015-03-02T01:00:00Z",
                }
            ]
        }
    )

    id: str
    year: int
    amount_fen: int
    from_account: str
    transfer_id: str
    memo: str
    recorded_by: str
    recorded_at: datetime


class BridgeFundPublic(BaseModel):
    """The revolving fund: available = capital − outstanding (the balance of `fund:bridge`)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "account": "fund:bridge",
                    "capital_fen": 1_000_000_000,
                    "outstanding_fen": 50_000_000,
                    "available_fen": 950_000_000,
                    "fee_income_fen": 125_000,
                    "loans_outstanding": 1,
                    "loans_overdue": 0,
                    "overdue_fen": 0,
                    "loans_repaid": 3,
                    "lent_fen": 200_000_000,
                }
            ]
        }
    )

    account: str
    capital_fen: int = Field(description="Σ capital loaded.")
    outstanding_fen: int = Field(description="Σ principal lent and not repaid.")
    available_fen: int = Field(description="capital − outstanding: `fund:bridge`'s balance.")
    fee_income_fen: int = Field(description="Σ fees received (`income:bridge-fees`).")
    loans_outstanding: int
    loans_overdue: int = Field(description="Outstanding loans past their due date, flagged.")
    overdue_fen: int
    loans_repaid: int
    lent_fen: int = Field(description="Σ principal ever lent (the fund revolves).")


class BridgeLoanCreate(BaseModel):
    """An application: a bridge on a registered 助保贷 loan that falls due."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"loan_id": "rpl_01JD0000000000000000000000", "amount_fen": 50_000_000,
                          "days": 20}]
        },
    )  # fmt: skip

    loan_id: str = Field(
        min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_]+$",
        description="The registered 助保贷 loan (`/v1/risk-pool/loans/{id}`) falling due.",
    )  # fmt: skip
    amount_fen: int = Field(gt=0, le=MAX_FEN, description="At most the maturing principal.")
    days: int = Field(gt=0, le=366, description="The term; at most the fund's longest (30).")


class BridgeRenewalCreate(BaseModel):
    """The bank's confirmation that it renewed (续贷) the registered loan."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "renewed_on": "2016-05-31",
                    "contract_no": "JSB-ZBD-2016-0001",
                    "principal_fen": 60_000_000,
                    "maturity_on": "2017-05-30",
                }
            ]
        },
    )

    renewed_on: date
    contract_no: str = Field(
        min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_./-]+$",
        description="The renewed loan's contract number.",
    )  # fmt: skip
    principal_fen: int = Field(gt=0, le=10**15)
    maturity_on: date

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.maturity_on <= self.renewed_on:
            raise ValueError("maturity_on must be after renewed_on")
        return self


class BridgeRepaymentCreate(BaseModel):
    """The borrower's repayment, as the fund received it: principal + fee."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"repaid_on": "2016-06-15", "amount_fen": 50_166_666}]},
    )

    repaid_on: date
    amount_fen: int = Field(gt=0, le=2 * MAX_FEN, description="Exactly `owed_fen`.")


class BridgeLoanFilters(BaseModel):
    """Filters of the bridge-loan list."""

    model_config = ConfigDict(extra="forbid")

    status: BridgeStatus | None = None
    overdue: bool | None = Field(default=None, description="Only the flagged overdue (or not).")
    enterprise: str | None = Field(default=None, pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")


class BridgeLoanPublic(BaseModel):
    """A bridge loan, with its terms, the rule-set version that set them, and where it stands."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "brl_01JD00000000000000000000AC",
                    "guaranteed_loan_id": "rpl_01JD00000000000000000000AD",
                    "bank_code": "JSB",
                    "enterprise_uscc": "91140105MA0KDE119Q",
                    "enterprise_name": "太原矩阵科技有限公司",
                    "maturing_principal_fen": 60_000_000,
                    "loan_maturity_on": "2016-05-31",
                    "amount_fen": 50_000_000,
                    "days": 20,
                    "fee_fen": 166_666,
                    "owed_fen": 50_166_666,
                    "lent_on": "2016-05-20",
                    "due_on": "2016-06-09",
                    "rule_set_id": "rls_funding_bridge_2015",
                    "rule_set_version": 1,
                    "status": "renewed",
                    "overdue": False,
                    "overdue_since": None,
                    "lend_transfer_id": "trf_01JD00000000000000000000AE",
                    "renewed_on": "2016-05-31",
                    "renewal_contract_no": "JSB-ZBD-2016-0001",
                    "renewal_principal_fen": 60_000_000,
                    "renewal_maturity_on": "2017-05-30",
                    "repaid_on": None,
                    "repay_transfer_id": None,
                    "applied_by": "cli_enterprise_119q",
                    "actor": None,
                    "created_at": "2016-05-20T02:00:00Z",
                    "updated_at": "2016-05-31T03:00:00Z",
                }
            ]
        }
    )

    id: str
    guaranteed_loan_id: str
    bank_code: str
    enterprise_uscc: str
    enterprise_name: str
    maturing_principal_fen: int
    loan_maturity_on: date
    amount_fen: int
    days: int
    fee_fen: int
    owed_fen: int = Field(description="amount + fee: what repays it.")
    lent_on: date
    due_on: date
    rule_set_id: str
    rule_set_version: int
    status: BridgeStatus
    overdue: bool
    overdue_since: date | None
    lend_transfer_id: str | None
    renewed_on: date | None
    renewal_contract_no: str | None
    renewal_principal_fen: int | None
    renewal_maturity_on: date | None
    repaid_on: date | None
    repay_transfer_id: str | None
    applied_by: str
    actor: str | None
    created_at: datetime
    updated_at: datetime
