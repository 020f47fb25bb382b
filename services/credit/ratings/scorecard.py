"""The scorecard: a rule set of CEL formulas and parameters, compiled once, evaluated per enterprise.

A scorecard rule set (family `credit.scorecard`) holds `parameters` and `formulas`:

- `formulas.factors`: one entry per factor, in the order they are reported. A *record* factor
  has `select`, a CEL predicate over one counting record `r` (`r.id`, `r.type`, `r.polarity`,
  `r.loan_status`, `r.source_kind`) and `params`; its input is the number of selected records.
  A *soft* factor has `fact`, the name of one soft fact of the enterprise (`years_in_operation`,
  `employment_growth_bp`, `filing_years`, …); its input is that fact (`null` when unknown).
  Both have `points`, a CEL expression over `input` and `params` giving the factor's points,
  and may name a `reason` code.
- `formulas.score`: CEL over `total` (the sum of the factors' points) and `params`: 0–1000.
- `formulas.grade`: CEL over `score` and `params`: the grade.

Every formula is a pure function of its variables, so the evaluator memoises each result by its
inputs within one compiled scorecard: a batch of 67,699 enterprises evaluates each distinct
record shape and each distinct factor input once, not once per enterprise.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import cel

FAMILY: Final = "credit.scorecard"
GRADES: Final = ("AAA", "AA", "A", "B", "C", "D")
MIN_SCORE, MAX_SCORE = 0, 1000
MAX_REASONS: Final = 4
SOFT_FACTS: Final = ("years_in_operation", "employment_growth_bp", "filing_years")
RECORD_FIELDS: Final = ("id", "type", "polarity", "loan_status", "source_kind")


class ScorecardInvalid(ValueError):
    """A scorecard's formulas do not compile, name unknown facts, or give no valid answer."""


