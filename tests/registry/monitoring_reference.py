"""The monitoring computation as it was before the SQL path: every report read into Python.

Kept only as the reference the SQL path (stored effective and year figures, GROUP BY) must
equal, in tests and in `bench/registry_monitoring.py` for comparison. Not used by the service.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from typing import Final

from sqlalchemy import select
from sqlmodel import Session, col

from services.common.clock import as_utc, utcnow
from services.common.dates import shanghai_date
from services.registry.enterprises.models import Enterprise
from services.registry.indicators.effective import Figure
from services.registry.indicators.models import ANNUAL, IndicatorReport
from services.registry.indicators.rules import FLOWS, INDICATORS, PRECEDENCE
from services.registry.indicators.schemas import IndicatorName, IndicatorSource
from services.registry.monitoring.models import CITY, Target
from services.registry.monitoring.schemas import (
    BaselineComparison,
    CohortSurvival,
    EnterpriseYearCounts,
    Metric,
    PlanBaseline,
    ProgressReport,
    PublicMetric,
    PublicProgressSummary,
    PublicUnitSummary,
    SincePlanBaseline,
    UnitProgress,
)
from services.registry.monitoring.service import (
    CITY_NAME_EN,
    CITY_NAME_ZH,
    METRICS,
    SOURCE_INDICATOR,
)
from services.registry.reference.districts import DISTRICTS

# ---- per period and per year, from every report (the old indicators service) ---------------


def _effective(reports: Sequence[IndicatorReport]) -> dict[IndicatorName, Figure]:
    """Per indicator, among the reports giving it: the most trusted source's latest report (by
    time, then id), as the declared precedence reads (first = most trusted)."""
    out: dict[IndicatorName, Figure] = {}
    for name in INDICATORS:
        giving = [r for r in reports if getattr(r, name.value) is not None]
        if not giving:
            continue
        trust = [source.value for source in PRECEDENCE[name]]
        best = min(trust.index(r.source) for r in giving)
        latest = max(
            (r for r in giving if trust.index(r.source) == best),
            key=lambda r: (as_utc(r.reported_at), r.id),
        )
        out[name] = Figure(int(getattr(latest, name.value)), latest.source, latest.id)
    return out


def effective_by_period(
    session: Session,
) -> dict[tuple[str, int, int], dict[IndicatorName, Figure]]:
    """(uscc, year, quarter) → the effective figures picked from its reports."""
    reports: dict[tuple[str, int, int], list[IndicatorReport]] = defaultdict(list)
    for report in session.execute(select(IndicatorReport)).scalars():
        reports[(report.uscc, report.year, report.quarter)].append(report)
    return {key: _effective(rs) for key, rs in reports.items()}


def year_figures(reports: Sequence[IndicatorReport]) -> dict[IndicatorName, int]:
    """One enterprise's figures for one year: the annual report's where given, else from quarters.

    Flows (revenue, tech-contract turnover) add the quarters' effective figures; stocks
    (employees, patents) take the latest quarter that has one.
    """
    by_quarter: dict[int, list[IndicatorReport]] = defaultdict(list)
    for report in reports:
        by_quarter[report.quarter].append(report)
    annual = _effective(by_quarter.get(ANNUAL, []))
    quarters = {q: _effective(rs) for q, rs in sorted(by_quarter.items()) if q != ANNUAL}
    out: dict[IndicatorName, int] = {}
    for name in INDICATORS:
        if name in annual:
            out[name] = annual[name].value
            continue
        values = [(q, figs[name].value) for q, figs in quarters.items() if name in figs]
        if not values:
            continue
        out[name] = sum(v for _, v in values) if name in FLOWS else values[-1][1]
    return out


_RANKS_BY_SOURCE: Final[Mapping[str, tuple[int, ...]]] = {
    source.value: tuple(-PRECEDENCE[name].index(source) for name in INDICATORS)
    for source in IndicatorSource
}


def figures_by_enterprise(
    session: Session, *, years: Iterable[int]
) -> dict[int, dict[str, dict[IndicatorName, int]]]:
    """year → uscc → indicator → figure, for every enterprise with reports in those years.

    The same rules as `_effective` and `year_figures`, over plain rows in one pass
    (oldest first, so a later report of equal rank replaces an earlier one), fast enough for
    the city-wide register.
    """
    wanted = sorted(set(years))
    table = IndicatorReport.__table__  # type: ignore[attr-defined]
    statement = (
        select(
            table.c.year,
            table.c.uscc,
            table.c.quarter,
            table.c.source,
            *[table.c[name.value] for name in INDICATORS],
        )
        .where(table.c.year.in_(wanted))
        .order_by(table.c.reported_at, table.c.id)
    )
    # (year, uscc, quarter, indicator position) → (rank, value)
    best: dict[tuple[int, str, int, int], tuple[int, int]] = {}
    positions = range(len(INDICATORS))
    for year, uscc, quarter, source, *values in session.execute(statement):
        ranks = _RANKS_BY_SOURCE[source]
        for i in positions:
            value = values[i]
            if value is None:
                continue
            slot = (year, uscc, quarter, i)
            held = best.get(slot)
            if held is None or ranks[i] >= held[0]:
                best[slot] = (ranks[i], value)
    periods: dict[tuple[int, str], dict[int, dict[IndicatorName, int]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for (year, uscc, quarter, i), (_rank, value) in best.items():
        periods[(year, uscc)][quarter][INDICATORS[i]] = int(value)
    out: dict[int, dict[str, dict[IndicatorName, int]]] = {y: {} for y in wanted}
    for (year, uscc), quarters in periods.items():
        annual = quarters.get(ANNUAL, {})
        figures: dict[IndicatorName, int] = {}
        for name in INDICATORS:
            if name in annual:
                figures[name] = annual[name]
                continue
            values = [
                quarters[q][name] for q in sorted(quarters) if q != ANNUAL and name in quarters[q]
            ]
            if values:
                figures[name] = sum(values) if name in FLOWS else values[-1]
        out[year][uscc] = figures
    return out


# ---- the reference's own arithmetic and suppression (none of the service's code) ----------

# The public must not see an actual from fewer reporting enterprises than this.
REFERENCE_DISCLOSURE_MINIMUM: Final = 3


def _half_up(value: Fraction, places: int) -> Fraction:
    """`value` rounded half away from zero to `places` decimals."""
    scale = 10**places
    scaled = abs(value) * scale
    whole = scaled.numerator // scaled.denominator
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    return Fraction(whole if value >= 0 else -whole, scale)


def _two_places(value: Fraction) -> str:
    rounded = _half_up(value, 2)
    sign = "-" if value < 0 else ""  # a small loss stays a loss: "-0.00"
    hundredths = abs(rounded.numerator * 100 // rounded.denominator)
    return f"{sign}{hundredths // 100}.{hundredths % 100:02d}"


def completion(actual: int | None, target: int | None) -> tuple[str | None, int | None]:
    """actual / target as a percent with two places and in basis points, rounded half-up."""
    if actual is None or target in (None, 0):
        return None, None
    ratio = Fraction(actual, target)  # type: ignore[arg-type]
    bp = _half_up(ratio * 10_000, 0)
    return _two_places(ratio * 100), int(bp)


def _percent(part: int, whole: int) -> str | None:
    return None if whole == 0 else _two_places(Fraction(part * 100, whole))


def reference_suppressed(metrics: Mapping[str, Metric]) -> set[str]:
    """The units whose actual the public must not see, from the rule as published.

    A unit's actual from 1 to minimum−1 reporters is hidden. If some district is hidden and the
    city is not, districts are hidden too, fewest reporters first (then by code), until at least
    two are hidden holding at least the minimum of reporters together; with no district left
    to hide, the city is hidden instead.
    """
    minimum = REFERENCE_DISCLOSURE_MINIMUM
    reporters = {
        unit: m.reporting_enterprises
        for unit, m in metrics.items()
        if unit != CITY and m.actual is not None
    }
    too_few = [unit for unit, n in reporters.items() if 1 <= n <= minimum - 1]
    city = metrics.get(CITY)
    city_hidden = (
        city is not None and city.actual is not None and 1 <= city.reporting_enterprises < minimum
    )
    hidden = set(too_few) | ({CITY} if city_hidden else set())
    if not too_few or city_hidden:
        return hidden
    candidates = sorted((u for u in reporters if u not in hidden), key=lambda u: (reporters[u], u))
    for unit in [None, *candidates]:
        if unit is not None:
            hidden.add(unit)
        if len(hidden) >= 2 and sum(reporters[u] for u in hidden) >= minimum:
            return hidden
    return hidden | {CITY}


# ---- the old monitoring computation ----------------------------------------------------------


@dataclass
class _Sums:
    """Sums of one indicator over one unit's enterprises, and how many reported."""

    total: int = 0
    count: int = 0

    def add(self, value: int) -> None:
        self.total += value
        self.count += 1

    @property
    def value(self) -> int | None:
        return self.total if self.count else None


