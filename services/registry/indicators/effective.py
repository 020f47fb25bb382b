"""Effective figures: choosing them, storing them with each report, rolling periods up to years.

Two derived tables are kept in step with `indicator_reports`, in the same transaction as each
report (under the enterprise's row lock, so reports of one enterprise never interleave):

- `indicator_effective`: per enterprise, year, quarter (0 = the whole year) and indicator, the
  figure the declared precedence picks — exactly what `effective_figures` computes.
- `indicator_year_figures`: per enterprise and year, the figures that count for the year — the
  annual figure where there is one, else flows add up the quarters and stocks take the last
  quarter that has one. Monitoring sums these with SQL GROUP BY.

`rebuild` recomputes both from the reports in SQL (set-based), for the migration's backfill, a
bulk writer of reports, or after a change to the precedence.
"""

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import (
    BigInteger,
    Connection,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from services.common.clock import as_utc
from services.registry.indicators.models import (
    ANNUAL,
    EffectiveIndicator,
    IndicatorReport,
    YearFigures,
)
from services.registry.indicators.rules import FLOWS, INDICATORS, PRECEDENCE
from services.registry.indicators.schemas import IndicatorName, IndicatorSource

REPORTS: Final = IndicatorReport.__table__  # type: ignore[attr-defined]
EFFECTIVE: Final = EffectiveIndicator.__table__  # type: ignore[attr-defined]
YEAR_FIGURES: Final = YearFigures.__table__  # type: ignore[attr-defined]
STOCKS: Final = tuple(name for name in INDICATORS if name not in FLOWS)
_CHUNK: Final = 1_000  # enterprises per statement in `rebuild`

Executor = Session | Connection


@dataclass(frozen=True, slots=True)
class Figure:
    """A chosen figure and where it came from."""

    value: int
    source: str
    report_id: str


# ---- choosing (one period of one enterprise) -----------------------------------------------


def _rank(indicator: IndicatorName, source: str) -> int:
    return PRECEDENCE[indicator].index(IndicatorSource(source))


def _stamp(moment: datetime) -> float:
    return as_utc(moment).timestamp()


def _preference(report: IndicatorReport, indicator: IndicatorName) -> tuple[int, float, str]:
    # Larger is better: the most trusted source, then the latest report, then the latest id.
    return (-_rank(indicator, report.source), _stamp(report.reported_at), report.id)


def effective_figures(reports: Iterable[IndicatorReport]) -> dict[IndicatorName, Figure]:
    """The effective figure per indicator among reports of one enterprise and period."""
    reports = list(reports)
    out: dict[IndicatorName, Figure] = {}
    for indicator in INDICATORS:
        having = [r for r in reports if getattr(r, indicator.value) is not None]
        if not having:
            continue
        best = max(having, key=lambda r: _preference(r, indicator))
        out[indicator] = Figure(int(getattr(best, indicator.value)), best.source, best.id)
    return out


def roll_up(periods: Mapping[int, Mapping[IndicatorName, int]]) -> dict[IndicatorName, int]:
    """One enterprise's year from its periods' effective values (quarter 0 = the whole year).

    The annual figure where given; otherwise flows (revenue, tech-contract turnover) add up the
    quarters and stocks (employees, patents) take the latest quarter that has one.
    """
    annual = periods.get(ANNUAL, {})
    quarters = [periods[q] for q in sorted(periods) if q != ANNUAL]
    out: dict[IndicatorName, int] = {}
    for name in INDICATORS:
        if name in annual:
            out[name] = annual[name]
            continue
        values = [figures[name] for figures in quarters if name in figures]
        if values:
            out[name] = sum(values) if name in FLOWS else values[-1]
    return out


# ---- storing, with each report --------------------------------------------------------------


def store_period(
    session: Executor,
    *,
    uscc: str,
    year: int,
    quarter: int,
    figures: Mapping[IndicatorName, Figure],
) -> None:
    """Replace one period's stored effective figures (the caller holds the enterprise's lock)."""
    session.execute(
        delete(EFFECTIVE).where(
            EFFECTIVE.c.uscc == uscc, EFFECTIVE.c.year == year, EFFECTIVE.c.quarter == quarter
        )
    )
    if figures:
        session.execute(
            insert(EFFECTIVE),
            [
                {
                    "uscc": uscc,
                    "year": year,
                    "quarter": quarter,
                    "indicator": name.value,
                    "value": figure.value,
                    "source": figure.source,
                    "report_id": figure.report_id,
                }
                for name, figure in figures.items()
            ],
        )


def store_year(session: Executor, *, uscc: str, year: int) -> dict[IndicatorName, int]:
    """Recompute one enterprise's year figures from its stored effective figures; returns them."""
    rows = session.execute(
        select(EFFECTIVE.c.quarter, EFFECTIVE.c.indicator, EFFECTIVE.c.value).where(
            EFFECTIVE.c.uscc == uscc, EFFECTIVE.c.year == year
        )
    ).all()
    periods: dict[int, dict[IndicatorName, int]] = {}
    for quarter, indicator, value in rows:
        periods.setdefault(quarter, {})[IndicatorName(indicator)] = int(value)
    figures = roll_up(periods)
    session.execute(
        delete(YEAR_FIGURES).where(YEAR_FIGURES.c.uscc == uscc, YEAR_FIGURES.c.year == year)
    )
    if figures:
        session.execute(
            insert(YEAR_FIGURES).values(
                uscc=uscc, year=year, **{name.value: value for name, value in figures.items()}
            )
        )
    return figures


def record_report(
    session: Executor,
    *,
    uscc: str,
    year: int,
    quarter: int,
    figures: Mapping[IndicatorName, Figure],
) -> None:
    """After a report is stored: its period's effective figures (from `effective_figures` over
    the period's reports) and the enterprise's year figures, in the caller's transaction."""
    store_period(session, uscc=uscc, year=year, quarter=quarter, figures=figures)
    store_year(session, uscc=uscc, year=year)


# ---- rebuilding in SQL (backfill, bulk writers, a precedence change) ------------------------


def _dialect(executor: Executor) -> str:
    if isinstance(executor, Session):
        return executor.get_bind().dialect.name
    return executor.dialect.name


def _effective_select(indicator: IndicatorName, dialect: str, usccs: Sequence[str] | None) -> Any:
    """The winning report per period for one indicator: most trusted, latest, largest id."""
    rank = case(
        {source.value: i for i, source in enumerate(PRECEDENCE[indicator])},
        value=REPORTS.c.source,
    )
    # Report ids compare by code point, as in Python, whatever the database's collation.
    report_id = REPORTS.c.id.collate("C") if dialect == "postgresql" else REPORTS.c.id
    column = REPORTS.c[indicator.value]
    ranked = select(
        REPORTS.c.uscc,
        REPORTS.c.year,
        REPORTS.c.quarter,
        column.label("value"),
        REPORTS.c.source,
        REPORTS.c.id.label("report_id"),
        func.row_number()
        .over(
            partition_by=(REPORTS.c.uscc, REPORTS.c.year, REPORTS.c.quarter),
            order_by=(rank, REPORTS.c.reported_at.desc(), report_id.desc()),
        )
        .label("position"),
    ).where(column.is_not(None))
    if usccs is not None:
        ranked = ranked.where(REPORTS.c.uscc.in_(usccs))
    best = ranked.subquery(f"ranked_{indicator.value}")
    return select(
        best.c.uscc,
        best.c.year,
        best.c.quarter,
        literal(indicator.value).label("indicator"),
        best.c.value,
        best.c.source,
        best.c.report_id,
    ).where(best.c.position == 1)


def _year_select(usccs: Sequence[str] | None) -> Any:
    """The year figures of enterprises from their stored effective figures (see `roll_up`)."""
    e, a = EFFECTIVE.alias("e"), EFFECTIVE.alias("a")

    def scoped(statement: Any) -> Any:
        return statement if usccs is None else statement.where(e.c.uscc.in_(usccs))

    no_annual = ~exists().where(
        a.c.uscc == e.c.uscc,
        a.c.year == e.c.year,
        a.c.indicator == e.c.indicator,
        a.c.quarter == ANNUAL,
    )
    annual = scoped(
        select(e.c.uscc, e.c.year, e.c.indicator, e.c.value).where(e.c.quarter == ANNUAL)
    )
    flows = scoped(
        select(
            e.c.uscc,
            e.c.year,
            e.c.indicator,
            cast(func.sum(e.c.value), BigInteger).label("value"),
        )
        .where(e.c.quarter != ANNUAL, e.c.indicator.in_([n.value for n in FLOWS]), no_annual)
        .group_by(e.c.uscc, e.c.year, e.c.indicator)
    )
    ranked_stocks = scoped(
        select(
            e.c.uscc,
            e.c.year,
            e.c.indicator,
            e.c.value,
            func.row_number()
            .over(partition_by=(e.c.uscc, e.c.year, e.c.indicator), order_by=e.c.quarter.desc())
            .label("position"),
        ).where(e.c.quarter != ANNUAL, e.c.indicator.in_([n.value for n in STOCKS]), no_annual)
    ).subquery("ranked_stocks")
    stocks = select(
        ranked_stocks.c.uscc, ranked_stocks.c.year, ranked_stocks.c.indicator, ranked_stocks.c.value
    ).where(ranked_stocks.c.position == 1)
    figures = union_all(annual, flows, stocks).subquery("figures")

    def pick(name: IndicatorName) -> ColumnElement[Any]:
        return func.max(case((figures.c.indicator == name.value, figures.c.value))).label(
            name.value
        )

    return select(figures.c.uscc, figures.c.year, *[pick(name) for name in INDICATORS]).group_by(
        figures.c.uscc, figures.c.year
    )


def _rebuild(executor: Executor, usccs: Sequence[str] | None) -> None:
    dialect = _dialect(executor)
    for table in (YEAR_FIGURES, EFFECTIVE):
        statement = delete(table)
        if usccs is not None:
            statement = statement.where(table.c.uscc.in_(usccs))
        executor.execute(statement)
    columns = ["uscc", "year", "quarter", "indicator", "value", "source", "report_id"]
    for indicator in INDICATORS:
        executor.execute(
            insert(EFFECTIVE).from_select(columns, _effective_select(indicator, dialect, usccs))
        )
    executor.execute(
        insert(YEAR_FIGURES).from_select(
            ["uscc", "year", *[name.value for name in INDICATORS]], _year_select(usccs)
        )
    )


def rebuild(executor: Executor, *, usccs: Collection[str] | None = None) -> None:
    """Recompute both tables from `indicator_reports`, for every enterprise or only `usccs`.

    Runs in the caller's transaction. A writer that inserts reports in bulk (not through
    `record_report`) calls this with the enterprises it touched, in the same transaction.
    """
    if usccs is None:
        _rebuild(executor, None)
        return
    ordered = sorted(set(usccs))
    for start in range(0, len(ordered), _CHUNK):
        _rebuild(executor, ordered[start : start + _CHUNK])
