"""Indicator reports: who may report what, the declared precedence, effective figures."""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import select, update
from sqlmodel import Session, col

from services.common.errors import Conflict, Forbidden, NotFound, field_error
from services.common.identity import Principal
from services.common.ids import new_id
from services.common.models import utcnow
from services.common.outbox import emit
from services.registry.complaints.calendar import shanghai_date
from services.registry.enterprises.models import DEREGISTERED, Enterprise, EnterpriseChange
from services.registry.indicators.models import ANNUAL, IndicatorReport
from services.registry.indicators.schemas import (
    EffectiveFigure,
    EffectiveIndicators,
    EnterpriseIndicators,
    IndicatorName,
    IndicatorReportCreate,
    IndicatorReportPublic,
    IndicatorReportReceipt,
    IndicatorSource,
    PeriodIndicators,
    PrecedencePublic,
)
from services.registry.sizing import SizingError, classify

S = IndicatorSource
INDICATORS: Final = tuple(IndicatorName)

# Departments over self-reports; among departments, the one responsible for the figure first.
PRECEDENCE: Final[Mapping[IndicatorName, tuple[IndicatorSource, ...]]] = {
    IndicatorName.REVENUE_FEN: (S.STATISTICS, S.TAX, S.SCIENCE, S.HR, S.ENTERPRISE),
    IndicatorName.EMPLOYEES: (S.HR, S.STATISTICS, S.TAX, S.SCIENCE, S.ENTERPRISE),
    IndicatorName.TECH_CONTRACT_TURNOVER_FEN: (S.SCIENCE, S.STATISTICS, S.TAX, S.HR, S.ENTERPRISE),
    IndicatorName.GRANTED_PATENTS: (S.SCIENCE, S.STATISTICS, S.TAX, S.HR, S.ENTERPRISE),
}

# A department client's token `org` → the source it reports as.
DEPARTMENT_SOURCES: Final[Mapping[str, IndicatorSource]] = {
    "statistics": S.STATISTICS,
    "tax": S.TAX,
    "state_tax": S.TAX,
    "local_tax": S.TAX,
    "science": S.SCIENCE,
    "hr": S.HR,
}

# Flows add up over quarters; stocks are read at the end of the last reported quarter.
FLOWS: Final = frozenset({IndicatorName.REVENUE_FEN, IndicatorName.TECH_CONTRACT_TURNOVER_FEN})

READERS: Final = frozenset({"admin", "department", "enterprise", "portal"})
SELF_KINDS: Final = frozenset({"enterprise", "portal"})


@dataclass(frozen=True, slots=True)
class Figure:
    """A chosen figure and where it came from."""

    value: int
    source: str
    report_id: str


def precedence_public() -> PrecedencePublic:
    """The declared precedence and the department-to-source map."""
    return PrecedencePublic(
        precedence={name: list(order) for name, order in PRECEDENCE.items()},
        department_sources=dict(DEPARTMENT_SOURCES),
    )


def _rank(indicator: IndicatorName, source: str) -> int:
    return PRECEDENCE[indicator].index(IndicatorSource(source))