@dataclass
class _Counts:
    filed: int = 0
    deregistered: int = 0
    active: int = 0
    cohorts: dict[int, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))


def _units() -> list[tuple[str, str, str]]:
    return [(d.code, d.name_zh, d.name_en) for d in DISTRICTS] + [
        (CITY, CITY_NAME_ZH, CITY_NAME_EN)
    ]


def _enterprise_rows(session: Session) -> Sequence[tuple[str, str, datetime, datetime | None]]:
    statement = select(
        col(Enterprise.uscc),
        col(Enterprise.district),
        col(Enterprise.filed_at),
        col(Enterprise.deregistered_at),
    )
    return [tuple(row) for row in session.execute(statement).all()]  # type: ignore[misc]


def _count_enterprises(
    rows: Iterable[tuple[str, str, datetime, datetime | None]], year: int
) -> dict[str, _Counts]:
    counts: dict[str, _Counts] = defaultdict(_Counts)
    for _uscc, district, filed_at, deregistered_at in rows:
        filed_year = shanghai_date(filed_at).year
        gone_on: date | None = shanghai_date(deregistered_at) if deregistered_at else None
        if filed_year > year:
            continue
        alive = gone_on is None or gone_on.year > year
        for unit in (district, CITY):
            c = counts[unit]
            if filed_year == year:
                c.filed += 1
            if gone_on is not None and gone_on.year == year:
                c.deregistered += 1
            if alive:
                c.active += 1
            cohort = c.cohorts[filed_year]
            cohort[0] += 1
            if alive:
                cohort[1] += 1
    return counts


