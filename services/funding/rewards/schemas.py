"""Schemas of reward runs."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.common.rules.schemas import RuleSetTraceStep

BudgetLine = Literal["space", "public-services"]  # REWARD_LINES (checked by a test)

_TRACE_EXAMPLE: list[dict[str, Any]] = [
    {
        "rule": "rent",
        "expression": "math.least(area_m2 * rent_fen_per_m2, rent_cap_fen)",
        "type": "int",
        "value": 12_000_000,
        "inputs_used": {"area_m2": 2000, "rent_fen_per_m2": 6000, "rent_cap_fen": 300_000_000},
    },
    {
        "rule": "reward_fen",
        "expression": "(rent + incubation) * multiplier_bp / 10000",
        "type": "int",
        "value": 38_400_000,
        "inputs_used": {"rent": 12_000_000, "incubation": 20_000_000, "multiplier_bp": 12_000},
    },
]
_ACCOUNT_EXAMPLE: dict[str, Any] = {
    "account": "block:2015:space:xiaodian",
    "balance_fen": 30_000_000,
    "computed_fen": 38_400_000,
    "awarded_fen": 30_000_000,
    "bases": 1,
    "scaled": True,
}
_LINE_EXAMPLE: dict[str, Any] = {
    "base_id": "bas_01JD3Z8Q6T8V4N2M5K1H0G9F8E",
    "base_name": "小店众创空间",
    "operator_uscc": "91140105MA0KDE119Q",
    "district": "xiaodian",
    "kind": "maker_space",
    "acceptance_id": "acc_01JD3Z8Q6T8V4N2M5K1H0G9F8F",
    "account": "block:2015:space:xiaodian",
    "inputs": {"kind": "maker_space", "area_m2": 2000, "enterprises_incubated": 10},
    "computed_fen": 38_400_000,
    "awarded_fen": 30_000_000,
    "scaled": True,
    "trace": _TRACE_EXAMPLE,
    "disbursement_id": "dsb_01JD3Z8Q6T8V4N2M5K1H0G9F8G",
}
_RUN_EXAMPLE: dict[str, Any] = {
    "id": "rwr_01JD3Z8Q6T8V4N2M5K1H0G9F8H",
    "dry_run": False,
    "year": 2015,
    "budget_line": "space",
    "rule_set_id": "rls_funding_reward_space_2015",
    "rule_set_family": "funding.reward.space",
    "rule_set_version": 1,
    "rule_set_label": "funding.reward.space@1",
    "bases": 1,
    "computed_fen": 38_400_000,
    "awarded_fen": 30_000_000,
    "scaled": True,
    "disbursements": 1,
    "accounts": [_ACCOUNT_EXAMPLE],
    "created_by": "cli_finance",
    "created_at": "2016-01-20T02:00:00Z",
}


class RewardRunCreate(BaseModel):
    """Reward a year's passed bases from a budget line by one version of its reward rules."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"year": 2015, "budget_line": "space", "rule_set_version": 1, "dry_run": True}
            ]
        },
    )

    year: int = Field(ge=2000, le=2100, description="The year rewarded.", examples=[2015])
    budget_line: BudgetLine = Field(
        description="The budget line paying (the ledger's line code); its reward family is "
        "`funding.reward.<line>` with `_` for `-` (`funding.reward.public_services`).",
        examples=["space"],
    )
    rule_set_version: int = Field(
        ge=1,
        le=1_000_000,
        description="The version of `funding.reward.<line>` to apply; it must be in force on "
        "some day of the year.",
        examples=[1],
    )
    dry_run: bool = Field(
        default=False,
        description="Compute and answer the figures a commit would, changing nothing.",
    )


class RewardAccountPublic(BaseModel):
    """One paying account: what it holds, what the run computed and awarded from it."""

    model_config = ConfigDict(json_schema_extra={"examples": [_ACCOUNT_EXAMPLE]})

    account: str = Field(
        description="`block:<year>:<line>:<district>`, or the line `line:<year>:<line>` for a "
        "district without a block."
    )
    balance_fen: int = Field(description="Its balance when the run computed.")
    computed_fen: int = Field(description="The rewards the rules give its bases.")
    awarded_fen: int = Field(description="What the run awards: at most the balance.")
    bases: int
    scaled: bool = Field(description="The rewards exceeded the balance and were scaled to it.")


class RewardLinePublic(BaseModel):
    """One passed base's reward, with the trace of every rule and the scaling."""

    model_config = ConfigDict(json_schema_extra={"examples": [_LINE_EXAMPLE]})

    base_id: str
    base_name: str
    operator_uscc: str
    district: str
    kind: str
    acceptance_id: str = Field(description="The passed acceptance (the acceptance reference).")
    account: str = Field(description="The account the reward is paid from.")
    inputs: dict[str, Any] = Field(description="The inputs the rule set declared, as given.")
    computed_fen: int = Field(description="The rule set's `reward_fen`.")
    awarded_fen: int = Field(
        description="After scaling: computed × balance ÷ the account's computed total, rounded "
        "down, the fen left over to the largest remainders (ties: the lower base id); "
        "unscaled, the computed figure."
    )
    scaled: bool
    trace: list[RuleSetTraceStep] = Field(
        description="Every rule in order, its value and the values it used."
    )
    disbursement_id: str | None = Field(
        description="The disbursement proposed (committed runs; none for a zero award)."
    )


class RewardRunPublic(BaseModel):
    """A reward run's figures (a dry run has no id)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_RUN_EXAMPLE]})

    id: str | None = Field(description="Null for a dry run.")
    dry_run: bool
    year: int
    budget_line: str
    rule_set_id: str
    rule_set_family: str
    rule_set_version: int
    rule_set_label: str = Field(
        description="`<family>@<version>`: the rule-set version each disbursement records."
    )
    bases: int = Field(description="Passed bases rewarded (zero awards included).")
    computed_fen: int
    awarded_fen: int
    scaled: bool = Field(description="Some account's rewards were scaled to its balance.")
    disbursements: int = Field(description="Disbursements proposed (0 for a dry run).")
    accounts: list[RewardAccountPublic]
    created_by: str
    created_at: datetime


class RewardRunDetailPublic(RewardRunPublic):
    """A reward run with each base's line and trace."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{**_RUN_EXAMPLE, "lines": [_LINE_EXAMPLE]}]}
    )

    lines: list[RewardLinePublic]


class RewardRunFilters(BaseModel):
    """Filters of the reward-run list."""

    year: int | None = Field(default=None, ge=2000, le=2100)
    budget_line: BudgetLine | None = None
