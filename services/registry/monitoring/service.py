"""Targets and progress: actuals from the effective indicators, compared with the targets."""

import csv
import io
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from openpyxl import Workbook
from sqlalchemy import Integer, and_, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col

from services.common.clock import utcnow
from services.common.dates import shanghai_date
from services.common.errors import (
    FuturePeriod,
    StaleEtag,
)
from services.common.etag import check_etag, etag_of
from services.common.identity import Principal
from services.common.pagination import page_of, paginate
from services.registry.enterprises.models import Enterprise
from services.registry.indicators.models import YearFigures
from services.registry.indicators.rules import INDICATORS
from services.registry.indicators.schemas import IndicatorName
from services.registry.monitoring.errors import TargetNotFound, UnknownDistrict
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
    TargetPublic,
    TargetPut,
    UnitProgress,
)
from services.registry.reference.districts import DISTRICTS, DISTRICTS_BY_CODE
from services.registry.reference.targets import BASELINE_2014

_TARGETS: Final = Target.__table__  # type: ignore[attr-defined]
_ENTERPRISES: Final = Enterprise.__table__  # type: ignore[attr-defined]
_YEAR_FIGURES: Final = YearFigures.__table__  # type: ignore[attr-defined]
CITY_NAME_ZH, CITY_NAME_EN = "太原市", "Taiyuan City"
DISCLOSURE_MINIMUM: Final = 3
METRICS: Final = ("revenue_fen", "new_jobs", "tech_contract_turnover_fen", "patents_held")
# Which indicator each metric sums (new jobs: the change in employees, summed over the
# enterprises that reported employees in both years).
SOURCE_INDICATOR: Final = {
    "revenue_fen": IndicatorName.REVENUE_FEN,
    "new_jobs": IndicatorName.EMPLOYEES,
    "tech_contract_turnover_fen": IndicatorName.TECH_CONTRACT_TURNOVER_FEN,
    "patents_held": IndicatorName.GRANTED_PATENTS,
}
CSV_MEDIA_TYPE: Final = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---- targets -------------------------------------------------------------------------------


def _check_unit(unit: str) -> None:
    if unit != CITY and unit not in DISTRICTS_BY_CODE:
        raise UnknownDistrict.for_field(
            "path.unit", f"'{unit}' is neither 'city' nor a district code."
        )


def target_etag(target: Target) -> str:
    """The ETag of one version of a target."""
    return etag_of(f"tgt.{target.year}.{target.unit}", target.version)


def _target_public(target: Target) -> TargetPublic:
    return TargetPublic.model_validate(target, from_attributes=True)


def get_target(session: Session, *, year: int, unit: str) -> tuple[TargetPublic, str]:
    """One unit's targets for a year and their ETag."""
    _check_unit(unit)
    target = session.get(Target, (year, unit))
    if target is None:
        raise TargetNotFound(f"No targets for {unit} in {year}.")
    return _target_public(target), target_etag(target)


def list_targets(
    session: Session, *, year: int | None, unit: str | None, limit: int, cursor: str | None
) -> tuple[list[TargetPublic], str | None]:
    """Targets ordered by year and unit, filtered, one page."""
    statement = select(Target)
    if year is not None:
        statement = statement.where(col(Target.year) == year)
    if unit is not None:
        statement = statement.where(col(Target.unit) == unit)
    statement = paginate(
        statement, keys=[_TARGETS.c.year, _TARGETS.c.unit], limit=limit, cursor=cursor
    )
    rows = session.execute(statement).scalars().all()
    kept, next_cursor = page_of(rows, limit=limit, key_of=lambda t: [t.year, t.unit])
    return [_target_public(t) for t in kept], next_cursor