@dataclass(frozen=True)
class _UnitData:
    code: str
    name_zh: str
    name_en: str
    metrics: dict[str, Metric]
    counts: EnterpriseYearCounts


def _compute(session: Session, year: int) -> list[_UnitData]:
    """Every unit's metrics and counts for `year` (districts in order, the city last)."""
    rows = _enterprise_rows(session)
    district_of = {uscc: district for uscc, district, _f, _d in rows}
    figures = figures_by_enterprise(session, years=(year - 1, year))
    sums: dict[tuple[str, int, IndicatorName], _Sums] = defaultdict(_Sums)
    for y in (year - 1, year):
        for uscc, values in figures[y].items():
            district = district_of.get(uscc)
            if district is None:
                continue
            for indicator, value in values.items():
                for unit in (district, CITY):
                    sums[(unit, y, indicator)].add(value)
    # New jobs: the change in employees of each enterprise with a figure in both years.
    jobs: dict[str, _Sums] = defaultdict(_Sums)
    for uscc, values in figures[year].items():
        district = district_of.get(uscc)
        earlier = figures[year - 1].get(uscc, {})
        if district is None or IndicatorName.EMPLOYEES not in values:
            continue
        if IndicatorName.EMPLOYEES not in earlier:
            continue
        change = values[IndicatorName.EMPLOYEES] - earlier[IndicatorName.EMPLOYEES]
        for unit in (district, CITY):
            jobs[unit].add(change)
    counts = _count_enterprises(rows, year)
    targets = {
        t.unit: t
        for t in session.execute(select(Target).where(col(Target.year) == year)).scalars().all()
    }
    out = []
    for code, name_zh, name_en in _units():
        target = targets.get(code)
        metrics: dict[str, Metric] = {}
        for metric in METRICS:
            indicator = SOURCE_INDICATOR[metric]
            before = sums[(code, year - 1, indicator)]
            now = sums[(code, year, indicator)]
            goal = getattr(target, metric) if target is not None else None
            counted = jobs[code] if metric == "new_jobs" else now
            actual, reporting = counted.value, counted.count
            percent, bp = completion(actual, goal)
            metrics[metric] = Metric(
                baseline=before.value,
                target=goal,
                actual=actual,
                completion_percent=percent,
                completion_bp=bp,
                reporting_enterprises=reporting,
            )
        c = counts.get(code, _Counts())
        cohorts = [
            CohortSurvival(cohort_year=cy, filed=n, surviving=s, survival_percent=_percent(s, n))
            for cy, (n, s) in sorted(c.cohorts.items())
        ]
        out.append(
            _UnitData(
                code,
                name_zh,
                name_en,
                metrics,
                EnterpriseYearCounts(
                    filed=c.filed,
                    deregistered=c.deregistered,
                    active_at_year_end=c.active,
                    cohorts=cohorts,
                ),
            )
        )
    return out