def _stamp(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


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


def _effective_model(figures: Mapping[IndicatorName, Figure]) -> EffectiveIndicators:
    return EffectiveIndicators(
        **{
            name.value: EffectiveFigure(
                value=f.value, source=IndicatorSource(f.source), report_id=f.report_id
            )
            for name, f in figures.items()
        }
    )


def _public(report: IndicatorReport) -> IndicatorReportPublic:
    return IndicatorReportPublic(
        id=report.id,
        uscc=report.uscc,
        year=report.year,
        quarter=None if report.quarter == ANNUAL else report.quarter,
        source=IndicatorSource(report.source),
        revenue_fen=report.revenue_fen,
        employees=report.employees,
        tech_contract_turnover_fen=report.tech_contract_turnover_fen,
        granted_patents=report.granted_patents,
        reported_by=report.reported_by,
        reported_at=report.reported_at,
    )


def check_enterprise_access(principal: Principal, uscc: str) -> None:
    """Enterprises and portals act only for their own enterprise; banks and providers not here."""
    if principal.kind not in READERS:
        raise Forbidden(
            f"Clients of kind '{principal.kind}' may not see enterprise indicators.",
            code="forbidden_client_kind",
        )
    if principal.kind in SELF_KINDS and principal.org != uscc:
        raise Forbidden("You may act only for your own enterprise.", code="not_your_enterprise")


def _allowed_source(principal: Principal, source: IndicatorSource) -> None:
    if principal.is_admin:
        return
    if principal.kind in SELF_KINDS:
        if source is not S.ENTERPRISE:
            raise Forbidden(
                "Enterprises and portals report only with source 'enterprise'.",
                code="source_not_allowed",
            )
        return
    if principal.kind == "department":
        own = DEPARTMENT_SOURCES.get(principal.org or "")
        if own is None or own is not source:
            raise Forbidden(
                f"Department '{principal.org}' may not report as source '{source.value}'.",
                code="source_not_allowed",
            )
        return
    raise Forbidden(
        f"Clients of kind '{principal.kind}' may not report indicators.",
        code="forbidden_client_kind",
    )


def _enterprise(session: Session, uscc: str, *, lock: bool = False) -> Enterprise:
    statement = select(Enterprise).where(col(Enterprise.uscc) == uscc)
    if lock:
        statement = statement.with_for_update()
    enterprise = session.execute(statement).scalars().first()
    if enterprise is None:
        raise NotFound(f"No enterprise has filed with USCC {uscc}.", code="enterprise_not_found")
    return enterprise


def _period_reports(session: Session, uscc: str, year: int, quarter: int) -> list[IndicatorReport]:
    statement = (
        select(IndicatorReport)
        .where(col(IndicatorReport.uscc) == uscc)
        .where(col(IndicatorReport.year) == year)
        .where(col(IndicatorReport.quarter) == quarter)
    )
    return list(session.execute(statement).scalars().all())


def _latest_annual_year(session: Session, uscc: str) -> int | None:
    statement = (
        select(col(IndicatorReport.year))
        .where(col(IndicatorReport.uscc) == uscc)
        .where(col(IndicatorReport.quarter) == ANNUAL)
        .order_by(col(IndicatorReport.year).desc())
        .limit(1)
    )
    return session.execute(statement).scalars().first()


def _reclassify(
    session: Session,
    *,
    enterprise: Enterprise,
    figures: Mapping[IndicatorName, Figure],
    principal: Principal,
) -> str:
    """Recompute the size class from the year's effective employees and revenue."""
    employees = figures.get(IndicatorName.EMPLOYEES)
    revenue = figures.get(IndicatorName.REVENUE_FEN)
    if employees is None or revenue is None:
        return enterprise.size_class
    try:
        size = classify(enterprise.industry, employees.value, revenue.value, enterprise.assets_fen)
    except SizingError:
        return enterprise.size_class
    if size.value == enterprise.size_class:
        return enterprise.size_class
    old, now, version = enterprise.size_class, utcnow(), enterprise.version + 1
    session.execute(
        update(Enterprise)
        .where(col(Enterprise.uscc) == enterprise.uscc)
        .values(size_class=size.value, version=version, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.add(
        EnterpriseChange(
            id=new_id("chg"),
            uscc=enterprise.uscc,
            version=version,
            action="updated",
            fields={"changed": ["size_class"], "from": {"size_class": old}, "reason": "indicators"},
            actor=principal.client_id,
            actor_kind=principal.kind,
            at=now,
        )
    )
    emit(
        session,
        "enterprise.updated",
        {
            "uscc": enterprise.uscc,
            "version": version,
            "changed": ["size_class"],
            "values": {"size_class": size.value},
            "reason": "indicators",
        },
    )
    return size.value


def report_indicators(
    session: Session, *, uscc: str, body: IndicatorReportCreate, principal: Principal
) -> IndicatorReportReceipt:
    """Store one report, emit `indicators.reported`, and recompute the size class on annual data."""
    check_enterprise_access(principal, uscc)
    _allowed_source(principal, body.source)
    figures = {name: getattr(body, name.value) for name in INDICATORS}
    if all(value is None for value in figures.values()):
        raise field_error("body", "no_figures", "Send at least one indicator figure.")
    if body.year > shanghai_date(utcnow()).year:
        raise field_error(
            "body.year", "future_period", "Figures cannot be reported for a future year."
        )
    enterprise = _enterprise(session, uscc, lock=True)
    if enterprise.status == DEREGISTERED:
        raise Conflict(
            f"Enterprise {uscc} is deregistered; it takes no new reports.",
            code="enterprise_deregistered",
        )
    quarter = body.quarter or ANNUAL
    report = IndicatorReport(
        id=new_id("ind"),
        uscc=uscc,
        year=body.year,
        quarter=quarter,
        source=body.source.value,
        revenue_fen=body.revenue_fen,
        employees=body.employees,
        tech_contract_turnover_fen=body.tech_contract_turnover_fen,
        granted_patents=body.granted_patents,
        reported_by=principal.client_id,
        reported_kind=principal.kind,
        reported_at=utcnow(),
    )
    session.add(report)
    session.flush()
    effective = effective_figures(_period_reports(session, uscc, body.year, quarter))
    size_class = enterprise.size_class
    if quarter == ANNUAL and _latest_annual_year(session, uscc) == body.year:
        size_class = _reclassify(
            session, enterprise=enterprise, figures=effective, principal=principal
        )
    emit(
        session,
        "indicators.reported",
        {
            "report_id": report.id,
            "uscc": uscc,
            "district": enterprise.district,
            "year": body.year,
            "quarter": body.quarter,
            "source": body.source.value,
            "figures": {name.value: value for name, value in figures.items() if value is not None},
            "effective": {name.value: f.value for name, f in effective.items()},
            "size_class": size_class,
        },
    )
    public = _public(report)
    return IndicatorReportReceipt(
        **public.model_dump(), effective=_effective_model(effective), size_class=size_class
    )


def enterprise_indicators(
    session: Session, *, uscc: str, principal: Principal, year: int | None = None
) -> EnterpriseIndicators:
    """Every period of one enterprise: effective figures and all reports, newest period first."""
    check_enterprise_access(principal, uscc)
    _enterprise(session, uscc)
    statement = select(IndicatorReport).where(col(IndicatorReport.uscc) == uscc)
    if year is not None:
        statement = statement.where(col(IndicatorReport.year) == year)
    rows = session.execute(statement).scalars().all()
    by_period: dict[tuple[int, int], list[IndicatorReport]] = defaultdict(list)
    for row in rows:
        by_period[(row.year, row.quarter)].append(row)
    periods = []
    for y, q in sorted(by_period, key=lambda p: (p[0], p[1] if p[1] else 5), reverse=True):
        reports = sorted(by_period[(y, q)], key=lambda r: r.id)
        periods.append(
            PeriodIndicators(
                year=y,
                quarter=None if q == ANNUAL else q,
                effective=_effective_model(effective_figures(reports)),
                reports=[_public(r) for r in reports],
            )
        )
    return EnterpriseIndicators(
        uscc=uscc,
        precedence={name: list(order) for name, order in PRECEDENCE.items()},
        periods=periods,
    )


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
