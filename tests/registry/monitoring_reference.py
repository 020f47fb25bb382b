"""The monitoring computation as it was before the SQL path: every report read into Python.

Kept only as the reference the SQL path (stored effective and year figures, GROUP BY) must
equal, in tests and in `bench/registry_monitoring.py` for comparison. Not used by the service.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final

from sqlalchemy import select
from sqlmodel import Session, col

from services.common.clock import utcnow
from services.common.dates import shanghai_date
from services.registry.enterprises.models import Enterprise
from services.registry.indicators.effective import Figure, effective_figures
from services.registry.indicators.models import ANNUAL, IndicatorReport
from services.registry.indicators.rules import FLOWS, INDICATORS, PRECEDENCE
from services.registry.indicators.schemas import IndicatorName, IndicatorSource
from services.registry.monitoring.models import CITY, Target
from services.registry.monitoring.schemas import (
    CohortSurvival,
    EnterpriseYearCounts,
    Metric,
    ProgressReport,
    PublicProgressSummary,
    UnitProgress,
)
from services.registry.monitoring.service import (
    CITY_NAME_EN,
    CITY_NAME_ZH,
    METRICS,
    SOURCE_INDICATOR,
    _percent,
    completion,
    summary_of,
    with_plan_baseline,
)
from services.registry.reference.districts import DISTRICTS

# ---- per period and per year, from every report (the old indicators service) ---------------


def effective_by_period(
    session: Session,
) -> dict[tuple[str, int, int], dict[IndicatorName, Figure]]:
    """(uscc, year, quarter) → the effective figures `effective_figures` picks from its reports."""
    reports: dict[tuple[str, int, int], list[IndicatorReport]] = defaultdict(list)
    for report in session.execute(select(IndicatorReport)).scalars():
        reports[(report.uscc, report.year, report.quarter)].append(report)
    return {key: effective_figures(rs) for key, rs in reports.items()}


def year_figures(reports: Sequence[IndicatorReport]) -> dict[IndicatorName, int]:
    """One enterprise's figures for one year: the annual report's where given, else from quarters.

    Flows (revenue, tech-contract turnover) add the quarters' effective figures; stocks
    (employees, patents) take the latest quarter that has one.
    """
    by_quarter: dict[int, list[IndicatorReport]] = defaultdict(list)
    for report in reports:
        by_quarter[report.quarter].append(report)
    annual = effective_figures(by_quarter.get(ANNUAL, []))
    quarters = {q: effective_figures(rs) for q, rs in sorted(by_quarter.items()) if q != ANNUAL}
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

    The same rules as `effective_figures` and `year_figures`, over plain rows in one pass
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
    return with_plan_baseline(ProgressReport(year=year, generated_at=utcnow(), units=units))


def reference_public_summary(session: Session, *, year: int) -> PublicProgressSummary:
    """The public view of the reference progress (suppression as the service applies it)."""
    return summary_of(reference_progress(session, year=year))


def year_figures_by_enterprise(session: Session) -> dict[tuple[str, int], dict[IndicatorName, int]]:
    """(uscc, year) → `year_figures` over that enterprise's reports of that year."""
    reports: dict[tuple[str, int], list[IndicatorReport]] = defaultdict(list)
    for report in session.execute(select(IndicatorReport)).scalars():
        reports[(report.uscc, report.year)].append(report)
    return {key: year_figures(rs) for key, rs in reports.items()}
