"""The scorecard's results as a rating: score, grade, factors and reason codes from the trace.

The scorecard is the kernel rule family `credit.scorecard` (`services/credit/rulesets/
families.py`): the ratings domain supplies its inputs (`inputs.EnterpriseInputs.rule_inputs`),
evaluates the version in force with the kernel (`compiled_rule_set(...).evaluate`) and reads
the evaluation here. A rule named `points_<factor>` is a factor and its points, in rule order;
`input_<factor>` is what it read (null when absent, or when `known_<factor>` is false);
`records_<factor>` the ids of the records behind it; `reason_codes` maps a factor to its code.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from services.common.rules import Evaluation
from services.credit.ratings.errors import RatingScorecardInvalid
from services.credit.rulesets.families import SCORECARD

FAMILY: Final = SCORECARD
GRADES: Final = ("AAA", "AA", "A", "B", "C", "D")
MIN_SCORE, MAX_SCORE = 0, 1000
MAX_REASONS: Final = 4
POINTS, INPUT, KNOWN, RECORDS = "points_", "input_", "known_", "records_"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the scorecard gave one enterprise: score, grade, factors, reasons (as JSON)."""

    score: int
    grade: str
    # [{name, input, points, record_ids}] in the scorecard's order.
    factors: list[dict[str, Any]]
    # Up to four [{code, factor, points, record_ids}].
    reasons: list[dict[str, Any]]


def outcome(evaluation: Evaluation) -> Outcome:
    """The rating an evaluation of the scorecard gives (409 `rating_scorecard_invalid` when the
    version's score or grade is out of range)."""
    values = {step.rule: step.value for step in evaluation.trace}
    label = f"{evaluation.family} version {evaluation.version}"
    score, grade = values["score"], values["grade"]
    if not MIN_SCORE <= score <= MAX_SCORE:
        raise RatingScorecardInvalid(
            f"{label} gave the score {score}, outside {MIN_SCORE}–{MAX_SCORE}."
        )
    if grade not in GRADES:
        raise RatingScorecardInvalid(f"{label} gave the grade {grade!r}, not one of {GRADES}.")
    codes: dict[str, str] = values["reason_codes"]
    factors: list[dict[str, Any]] = []
    for step in evaluation.trace:
        if not step.rule.startswith(POINTS):
            continue
        name = step.rule[len(POINTS) :]
        known = values.get(KNOWN + name, True)
        factors.append(
            {
                "name": name,
                "input": values.get(INPUT + name) if known else None,
                "points": step.value,
                "record_ids": list(values.get(RECORDS + name, ())),
            }
        )
    chosen = reason_order([(codes.get(f["name"]), f["points"]) for f in factors])
    return Outcome(
        score=score,
        grade=grade,
        factors=factors,
        reasons=[
            {
                "code": codes[factors[i]["name"]],
                "factor": factors[i]["name"],
                "points": factors[i]["points"],
                "record_ids": factors[i]["record_ids"],
            }
            for i in chosen
        ],
    )


def reason_order(factors: Sequence[tuple[str | None, int]]) -> tuple[int, ...]:
    """Indexes of up to four reason codes among (reason, points) per factor: the factors that
    cost most points first (most negative first), then those that added most; ties in the
    scorecard's factor order. Factors without a reason code or with 0 points give none."""
    coded = [(i, p) for i, (reason, p) in enumerate(factors) if reason and p != 0]
    negative = sorted((c for c in coded if c[1] < 0), key=lambda c: (c[1], c[0]))
    positive = sorted((c for c in coded if c[1] > 0), key=lambda c: (-c[1], c[0]))
    return tuple(i for i, _ in (negative + positive)[:MAX_REASONS])
