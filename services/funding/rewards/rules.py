"""Reward rules: the rule families of year-end rewards, one per budget line, and their 2015
defaults; and the pure part of a reward run (each base's reward from the rule set, then the
exact pro-rata scaling to what each paying account holds).

A family's version is in force for a period (a year: effective 2015-01-01 to 2015-12-31) and
a run names the version it uses. The inputs are a base's attributes, its KPIs for the year and
its acceptance score; the one result the run reads is `reward_fen` (an int, fen, ≥ 0).
Inputs may be added later (saved versions stay evaluable); never rename or retype one.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.common.rules import CompiledRuleSet, FamilySpec
from services.funding.shares import scale_to_cap

FAMILY_PREFIX = "funding.reward."
# The budget lines whose money a reward run pays out (the ledger's line codes).
SPACE, PUBLIC_SERVICES = "space", "public-services"  # space rent subsidies; public services
REWARD_LINES: tuple[str, ...] = (SPACE, PUBLIC_SERVICES)
RESULT = "reward_fen"

REWARD_INPUTS: dict[str, str] = {
    "year": "int",  # the year rewarded
    "kind": "string",  # the base's kind
    "district": "string",  # the district code of the base
    "area_m2": "int",  # incubation area, whole m²
    "years_open": "int",  # whole years from its opening to the year's end
    "kpis_reported": "bool",  # false: no KPI report for the year (the KPIs below are then 0)
    "enterprises_incubated": "int",
    "jobs_created": "int",
    "private_money_fen": "int",
    "services_delivered": "int",
    "acceptance_score": "int",  # the year-end acceptance's score
}


def reward_family(budget_line: str) -> str:
    """The rule family of a budget line's rewards (`funding.reward.space`,
    `funding.reward.public_services`: a family name has no hyphens)."""
    return FAMILY_PREFIX + budget_line.replace("-", "_")


REWARD_FAMILIES: dict[str, FamilySpec] = {
    reward_family(line): FamilySpec(
        description=f"Year-end rewards paid from the `{line}` budget line to bases whose "
        "acceptance for the year passed: `reward_fen` (int, fen, not negative) from the base's "
        "attributes, its KPIs for the year and its acceptance score. A reward run scales the "
        "rewards pro rata where they exceed what the paying account holds.",
        inputs=REWARD_INPUTS,
        results={RESULT: "int"},
    )
    for line in REWARD_LINES
}

# The 2015 defaults (version 1 of each family, in force for 2015), loaded by migration
# funding_0008 as literals; a test checks these still pass the kernel's check unchanged.
SPACE_2015: dict[str, Any] = {
    "description": "2015 space rent subsidy: rent per m² up to a cap, an amount per incubated "
    "enterprise up to a cap, times a multiplier by kind (basis points).",
    "inputs": {"kind": "string", "area_m2": "int", "enterprises_incubated": "int"},
    "parameters": {
        "rent_fen_per_m2": {"type": "int", "value": 6_000},
        "rent_cap_fen": {"type": "int", "value": 300_000_000},
        "fen_per_enterprise": {"type": "int", "value": 2_000_000},
        "incubation_cap_fen": {"type": "int", "value": 200_000_000},
        "kind_multiplier_bp": {
            "type": "map<string, int>",
            "value": {
                "maker_space": 12_000,
                "tech_incubator": 12_000,
                "startup_base": 10_000,
                "micro_incubation_park": 10_000,
                "commerce_cluster": 8_000,
            },
        },
    },
    "rules": [
        {
            "name": "rent",
            "expression": "math.least(area_m2 * rent_fen_per_m2, rent_cap_fen)",
            "description": "60 yuan a m² of incubation area, at most 3,000,000 yuan.",
        },
        {
            "name": "incubation",
            "expression": "math.least(enterprises_incubated * fen_per_enterprise, "
            "incubation_cap_fen)",
            "description": "20,000 yuan an incubated enterprise, at most 2,000,000 yuan.",
        },
        {
            "name": "multiplier_bp",
            "expression": "kind in kind_multiplier_bp ? kind_multiplier_bp[kind] : 10000",
            "description": "By kind, in basis points (10000 = ×1); an unlisted kind ×1.",
        },
        {
            "name": "reward_fen",
            "expression": "(rent + incubation) * multiplier_bp / 10000",
            "description": "Rent and incubation times the multiplier (rounded down to the fen).",
        },
    ],
}
PUBLIC_SERVICES_2015: dict[str, Any] = {
    "description": "2015 public services: an amount per service delivered and per job "
    "created, at most a cap.",
    "inputs": {"services_delivered": "int", "jobs_created": "int"},
    "parameters": {
        "fen_per_service": {"type": "int", "value": 50_000},
        "fen_per_job": {"type": "int", "value": 300_000},
        "cap_fen": {"type": "int", "value": 100_000_000},
    },
    "rules": [
        {
            "name": "services",
            "expression": "services_delivered * fen_per_service",
            "description": "500 yuan a service delivered.",
        },
        {
            "name": "jobs",
            "expression": "jobs_created * fen_per_job",
            "description": "3,000 yuan a job created.",
        },
        {
            "name": "reward_fen",
            "expression": "math.least(services + jobs, cap_fen)",
            "description": "Services and jobs, at most 1,000,000 yuan.",
        },
    ],
}
DEFAULTS_2015: dict[str, dict[str, Any]] = {
    reward_family(SPACE): SPACE_2015,
    reward_family(PUBLIC_SERVICES): PUBLIC_SERVICES_2015,
}


@dataclass(frozen=True)
class RewardCandidate:
    """A base whose acceptance for the year passed, with what its reward is computed from."""

    base_id: str
    base_name: str
    operator_uscc: str
    district: str
    kind: str
    acceptance_id: str
    account: str  # the account its reward is paid from
    inputs: Mapping[str, Any]


@dataclass
class RewardFigure:
    """One base's reward: as computed by the rules, and as awarded after scaling."""

    candidate: RewardCandidate
    computed_fen: int
    trace: list[dict[str, Any]]
    awarded_fen: int = 0
    scaled: bool = False


