"""Schemas of block allocation and district matching."""

from datetime import datetime
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

LINE_PATTERN = r"^[a-z][a-z0-9_-]*(:[a-z][a-z0-9_-]*)?$"
DISTRICT_PATTERN = r"^[a-z][a-z0-9_]*$"
_MAX_FEN = 10**15

SPENDING_RULE = (
    "A block's spendable balance is its city share plus the matching its district has actually "
    "paid: the block account (`block:<year>:<line>:<district>`) receives the city share when "
    "the line is allocated and each matching payment when the district reports it, and "
    "rewards and other disbursements are drawn from that account, which the database never "
    "lets go below zero. So a district that has not paid its match for a block can have "
    "rewards from that block proposed and approved up to the city share only; beyond it they "
    "are refused (409 `ledger_insufficient_funds`) until the match arrives."
)


class AllocationMethod(StrEnum):
    """How the amounts are found."""

    EXPLICIT = "explicit"
    RULE_SET = "rule_set"


class DistrictAmount(BaseModel):
    """A district's share, in fen."""

    model_config = ConfigDict(extra="forbid")

    district: str = Field(min_length=1, max_length=40, pattern=DISTRICT_PATTERN)
    amount_fen: int = Field(gt=0, le=_MAX_FEN)


class AllocationCreate(BaseModel):
    """Allocate a budget line among districts, by explicit amounts or by a rule set."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "year": 2015,
                    "line": "space",
                    "method": "explicit",
                    "memo": "2015年创业创新空间房租补贴切块",
                    "amounts": [
                        {"district": "xiaodian", "amount_fen": 3_000_000_000},
                        {"district": "hi_tech_zone", "amount_fen": 2_000_000_000},
                    ],
                },
                {
                    "year": 2015,
                    "line": "space",
                    "method": "rule_set",
                    "memo": "2015年创业创新空间房租补贴切块（按载体、面积、撬动资金）",
                    "total_fen": 24_000_000_000,
                    "kpi_year": 2014,
                },
            ]
        },
    )

    year: int = Field(ge=2000, le=2100)
    line: str = Field(
        max_length=60,
        pattern=LINE_PATTERN,
        description="The budget line or sub-line, e.g. `space` or `financing:guidance`.",
    )
    method: AllocationMethod
    memo: str = Field(min_length=1, max_length=500)
    amounts: list[DistrictAmount] | None = Field(
        default=None, min_length=1, max_length=50, description="`explicit`: each district's share."
    )
    total_fen: int | None = Field(
        default=None, gt=0, le=_MAX_FEN, description="`rule_set`: the amount to split."
    )
    rule_set_id: str | None = Field(
        default=None,
        max_length=40,
        description="`rule_set`: a version of `funding.allocation` (default: the one in force on "
        "1 January of `year`).",
    )
    districts: list[str] | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description="`rule_set`: the districts to weigh (default: all of them).",
    )
    kpi_year: int | None = Field(
        default=None,
        ge=2000,
        le=2100,
        description="`rule_set`: the year of the KPI reports weighed (default: `year` − 1).",
    )

    @model_validator(mode="after")
    def _method_fields(self) -> Self:
        if self.method == AllocationMethod.EXPLICIT:
            if self.amounts is None:
                raise ValueError("an explicit allocation lists `amounts`")
            if self.total_fen is not None or self.rule_set_id is not None:
                raise ValueError("an explicit allocation takes no `total_fen` or `rule_set_id`")
        else:
            if self.total_fen is None:
                raise ValueError("a rule-set allocation states `total_fen`")
            if self.amounts is not None:
                raise ValueError("a rule-set allocation takes no `amounts`")
        return self


class AllocationSharePublic(BaseModel):
    """One district's share and the matching it owes for it."""

    district: str
    block_account: str
    city_fen: int
    weight: int | None = Field(description="`rule_set`: the district's weight.")
    ratio: str = Field(description="City : district, as the plan writes it (1:1.5).")
    city_part: int
    district_part: int
    owed_fen: int = Field(description="city_fen × district_part / city_part, rounded up.")


