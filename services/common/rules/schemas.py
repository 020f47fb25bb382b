"""What the rule-set routes take and return (the same in every service that mounts them)."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

FAMILY_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"
NAME_FIELD = Field(
    min_length=1,
    max_length=64,
    pattern=r"^[_A-Za-z][_A-Za-z0-9]*$",
    description="A CEL identifier, unique among the set's inputs, parameters and rules.",
)
TYPE_DESCRIPTION = (
    "`int`, `double`, `bool`, `string`, `list<T>` or `map<string, T>` (nested freely)."
)

SCORECARD_EXAMPLE: dict[str, Any] = {
    "family": "credit.scorecard",
    "effective_from": "2027-01-01",
    "effective_to": None,
    "description": "2027 rating scorecard",
    "inputs": {"negative_records": "int", "years_operating": "int", "on_time_ratio": "double"},
    "parameters": {
        "max_score": {"type": "int", "value": 1000},
        "penalty": {"type": "int", "value": 120},
    },
    "rules": [
        {"name": "base", "expression": "600 + math.least(years_operating, 10) * 20"},
        {"name": "repayment", "expression": "int(on_time_ratio * 200.0)"},
        {"name": "negatives", "expression": "negative_records * penalty"},
        {
            "name": "total",
            "expression": "math.least(max_score, math.greatest(0, base + repayment - negatives))",
        },
    ],
}


class RuleSetParameter(BaseModel):
    """A named constant of the rule set, typed."""

    type: str = Field(max_length=200, description=TYPE_DESCRIPTION, examples=["int"])
    value: Any = Field(description="A value of that type.", examples=[1000])


class RuleSetRule(BaseModel):
    """One named CEL expression; it may use the inputs, the parameters and earlier rules."""

    name: str = NAME_FIELD
    expression: str = Field(min_length=1, max_length=4000, examples=["base + repayment - negatives"])
    description: str | None = Field(default=None, max_length=1000)


class RuleSetUpdate(BaseModel):
    """A rule set version's content: its period, inputs, parameters and rules."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{k: v for k, v in SCORECARD_EXAMPLE.items() if k != "family"}]
        },
    )

    effective_from: date = Field(description="The first day the version is in force.")
    effective_to: date | None = Field(
        default=None, description="The last day it is in force (inclusive); null: open-ended."
    )
    description: str | None = Field(default=None, max_length=1000)
    inputs: dict[str, str] = Field(
        default_factory=dict,
        max_length=100,
        description="Input name → type. Only inputs the family's service supplies.",
    )
    parameters: dict[str, RuleSetParameter] = Field(default_factory=dict, max_length=100)
    rules: list[RuleSetRule] = Field(min_length=1, max_length=100)


class RuleSetCreate(RuleSetUpdate):
    """A new version of a rule family (its number is the family's next)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [SCORECARD_EXAMPLE]})

    family: str = Field(max_length=80, pattern=FAMILY_PATTERN, examples=["credit.scorecard"])


class RuleSetRulePublic(RuleSetRule):
    """A rule as saved: with its checked result type and the names it refers to."""

    type: str = Field(examples=["int"])
    references: list[str] = Field(examples=[["base", "negatives", "repayment"]])


class RuleSetPublic(BaseModel):
    """One version of a rule family."""

    id: str = Field(examples=["rls_01J9Z3X7Q6T8V4N2M5K1H0G9F8"])
    family: str = Field(examples=["credit.scorecard"])
    version: int = Field(examples=[2])
    effective_from: date
    effective_to: date | None
    description: str | None
    inputs: dict[str, str]
    parameters: dict[str, RuleSetParameter]
    rules: list[RuleSetRulePublic]
    in_use: bool = Field(description="Used by a recorded evaluation: it never changes again.")
    used_at: datetime | None
    created_by: str
    created_at: datetime
    updated_at: datetime


class RuleSetEvaluationCreate(BaseModel):
    """Inputs for a dry run of a rule set."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"inputs": {"negative_records": 1, "years_operating": 6, "on_time_ratio": 0.95}}
            ]
        },
    )

    inputs: dict[str, Any] = Field(description="Input name → value, of its declared type.")


class RuleSetTraceStep(BaseModel):
    """One rule's evaluation: its value and the values of the names it used."""

    rule: str = Field(examples=["total"])
    expression: str = Field(examples=["base + repayment - negatives"])
    type: str = Field(examples=["int"])
    value: Any = Field(examples=[590])
    inputs_used: dict[str, Any] = Field(
        description="Each input, parameter or earlier rule the expression refers to, with its value.",
        examples=[{"base": 720, "negatives": 120, "repayment": 190}],
    )


class RuleSetEvaluationPublic(BaseModel):
    """What a rule set computes for the inputs, with a trace of every rule."""

    rule_set_id: str
    family: str
    version: int
    results: dict[str, Any] = Field(description="Rule name → value, in rule order.")
    trace: list[RuleSetTraceStep]