@dataclass
class AccountFigure:
    """What one paying account holds and what the run computes and awards from it."""

    account: str
    balance_fen: int
    computed_fen: int = 0
    awarded_fen: int = 0
    bases: int = 0
    scaled: bool = False
    figures: list[RewardFigure] = field(default_factory=list)


class NegativeReward(ValueError):
    """A rule set computed a negative reward for a base."""

    def __init__(self, base_id: str, value: int) -> None:
        super().__init__(f"the rules give base {base_id} a reward of {value} fen")
        self.base_id = base_id
        self.value = value


def compute_rewards(
    compiled: CompiledRuleSet,
    candidates: Sequence[RewardCandidate],
    balances: Mapping[str, int],
) -> list[AccountFigure]:
    """Each candidate's reward by the rule set, then per paying account (in `balances`) the
    rewards scaled pro rata to exactly its balance where they exceed it (largest remainder:
    the parts add up to the balance). Accounts and bases in a stable order (code, base id)."""
    accounts = {code: AccountFigure(account=code, balance_fen=balances[code]) for code in balances}
    for candidate in sorted(candidates, key=lambda c: c.base_id):
        evaluation = compiled.evaluate(candidate.inputs)
        value = evaluation.results[RESULT]
        if value < 0:
            raise NegativeReward(candidate.base_id, value)
        pot = accounts[candidate.account]
        pot.figures.append(
            RewardFigure(
                candidate=candidate,
                computed_fen=value,
                trace=[
                    {
                        "rule": step.rule,
                        "expression": step.expression,
                        "type": step.type,
                        "value": step.value,
                        "inputs_used": step.inputs_used,
                    }
                    for step in evaluation.trace
                ],
            )
        )
    for pot in accounts.values():
        amounts = [figure.computed_fen for figure in pot.figures]
        pot.computed_fen = sum(amounts)
        pot.bases = len(amounts)
        awarded = scale_to_cap(max(pot.balance_fen, 0), amounts)
        pot.scaled = awarded != amounts
        for figure, amount in zip(pot.figures, awarded, strict=True):
            figure.awarded_fen = amount
            figure.scaled = pot.scaled
        pot.awarded_fen = sum(awarded)
    return [accounts[code] for code in sorted(accounts) if accounts[code].figures]
