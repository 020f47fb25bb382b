"""Indicator reports: who may report what, the declared precedence, effective figures."""

from collections import defaultdict
from collections.abc import Mapping
from typing import Final

from sqlalchemy import select, update
from sqlmodel import Session, col

from services.common.clock import utcnow
from services.common.dates import shanghai_date
from services.common.errors import (
    ForbiddenClientKind,
    FuturePeriod,
)
from services.common.identity import ClientKind, Principal
from services.common.ids import new_id
from services.common.outbox import emit
from services.registry.enterprises.errors import (
    EnterpriseDeregistered,
    EnterpriseNotFound,
    NotYourEnterprise,
)
from services.registry.enterprises.models import DEREGISTERED, Enterprise, EnterpriseChange
from services.registry.indicators.effective import Figure, effective_figures, record_report
from services.registry.indicators.errors import NoFigures, SourceNotAllowed
from services.registry.indicators.models import ANNUAL, IndicatorReport
from services.registry.indicators.rules import (
    DEPARTMENT_SOURCES,
    INDICATORS,
    PRECEDENCE,
    S,
)
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
from services.registry.remits.schemas import RemitRecord
from services.registry.remits.service import ensure_record_in_remit
from services.registry.sizing import SizingError, classify

READERS: Final = frozenset(
    {ClientKind.ADMIN, ClientKind.DEPARTMENT, ClientKind.ENTERPRISE, ClientKind.PORTAL}
)
SELF_KINDS: Final = frozenset({ClientKind.ENTERPRISE, ClientKind.PORTAL})


def precedence_public() -> PrecedencePublic:
    """The declared precedence and the department-to-source map."""
    return PrecedencePublic(
        precedence={name: list(order) for name, order in PRECEDENCE.items()},
        department_sources=dict(DEPARTMENT_SOURCES),
    )


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
        raise ForbiddenClientKind(
            f"Clients of kind '{principal.kind}' may not see enterprise indicators."
        )
    if principal.kind in SELF_KINDS and principal.org != uscc:
        raise NotYourEnterprise("You may act only for your own enterprise.")


def _allowed_source(principal: Principal, source: IndicatorSource) -> None:
    if principal.is_admin:
        return
    if principal.kind in SELF_KINDS:
        if source is not S.ENTERPRISE:
            raise SourceNotAllowed("Enterprises and portals report only with source 'enterprise'.")
        return
    if principal.kind == ClientKind.DEPARTMENT:
        own = DEPARTMENT_SOURCES.get(principal.org or "")
        if own is None or own is not source:
            raise SourceNotAllowed(
                f"Department '{principal.org}' may not report as source '{source.value}'."
            )
        return
    raise ForbiddenClientKind(f"Clients of kind '{principal.kind}' may not report indicators.")


def _enterprise(session: Session, uscc: str, *, lock: bool = False) -> Enterprise:
    statement = select(Enterprise).where(col(Enterprise.uscc) == uscc)
    if lock:
        statement = statement.with_for_update()
    enterprise = session.execute(statement).scalars().first()
    if enterprise is None:
        raise EnterpriseNotFound(f"No enterprise has filed with USCC {uscc}.")
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
        actor=principal.actor,
    )
    return size.value


def report_indicators(
    session: Session, *, uscc: str, body: IndicatorReportCreate, principal: Principal
) -> IndicatorReportReceipt:
    """Store one report, emit `indicators.reported`, and recompute the size class on annual data."""
    check_enterprise_access(principal, uscc)
    _allowed_source(principal, body.source)
    ensure_record_in_remit(session=session, client=principal, record=RemitRecord.INDICATOR_REPORT)
    figures = {name: getattr(body, name.value) for name in INDICATORS}
    if all(value is None for value in figures.values()):
        raise NoFigures.for_field("body", "Send at least one indicator figure.")
    if body.year > shanghai_date(utcnow()).year:
        raise FuturePeriod.for_field("body.year", "Figures cannot be reported for a future year.")
    enterprise = _enterprise(session, uscc, lock=True)
    if enterprise.status == DEREGISTERED:
        raise EnterpriseDeregistered(f"Enterprise {uscc} is deregistered; it takes no new reports.")
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
    # The stored effective and year figures change in this transaction, under the lock above.
    record_report(session, uscc=uscc, year=body.year, quarter=quarter, figures=effective)
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
        actor=principal.actor,
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