def put_target(
    session: Session,
    *,
    year: int,
    unit: str,
    body: TargetPut,
    if_match: str | None,
    principal: Principal,
) -> tuple[TargetPublic, str, bool]:
    """Create (no If-Match) or replace (If-Match required, 412 when stale); returns created?"""
    _check_unit(unit)
    target = (
        session.execute(
            select(Target)
            .where(col(Target.year) == year)
            .where(col(Target.unit) == unit)
            .with_for_update()
        )
        .scalars()
        .first()
    )
    now = utcnow()
    if target is None:
        if if_match is not None and if_match.strip() != "*":
            raise StaleEtag(f"No targets for {unit} in {year} exist to match.")
        target = Target(
            year=year,
            unit=unit,
            **body.model_dump(),
            source="admin",
            version=1,
            updated_by=principal.client_id,
            updated_at=now,
        )
        session.add(target)
        created = True
    else:
        check_etag(if_match, target_etag(target))
        for name, value in body.model_dump().items():
            setattr(target, name, value)
        target.source = "admin"
        target.version += 1
        target.updated_by = principal.client_id
        target.updated_at = now
        session.add(target)
        created = False
    session.flush()
    return _target_public(target), target_etag(target), created


# ---- progress ------------------------------------------------------------------------------


def completion(actual: int | None, target: int | None) -> tuple[str | None, int | None]:
    """actual / target as a percent string (2 places) and in basis points, rounded half-up."""
    if actual is None or not target:
        return None, None
    ratio = Decimal(actual) / Decimal(target)
    percent = (ratio * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    bp = (ratio * 10_000).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return str(percent), int(bp)


def _percent(part: int, whole: int) -> str | None:
    if whole == 0:
        return None
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP))


@dataclass
class _Sums:
    """Sums of one indicator over one unit's enterprises, and how many reported."""

    total: int = 0
    count: int = 0

    def add(self, total: int, count: int) -> None:
        self.total += total
        self.count += count

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


class shanghai_year(FunctionElement[int]):
    """The Asia/Shanghai calendar year of a UTC timestamp column (UTC+8 all year: no DST)."""

    type = Integer()
    name = "shanghai_year"
    inherit_cache = True


@compiles(shanghai_year)
def _shanghai_year_default(element: shanghai_year, compiler: Any, **kw: Any) -> str:
    moment = compiler.process(next(iter(element.clauses)), **kw)
    return f"CAST(EXTRACT(YEAR FROM ({moment} AT TIME ZONE 'UTC') + INTERVAL '8 hours') AS INTEGER)"


@compiles(shanghai_year, "sqlite")
def _shanghai_year_sqlite(element: shanghai_year, compiler: Any, **kw: Any) -> str:
    moment = compiler.process(next(iter(element.clauses)), **kw)
    return f"CAST(strftime('%Y', {moment}, '+8 hours') AS INTEGER)"


# Money sums are split into high and low 32-bit parts so they stay exact on SQLite (whose
# SUM of integers overflows past 2**63 instead of widening, as PostgreSQL's does).
_SPLIT: Final = 2**32
_MONEY: Final = frozenset(name for name in INDICATORS if name.value.endswith("_fen"))