class AllocationPublic(BaseModel):
    """An allocation: the shares, the matching owed, the rule sets used and the transfer."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "alc_01JD3Z8Q6T8V4N2M5K1H0G9F8E",
                    "year": 2015,
                    "line": "space",
                    "line_account": "line:2015:space",
                    "method": "explicit",
                    "total_fen": 3_000_000_000,
                    "allocation_rule_set_id": None,
                    "matching_rule_set_id": "rls_01JD3Z8Q6T8V4N2M5K1H0G9F8F",
                    "kpi_year": None,
                    "transfer_id": "trf_01JD3Z8Q6T8V4N2M5K1H0G9F8G",
                    "memo": "2015年创业创新空间房租补贴切块",
                    "created_by": "cli_demo_admin",
                    "created_at": "2026-11-30T08:00:00Z",
                    "shares": [
                        {
                            "district": "xiaodian",
                            "block_account": "block:2015:space:xiaodian",
                            "city_fen": 3_000_000_000,
                            "weight": None,
                            "ratio": "1:1.5",
                            "city_part": 2,
                            "district_part": 3,
                            "owed_fen": 4_500_000_000,
                        }
                    ],
                }
            ]
        }
    )

    id: str
    year: int
    line: str
    line_account: str
    method: AllocationMethod
    total_fen: int
    allocation_rule_set_id: str | None
    matching_rule_set_id: str
    kpi_year: int | None
    transfer_id: str
    memo: str
    created_by: str
    created_at: datetime
    shares: list[AllocationSharePublic]


class MatchingBlockPublic(BaseModel):
    """A block: the city share, matching owed, paid and outstanding, and what is spendable."""

    block_account: str
    year: int
    line: str
    city_fen: int
    owed_fen: int
    paid_fen: int
    outstanding_fen: int = Field(description="owed − paid.")
    balance_fen: int = Field(
        description="The block account's balance: city share + match paid − what was drawn."
    )


class DistrictMatchingPublic(BaseModel):
    """A district's matching, per block and in total."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "district": "xiaodian",
                    "owed_fen": 4_500_000_000,
                    "paid_fen": 1_000_000_000,
                    "outstanding_fen": 3_500_000_000,
                    "blocks": [
                        {
                            "block_account": "block:2015:space:xiaodian",
                            "year": 2015,
                            "line": "space",
                            "city_fen": 3_000_000_000,
                            "owed_fen": 4_500_000_000,
                            "paid_fen": 1_000_000_000,
                            "outstanding_fen": 3_500_000_000,
                            "balance_fen": 4_000_000_000,
                        }
                    ],
                }
            ]
        }
    )

    district: str
    owed_fen: int
    paid_fen: int
    outstanding_fen: int
    blocks: list[MatchingBlockPublic]


class MatchingPaymentCreate(BaseModel):
    """A district's matching money paid into its block of a line."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "year": 2015,
                    "line": "space",
                    "amount_fen": 1_000_000_000,
                    "reference": "小财〔2015〕配套-01",
                }
            ]
        },
    )

    year: int = Field(ge=2000, le=2100)
    line: str = Field(max_length=60, pattern=LINE_PATTERN)
    amount_fen: int = Field(gt=0, le=_MAX_FEN)
    reference: str = Field(min_length=1, max_length=200, description="The district's payment.")


class MatchingPaymentPublic(BaseModel):
    """A recorded matching payment and the block after it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "mpy_01JD3Z8Q6T8V4N2M5K1H0G9F8E",
                    "district": "xiaodian",
                    "block_account": "block:2015:space:xiaodian",
                    "amount_fen": 1_000_000_000,
                    "reference": "小财〔2015〕配套-01",
                    "transfer_id": "trf_01JD3Z8Q6T8V4N2M5K1H0G9F8F",
                    "reported_by": "cli_xiaodian",
                    "created_at": "2026-11-30T08:00:00Z",
                    "block": {
                        "block_account": "block:2015:space:xiaodian",
                        "year": 2015,
                        "line": "space",
                        "city_fen": 3_000_000_000,
                        "owed_fen": 4_500_000_000,
                        "paid_fen": 1_000_000_000,
                        "outstanding_fen": 3_500_000_000,
                        "balance_fen": 4_000_000_000,
                    },
                }
            ]
        }
    )

    id: str
    district: str
    block_account: str
    amount_fen: int
    reference: str
    transfer_id: str
    reported_by: str
    created_at: datetime
    block: MatchingBlockPublic
