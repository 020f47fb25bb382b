"""The graduate interest subsidy's rule family: the benchmark lending rate (贷款基准利率) as an
effective-dated parameter, and the pure arithmetic of a quarter's subsidy.

`funding.interest.benchmark` gives `rate_bp` (basis points a year: 4.35% is 435) for a loan of
`term_months`; each People's Bank of China change is a new version effective from its day, so
a quarter with a change inside it is split into its days at each rate. Migration funding_0010
loads the 2014-11-22 … 2015-10-24 benchmark rates (six versions, by term: up to one year, one
to five years, over five years).
"""

from collections.abc import Sequence
from datetime import date

from services.common.rules import FamilySpec

BENCHMARK = "funding.interest.benchmark"
RESULT = "rate_bp"
DAYS_IN_YEAR = 360  # the plan's formula: principal × benchmark rate × days / 360
BP = 10_000
LABEL_LENGTH = 80  # the rule_set_version columns of claims and disbursements

INTEREST_FAMILIES: dict[str, FamilySpec] = {
    BENCHMARK: FamilySpec(
        description="The benchmark lending rate (贷款基准利率) for the graduate entrepreneur "
        "interest subsidy: `rate_bp` (int, basis points a year; 4.35% is 435) for a loan of "
        "`term_months`. A version is in force from the day the rate changed; a quarter's claim "
        "counts each day at the rate in force that day.",
        inputs={"term_months": "int"},
        results={RESULT: "int"},
    )
}


def term_months(loan_date: date, matures_on: date) -> int:
    """The loan's term in months, a part month counting as a whole one."""
    months = (matures_on.year - loan_date.year) * 12 + matures_on.month - loan_date.month
    return months + (1 if matures_on.day > loan_date.day else 0)


def subsidy_fen(principal_fen: int, stretches: Sequence[tuple[int, int]]) -> int:
    """principal × Σ(rate × days) / 360, from (rate_bp, days) stretches, computed exactly and
    rounded once, half up, to the fen (四舍五入)."""
    numerator = principal_fen * sum(rate_bp * days for rate_bp, days in stretches)
    denominator = BP * DAYS_IN_YEAR
    return (2 * numerator + denominator) // (2 * denominator)


def quarter_days(year: int, quarter: int) -> tuple[date, date]:
    """A calendar quarter's first and last days."""
    first = date(year, 3 * quarter - 2, 1)
    last = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return first, date.fromordinal(last.toordinal() - 1)


def add_years(day: date, years: int) -> date:
    """The same day `years` later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def version_label(versions: Sequence[int]) -> str:
    """`funding.interest.benchmark@2,3,4`: the versions a claim used, as whole numbers within
    LABEL_LENGTH characters, ending in `…` when some do not fit (the stretches list them all)."""
    label = f"{BENCHMARK}@{','.join(str(version) for version in versions)}"
    if len(label) <= LABEL_LENGTH:
        return label
    kept = label[: LABEL_LENGTH - 1]
    return kept[: kept.rindex(",") + 1] + "…"