def _sum_columns(name: IndicatorName) -> list[Any]:
    column = _YEAR_FIGURES.c[name.value]
    if name in _MONEY:
        return [
            func.count(column),
            func.sum(column // _SPLIT),
            func.sum(column % _SPLIT),
        ]
    return [func.count(column), func.sum(column)]


def _figure_sums(session: Session, year: int) -> dict[str, dict[IndicatorName, tuple[int, int]]]:
    """district → indicator → (sum, enterprises with a figure) of the year figures of `year`."""
    enterprises = _ENTERPRISES
    figures = _YEAR_FIGURES
    statement = (
        select(enterprises.c.district, *[c for n in INDICATORS for c in _sum_columns(n)])
        .select_from(
            enterprises.join(
                figures, and_(figures.c.uscc == enterprises.c.uscc, figures.c.year == year)
            )
        )
        .group_by(enterprises.c.district)
    )
    out: dict[str, dict[IndicatorName, tuple[int, int]]] = {}
    for district, *values in session.execute(statement):
        sums: dict[IndicatorName, tuple[int, int]] = {}
        position = 0
        for name in INDICATORS:
            count = int(values[position])
            if name in _MONEY:
                high, low = values[position + 1], values[position + 2]
                total = int(high or 0) * _SPLIT + int(low or 0)
                position += 3
            else:
                total = int(values[position + 1] or 0)
                position += 2
            sums[name] = (total, count)
        out[district] = sums
    return out


def _job_changes(session: Session, year: int) -> dict[str, tuple[int, int]]:
    """district → (change in employees from `year` − 1 to `year`, enterprises counted).

    Only enterprises with an employee figure in both years count: comparing this year's total
    with last year's over different enterprises would count every newcomer's whole staff as
    new jobs and every enterprise that stopped reporting as jobs lost.
    """
    enterprises = _ENTERPRISES
    now = _YEAR_FIGURES.alias("now")
    before = _YEAR_FIGURES.alias("before")
    statement = (
        select(
            enterprises.c.district,
            func.count(),
            func.sum(now.c.employees - before.c.employees),
        )
        .select_from(
            enterprises.join(now, and_(now.c.uscc == enterprises.c.uscc, now.c.year == year)).join(
                before, and_(before.c.uscc == enterprises.c.uscc, before.c.year == year - 1)
            )
        )
        .where(now.c.employees.is_not(None), before.c.employees.is_not(None))
        .group_by(enterprises.c.district)
    )
    return {
        district: (int(change or 0), int(count))
        for district, count, change in session.execute(statement)
    }


def _count_enterprises(session: Session, year: int) -> dict[str, _Counts]:
    """Per district: filings and deregistrations in `year`, active at its end, cohort survival.

    One GROUP BY over (filing year, deregistration year, district), both Asia/Shanghai years;
    at most a few hundred groups come back, folded here into each unit's counts.
    """
    enterprises = _ENTERPRISES
    filed_year = shanghai_year(enterprises.c.filed_at)
    gone_year = shanghai_year(enterprises.c.deregistered_at)
    # Filing year first: SQLite then scans the table instead of reading rows in index order.
    statement = select(filed_year, gone_year, enterprises.c.district, func.count()).group_by(
        filed_year, gone_year, enterprises.c.district
    )
    counts: dict[str, _Counts] = defaultdict(_Counts)
    for cohort_year, gone_in, district, number in session.execute(statement):
        if cohort_year > year:
            continue
        alive = gone_in is None or gone_in > year
        for unit in (district, CITY):
            c = counts[unit]
            if cohort_year == year:
                c.filed += number
            if gone_in == year:
                c.deregistered += number
            cohort = c.cohorts[cohort_year]
            cohort[0] += number
            if alive:
                c.active += number
                cohort[1] += number
    return counts


@dataclass(frozen=True)
class _UnitData:
    code: str
    name_zh: str
    name_en: str
    metrics: dict[str, Metric]
    counts: EnterpriseYearCounts


def _compute(session: Session, year: int) -> list[_UnitData]:
    """Every unit's metrics and counts for `year` (districts in order, the city last).

    The sums are SQL GROUP BYs over the stored year figures (see
    `services.registry.indicators.effective`) joined to each enterprise's district, and over
    the enterprises' filing and deregistration years; Python only folds the district rows
    into the city's.
    """
    sums: dict[tuple[str, int, IndicatorName], _Sums] = defaultdict(_Sums)
    for y in (year - 1, year):
        for district, by_indicator in _figure_sums(session, y).items():
            for indicator, (total, count) in by_indicator.items():
                if not count:
                    continue
                for unit in (district, CITY):
                    sums[(unit, y, indicator)].add(total, count)
    jobs: dict[str, _Sums] = defaultdict(_Sums)
    for district, (change, count) in _job_changes(session, year).items():
        for unit in (district, CITY):
            jobs[unit].add(change, count)
    counts = _count_enterprises(session, year)
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
            # Without a reporting enterprise there is no actual (null, not 0) and no completion.
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


def progress(session: Session, *, year: int) -> ProgressReport:
    """Progress per district and for the city in one year."""
    units = [
        UnitProgress(
            unit=u.code, name_zh=u.name_zh, name_en=u.name_en, **u.metrics, enterprises=u.counts
        )
        for u in _compute(session, year)
    ]
    return with_plan_baseline(ProgressReport(year=year, generated_at=utcnow(), units=units))


def plan_baseline() -> PlanBaseline:
    """The plan's end-2014 baseline."""
    b = BASELINE_2014
    return PlanBaseline(
        year=b.year,
        enterprises=b.enterprises,
        employees=b.employees,
        revenue_fen=b.revenue_fen,
        taxes_fen=b.taxes_fen,
        patents_held=b.patents_held,
        tech_contracts=b.tech_contracts,
        tech_contract_turnover_fen=b.tech_contract_turnover_fen,
        source="implementation plan, baseline (end of 2014)",
    )


def _compare(baseline: int, actual: int | None) -> BaselineComparison:
    change = None if actual is None else actual - baseline
    percent = None if change is None else _percent(change, baseline)
    return BaselineComparison(
        baseline=baseline, actual=actual, change=change, change_percent=percent
    )


def with_plan_baseline(report: ProgressReport) -> ProgressReport:
    """The report with the plan's baseline: the city's 2015 baselines, and the comparison.

    Enterprises' own reports rarely go back to 2014, and a partial sum would understate the
    city; the plan's figures are the baseline the demonstration is measured against.
    """
    base = plan_baseline()
    city = next(u for u in report.units if u.unit == CITY)
    if report.year == base.year + 1:
        city.revenue_fen.baseline = base.revenue_fen
        city.new_jobs.baseline = base.employees
        city.tech_contract_turnover_fen.baseline = base.tech_contract_turnover_fen
        city.patents_held.baseline = base.patents_held
    since = SincePlanBaseline(
        enterprises=_compare(base.enterprises, city.enterprises.active_at_year_end),
        revenue_fen=_compare(base.revenue_fen, city.revenue_fen.actual),
        tech_contract_turnover_fen=_compare(
            base.tech_contract_turnover_fen, city.tech_contract_turnover_fen.actual
        ),
        patents_held=_compare(base.patents_held, city.patents_held.actual),
    )
    return report.model_copy(update={"plan_baseline": base, "since_plan_baseline": since})


def suppressed_units(
    metrics: Mapping[str, Metric], *, minimum: int = DISCLOSURE_MINIMUM
) -> set[str]:
    """The units (district codes, `city`) whose actual of one metric the public must not see.

    Primary suppression: an actual from fewer than `minimum` reporting enterprises. Secondary
    suppression, because the city's actual is the sum of the districts': were the city and all
    but one district shown, the hidden one would be the city minus the others. So while the
    hidden districts are fewer than two, or together have fewer than `minimum` reporting
    enterprises, the shown district with the fewest reporting enterprises is hidden too; and
    if no district is left to hide, the city is.
    """
    with_data = {
        unit: m.reporting_enterprises
        for unit, m in metrics.items()
        if unit != CITY and m.actual is not None
    }
    hidden = {unit for unit, n in with_data.items() if 0 < n < minimum}
    city = metrics.get(CITY)
    if city is not None and city.actual is not None and 0 < city.reporting_enterprises < minimum:
        hidden.add(CITY)
    if not hidden or CITY in hidden:
        return hidden
    shown = sorted((n, unit) for unit, n in with_data.items() if unit not in hidden)
    while len(hidden) < 2 or sum(with_data[u] for u in hidden) < minimum:
        if not shown:
            hidden.add(CITY)
            break
        hidden.add(shown.pop(0)[1])
    return hidden


def public_summary(session: Session, *, year: int) -> PublicProgressSummary:
    """Aggregates only: actuals that could reveal an enterprise's figures are withheld."""
    return summary_of(progress(session, year=year))


def summary_of(report: ProgressReport) -> PublicProgressSummary:
    """The public view of a progress report: targets, actuals unless suppressed, counts."""
    hidden_by_metric = {
        metric: suppressed_units({u.unit: getattr(u, metric) for u in report.units})
        for metric in METRICS
    }
    units = []
    for u in report.units:
        public = {}
        for metric in METRICS:
            m: Metric = getattr(u, metric)
            hidden = u.unit in hidden_by_metric[metric]
            public[metric] = PublicMetric(
                target=m.target,
                actual=None if hidden else m.actual,
                completion_percent=None if hidden else m.completion_percent,
                suppressed=hidden,
            )
        units.append(
            PublicUnitSummary(
                unit=u.unit,
                name_zh=u.name_zh,
                name_en=u.name_en,
                **public,
                enterprises_filed=u.enterprises.filed,
                enterprises_active_at_year_end=u.enterprises.active_at_year_end,
            )
        )
    return PublicProgressSummary(
        year=report.year,
        generated_at=report.generated_at,
        disclosure_minimum=DISCLOSURE_MINIMUM,
        units=units,
    )


def check_year(year: int) -> None:
    """Refuse a report year after the current Asia/Shanghai year."""
    if year > shanghai_date(utcnow()).year:
        raise FuturePeriod.for_field("query.year", "There is no progress to report yet.")


# ---- CSV and XLSX --------------------------------------------------------------------------

_METRIC_COLUMNS: Final = ("baseline", "target", "actual", "completion_percent", "completion_bp")


def progress_header() -> list[str]:
    """The columns of the progress table."""
    header = ["unit", "name_zh", "name_en"]
    for metric in METRICS:
        header += [f"{metric}_{column}" for column in _METRIC_COLUMNS]
    return [
        *header,
        "enterprises_filed",
        "enterprises_deregistered",
        "enterprises_active_at_year_end",
    ]


def progress_rows(report: ProgressReport) -> list[list[object]]:
    """One row per unit, in `progress_header` order."""
    rows: list[list[object]] = []
    for u in report.units:
        row: list[object] = [u.unit, u.name_zh, u.name_en]
        for metric in METRICS:
            m: Metric = getattr(u, metric)
            row += [getattr(m, column) for column in _METRIC_COLUMNS]
        row += [u.enterprises.filed, u.enterprises.deregistered, u.enterprises.active_at_year_end]
        rows.append(row)
    return rows


def progress_csv(report: ProgressReport) -> bytes:
    """The progress table as UTF-8 CSV with a BOM (so spreadsheet programs read the Chinese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(progress_header())
    for row in progress_rows(report):
        writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def progress_xlsx(report: ProgressReport) -> bytes:
    """The progress table and cohort survival as an XLSX workbook."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"progress {report.year}"
    header = progress_header()
    sheet.append(header)
    money = [
        i
        for i, name in enumerate(header)
        if "_fen_" in name and name.endswith(("_baseline", "_target", "_actual"))
    ]
    for row in progress_rows(report):
        # Fen amounts exceed a spreadsheet's 15 exact digits and percents are exact decimals:
        # both go in as text, never as floating-point numbers.
        for i in money:
            if row[i] is not None:
                row[i] = str(row[i])
        sheet.append(row)
    survival = book.create_sheet("survival")
    survival.append(["unit", "cohort_year", "filed", "surviving", "survival_percent"])
    for u in report.units:
        for cohort in u.enterprises.cohorts:
            survival.append(
                [
                    u.unit,
                    cohort.cohort_year,
                    cohort.filed,
                    cohort.surviving,
                    cohort.survival_percent,
                ]
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