def reference_progress(session: Session, *, year: int) -> ProgressReport:
    """Progress per district and for the city in one year."""
    units = [
        UnitProgress(
            unit=u.code, name_zh=u.name_zh, name_en=u.name_en, **u.metrics, enterprises=u.counts
        )
        for u in _compute(session, year)
    ]
    return _with_plan_baseline(ProgressReport(year=year, generated_at=utcnow(), units=units))


# The plan's end-2014 figures as BRIEF.md gives them: 67,699 enterprises, 595,000 employees,
# revenue 3,347亿, taxes 233亿, 2,187 patents, 363 technology contracts worth 13亿 (1亿 yuan =
# 10^10 fen).
_PLAN_2014: Final = PlanBaseline(
    year=2014,
    enterprises=67_699,
    employees=595_000,
    revenue_fen=3_347 * 10**10,
    taxes_fen=233 * 10**10,
    patents_held=2_187,
    tech_contracts=363,
    tech_contract_turnover_fen=13 * 10**10,
    source="implementation plan, baseline (end of 2014)",
)


def _against_plan(baseline: int, actual: int | None) -> BaselineComparison:
    change = None if actual is None else actual - baseline
    return BaselineComparison(
        baseline=baseline,
        actual=actual,
        change=change,
        change_percent=None if change is None else _percent(change, baseline),
    )


def _with_plan_baseline(report: ProgressReport) -> ProgressReport:
    """The city measured against the plan's 2014 figures; in 2015 they are its baselines."""
    city = next(u for u in report.units if u.unit == CITY)
    plan = _PLAN_2014
    if report.year == 2015:
        city.revenue_fen.baseline = plan.revenue_fen
        city.new_jobs.baseline = plan.employees
        city.tech_contract_turnover_fen.baseline = plan.tech_contract_turnover_fen
        city.patents_held.baseline = plan.patents_held
    since = SincePlanBaseline(
        enterprises=_against_plan(plan.enterprises, city.enterprises.active_at_year_end),
        revenue_fen=_against_plan(plan.revenue_fen, city.revenue_fen.actual),
        tech_contract_turnover_fen=_against_plan(
            plan.tech_contract_turnover_fen, city.tech_contract_turnover_fen.actual
        ),
        patents_held=_against_plan(plan.patents_held, city.patents_held.actual),
    )
    return report.model_copy(update={"plan_baseline": plan, "since_plan_baseline": since})


def reference_public_summary(session: Session, *, year: int) -> PublicProgressSummary:
    """The public view of the reference progress, suppressed by `reference_suppressed`."""
    report = reference_progress(session, year=year)
    hidden = {
        metric: reference_suppressed({u.unit: getattr(u, metric) for u in report.units})
        for metric in METRICS
    }
    units = []
    for u in report.units:
        shown: dict[str, PublicMetric] = {}
        for metric in METRICS:
            m: Metric = getattr(u, metric)
            secret = u.unit in hidden[metric]
            shown[metric] = PublicMetric(
                target=m.target,
                actual=None if secret else m.actual,
                completion_percent=None if secret else m.completion_percent,
                suppressed=secret,
            )
        units.append(
            PublicUnitSummary(
                unit=u.unit,
                name_zh=u.name_zh,
                name_en=u.name_en,
                **shown,
                enterprises_filed=u.enterprises.filed,
                enterprises_active_at_year_end=u.enterprises.active_at_year_end,
            )
        )
    return PublicProgressSummary(
        year=report.year,
        generated_at=report.generated_at,
        disclosure_minimum=REFERENCE_DISCLOSURE_MINIMUM,
        units=units,
    )


def year_figures_by_enterprise(session: Session) -> dict[tuple[str, int], dict[IndicatorName, int]]:
    """(uscc, year) → `year_figures` over that enterprise's reports of that year."""
    reports: dict[tuple[str, int], list[IndicatorReport]] = defaultdict(list)
    for report in session.execute(select(IndicatorReport)).scalars():
        reports[(report.uscc, report.year)].append(report)
    return {key: year_figures(rs) for key, rs in reports.items()}
