"""The scorecard's results as a rating: score, grade, factors and reason codes from the trace.

The scorecard is the kernel rule family `credit.scorecard` (`services/credit/rulesets/
families.py`): the ratings domain supplies its inputs (`inputs.rule_inputs`: counts of the
counting records by kind, soft facts), evaluates the version in force with the kernel
(`compiled_rule_set(...).evaluate`) and reads the evaluation here. A rule named
`points_<factor>` is a factor and its points, in rule order; `input_<factor>` is what it read
(null when `known_<factor>` is false); `records_<factor>` the record kinds behind it (names of
count inputs, e.g. `overdue_loans`); `reason_codes` maps a factor to its code.

Reading an evaluation gives a `Shape`: everything a rating says but the record ids, the same for
every enterprise with the same inputs (a batch reads each distinct evaluation once).
`Shape.rating` then attaches the ids of the enterprise's records of the factor's kinds; a
record factor without `input_<factor>` has their number as its input.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

import orjson

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
    # [{name, input, points, record_ids}] in the scorecard's order (shared: read-only).
    factors: list[dict[str, Any]]
    # Up to four [{code, factor, points, record_ids}].
    reasons: list[dict[str, Any]]
    # The same as JSON text (what is stored, and digested for the fingerprint).
    factors_json: str
    reasons_json: str


class Fragments:
    """The factors and reasons of a batch of ratings, each distinct one built and serialised
    once (most enterprises share most of them: no records, the same points)."""

    def __init__(self) -> None:
        self.factors: dict[tuple[Any, ...], tuple[dict[str, Any], str]] = {}
        self.reasons: dict[tuple[Any, ...], tuple[dict[str, Any], str]] = {}

    def factor(
        self, name: str, given: int | None, points: int, record_ids: tuple[str, ...]
    ) -> tuple[dict[str, Any], str]:
        key = (name, given, points, record_ids)
        found = self.factors.get(key)
        if found is None:
            built = {"name": name, "input": given, "points": points, "record_ids": [*record_ids]}
            found = self.factors[key] = (built, orjson.dumps(built).decode())
        return found

    def reason(self, code: str, factor: dict[str, Any]) -> tuple[dict[str, Any], str]:
        key = (code, factor["name"], factor["points"], *factor["record_ids"])
        found = self.reasons.get(key)
        if found is None:
            built = {
                "code": code,
                "factor": factor["name"],
                "points": factor["points"],
                "record_ids": factor["record_ids"],
            }
            found = self.reasons[key] = (built, orjson.dumps(built).decode())
        return found


# One factor of an evaluation: (name, points, input as the scorecard gave it (None: none given,
# or unknown), whether an `input_<factor>` rule gave it, the record kinds behind it).
Factor = tuple[str, int, int | None, bool, tuple[str, ...]]


class _Layout(NamedTuple):
    """Where a scorecard's factors are among its rules: (factor, points, input, known, records)
    rule names (None: the rule set has no such rule), in rule order."""

    factors: tuple[tuple[str, str, str | None, str | None, str | None], ...]

    @classmethod
    def of(cls, names: tuple[str, ...]) -> "_Layout":
        present = set(names)

        def companion(prefix: str, name: str) -> str | None:
            return prefix + name if prefix + name in present else None

        return cls(
            tuple(
                (
                    rule[len(POINTS) :],
                    rule,
                    companion(INPUT, rule[len(POINTS) :]),
                    companion(KNOWN, rule[len(POINTS) :]),
                    companion(RECORDS, rule[len(POINTS) :]),
                )
                for rule in names
                if rule.startswith(POINTS)
            )
        )


_LAYOUTS: dict[tuple[str, ...], _Layout] = {}


@dataclass(frozen=True, slots=True)
class Shape:
    """What one evaluation of the scorecard says, before record ids are attached."""

    label: str
    score: int
    grade: str
    factors: tuple[Factor, ...]
    # (index of the factor, its code) of the reasons, in order.
    reasons: tuple[tuple[int, str], ...]

    def rating(self, ids_by_kind: Mapping[str, Sequence[str]], fragments: Fragments) -> Outcome:
        """The rating of an enterprise whose counting records by kind are `ids_by_kind` (sorted,
        once each: `records_by_kind`); 409 `rating_scorecard_invalid` if a factor's input is not
        its records' number. `fragments` shares the factors and reasons of a batch."""
        factors: list[tuple[dict[str, Any], str]] = []
        for name, points, given, has_input, kinds in self.factors:
            record_ids = _ids(kinds, ids_by_kind) if kinds else ()
            if kinds and not has_input:
                given = len(record_ids)
            elif kinds and given is not None and given != len(record_ids):
                raise RatingScorecardInvalid(
                    f"{self.label} gave the factor {name} the input {given}, but "
                    f"{len(record_ids)} records of {', '.join(kinds)}."
                )
            factors.append(fragments.factor(name, given, points, record_ids))
        reasons = [fragments.reason(code, factors[i][0]) for i, code in self.reasons]
        return Outcome(
            score=self.score,
            grade=self.grade,
            factors=[built for built, _json in factors],
            reasons=[built for built, _json in reasons],
            factors_json="[" + ",".join([text for _built, text in factors]) + "]",
            reasons_json="[" + ",".join([text for _built, text in reasons]) + "]",
        )


def _ids(kinds: tuple[str, ...], ids_by_kind: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    if len(kinds) == 1:
        return tuple(ids_by_kind.get(kinds[0], ()))
    return tuple(sorted({i for kind in kinds for i in ids_by_kind.get(kind, ())}))


def shape(evaluation: Evaluation) -> Shape:
    """What an evaluation of the scorecard says (409 `rating_scorecard_invalid` when the
    version's score or grade is out of range)."""
    values = evaluation.results
    label = f"{evaluation.family} version {evaluation.version}"
    score, grade = values["score"], values["grade"]
    if not MIN_SCORE <= score <= MAX_SCORE:
        raise RatingScorecardInvalid(
            f"{label} gave the score {score}, outside {MIN_SCORE}–{MAX_SCORE}."
        )
    if grade not in GRADES:
        raise RatingScorecardInvalid(f"{label} gave the grade {grade!r}, not one of {GRADES}.")
    codes: dict[str, str] = values["reason_codes"]
    names = tuple(values)
    layout = _LAYOUTS.get(names)
    if layout is None:
        if len(_LAYOUTS) > 64:
            _LAYOUTS.clear()
        layout = _LAYOUTS[names] = _Layout.of(names)
    factors = tuple(
        [
            (
                name,
                values[points],
                values[given] if given is not None and (known is None or values[known]) else None,
                given is not None,
                tuple(values[records]) if records is not None else (),
            )
            for name, points, given, known, records in layout.factors
        ]
    )
    chosen = reason_order([(codes.get(f[0]), f[1]) for f in factors])
    return Shape(
        label=label,
        score=score,
        grade=grade,
        factors=factors,
        reasons=tuple((i, codes[factors[i][0]]) for i in chosen),
    )


def reason_order(factors: Sequence[tuple[str | None, int]]) -> tuple[int, ...]:
    """Indexes of up to four reason codes among (reason, points) per factor: the factors that
    cost most points first (most negative first), then those that added most; ties in the
    scorecard's factor order. Factors without a reason code or with 0 points give none."""
    coded = sorted(
        (p > 0, -p if p > 0 else p, i) for i, (reason, p) in enumerate(factors) if reason and p
    )
    return tuple(i for _positive, _p, i in coded[:MAX_REASONS])