@dataclass(frozen=True, slots=True)
class Factor:
    """One factor of a compiled scorecard."""

    name: str
    points: Any  # cel.Program over input, params
    select: Any | None = None  # cel.Program over r, params (record factors)
    fact: str | None = None  # soft factors
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a scorecard gives for one enterprise: score, grade, factors, reasons (as JSON)."""

    score: int
    grade: str
    # [{name, input, points, record_ids}] in the scorecard's order.
    factors: list[dict[str, Any]]
    # Up to four [{code, factor, points, record_ids}].
    reasons: list[dict[str, Any]]


# One distinct case: per factor (input, points, indexes of the selected records); score, grade;
# the indexes of the factors given as reasons.
_Case = tuple[tuple[tuple[int | None, int, tuple[int, ...]], ...], int, str, tuple[int, ...]]


@dataclass(slots=True)
class CompiledScorecard:
    """A scorecard ready to evaluate: its programs compiled once, its results memoised."""

    rule_set_id: str
    version: int
    params: dict[str, Any]
    factors: list[Factor]
    score: Any
    grade: Any
    _selected: dict[tuple[str, tuple[Any, ...]], bool] = field(default_factory=dict)
    _points: dict[tuple[str, int | None], int] = field(default_factory=dict)
    _scores: dict[int, tuple[int, str]] = field(default_factory=dict)
    _cases: dict[tuple[Any, ...], _Case] = field(default_factory=dict)
    _bare: dict[tuple[Any, ...], Outcome] = field(default_factory=dict)

    def _select(self, factor: Factor, shape: tuple[Any, ...], record: Mapping[str, Any]) -> bool:
        key = (factor.name, shape)
        found = self._selected.get(key)
        if found is None:
            assert factor.select is not None
            found = factor.select.execute({"r": dict(record), "params": self.params})
            if not isinstance(found, bool):
                raise ScorecardInvalid(f"factor {factor.name}: `select` gave {found!r}, not a bool")
            self._selected[key] = found
        return found

    def _factor_points(self, factor: Factor, value: int | None) -> int:
        key = (factor.name, value)
        found = self._points.get(key)
        if found is None:
            found = factor.points.execute({"input": value, "params": self.params})
            if isinstance(found, bool) or not isinstance(found, int):
                raise ScorecardInvalid(f"factor {factor.name}: `points` gave {found!r}, not an int")
            self._points[key] = found
        return found

    def _score_grade(self, total: int) -> tuple[int, str]:
        found = self._scores.get(total)
        if found is None:
            score = self.score.execute({"total": total, "params": self.params})
            if isinstance(score, bool) or not isinstance(score, int):
                raise ScorecardInvalid(f"`score` gave {score!r}, not an int")
            if not MIN_SCORE <= score <= MAX_SCORE:
                raise ScorecardInvalid(f"`score` gave {score}, outside {MIN_SCORE}–{MAX_SCORE}")
            grade = self.grade.execute({"score": score, "params": self.params})
            if grade not in GRADES:
                raise ScorecardInvalid(f"`grade` gave {grade!r}, not one of {GRADES}")
            found = self._scores[total] = (score, str(grade))
        return found

    def _case(
        self,
        facts: Mapping[str, int | None],
        shapes: tuple[tuple[Any, ...], ...],
        records: Sequence[Mapping[str, Any]],
    ) -> _Case:
        results: list[tuple[int | None, int, tuple[int, ...]]] = []
        for factor in self.factors:
            if factor.select is not None:
                chosen = tuple(
                    i for i, r in enumerate(records) if self._select(factor, shapes[i], r)
                )
                value: int | None = len(chosen)
            else:
                chosen = ()
                value = facts.get(factor.fact or "")
            results.append((value, self._factor_points(factor, value), chosen))
        score, grade = self._score_grade(sum(points for _, points, _ in results))
        reasons = reason_order(
            [(f.reason, r[1]) for f, r in zip(self.factors, results, strict=True)]
        )
        return tuple(results), score, grade, reasons

    def evaluate(
        self, *, facts: Mapping[str, int | None], records: Sequence[Mapping[str, Any]]
    ) -> Outcome:
        """Score one enterprise from its soft facts and its counting records.

        Without records the outcome depends on the facts only: it is shared (read-only) by every
        enterprise with the same facts.
        """
        if not records:
            facts_key = tuple(facts.get(name) for name in SOFT_FACTS)
            shared = self._bare.get(facts_key)
            if shared is None:
                shared = self._bare[facts_key] = self._outcome(facts, records)
            return shared
        return self._outcome(facts, records)

    def _outcome(
        self, facts: Mapping[str, int | None], records: Sequence[Mapping[str, Any]]
    ) -> Outcome:
        shapes = tuple(tuple(r.get(name) for name in RECORD_FIELDS[1:]) for r in records)
        key = (tuple(facts.get(name) for name in SOFT_FACTS), shapes)
        case = self._cases.get(key)
        if case is None:
            case = self._cases[key] = self._case(facts, shapes, records)
        results, score, grade, reasons = case
        factors = [
            {
                "name": factor.name,
                "input": value,
                "points": points,
                "record_ids": [str(records[i]["id"]) for i in chosen],
            }
            for factor, (value, points, chosen) in zip(self.factors, results, strict=True)
        ]
        return Outcome(
            score=score,
            grade=grade,
            factors=factors,
            reasons=[
                {
                    "code": self.factors[i].reason,
                    "factor": factors[i]["name"],
                    "points": factors[i]["points"],
                    "record_ids": factors[i]["record_ids"],
                }
                for i in reasons
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


def _program(source: Any, where: str) -> Any:
    if not isinstance(source, str) or not source.strip():
        raise ScorecardInvalid(f"{where}: a CEL expression is required")
    try:
        return cel.compile(source)
    except (ValueError, RuntimeError) as exc:
        raise ScorecardInvalid(f"{where}: {exc}") from exc


def _uses_only(program: Any, allowed: set[str], where: str) -> None:
    unknown = {v.split(".")[0] for v in program.variables()} - allowed
    # Comprehension variables (`x` in `params.l.exists(x, …)`) are reported as identifiers too.
    if unknown - {"x", "y", "b", "t"}:
        raise ScorecardInvalid(f"{where}: unknown variable(s) {sorted(unknown)}")


def compile_scorecard(
    *, rule_set_id: str, version: int, parameters: Mapping[str, Any], formulas: Mapping[str, Any]
) -> CompiledScorecard:
    """Compile a scorecard's formulas once (raises ScorecardInvalid on a broken one)."""
    factors: list[Factor] = []
    names: set[str] = set()
    for i, spec in enumerate(formulas.get("factors") or []):
        where = f"formulas.factors[{i}]"
        name = spec.get("name")
        if not isinstance(name, str) or not name or name in names:
            raise ScorecardInvalid(f"{where}.name: a unique name is required")
        names.add(name)
        points = _program(spec.get("points"), f"{where}.points")
        _uses_only(points, {"input", "params"}, f"{where}.points")
        if "select" in spec:
            select = _program(spec["select"], f"{where}.select")
            _uses_only(select, {"r", "params"}, f"{where}.select")
            factors.append(Factor(name, points, select=select, reason=spec.get("reason")))
        elif spec.get("fact") in SOFT_FACTS:
            factors.append(Factor(name, points, fact=spec["fact"], reason=spec.get("reason")))
        else:
            raise ScorecardInvalid(f"{where}: give `select` or a `fact` among {SOFT_FACTS}")
    if not factors:
        raise ScorecardInvalid("formulas.factors: at least one factor is required")
    score = _program(formulas.get("score"), "formulas.score")
    _uses_only(score, {"total", "params"}, "formulas.score")
    grade = _program(formulas.get("grade"), "formulas.grade")
    _uses_only(grade, {"score", "params"}, "formulas.grade")
    return CompiledScorecard(
        rule_set_id=rule_set_id,
        version=version,
        params=dict(parameters),
        factors=factors,
        score=score,
        grade=grade,
    )
