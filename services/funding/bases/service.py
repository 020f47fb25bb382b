"""Demonstration bases (创业创新基地): filing, admission, KPI reports, exit and history.

Who does what (all `department` clients; the org tells them apart):

- a **district** (org: its district code, e.g. `xiaodian`) files bases in its district,
  corrects them and reports their yearly KPIs;
- the kind's **responsible department** (org: `science`, `sme_bureau`, `commerce`,
  `business_registration`; kept as data in the kind) admits or refuses a filed base against
  the kind's standards, records year-end acceptance and may decide an exit;
- the **demonstration office** (`admin`) sets the kinds' standards and may decide an exit.

    filed → admitted | refused;  admitted → exited (by decision, or after two failed
    year-end acceptances in a row: services.funding.acceptance)

Every change is a row of the base's history (`BaseChange`) and an outbox event, in the same
transaction. Other domains use `get_base`, `admitted_bases`, `kpi_for`, `record_change`, `exit_base_for`.
"""

from datetime import date
from typing import Any, Final

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.common.clock import as_utc, utcnow
from services.common.dates import shanghai_date
from services.common.errors import FuturePeriod, StaleEtag
from services.common.etag import Precondition, check_etag, etag_of
from services.common.identity import ClientKind, Principal
from services.common.ids import new_id
from services.common.outbox import emit
from services.common.pagination import page_of, paginate
from services.funding.acceptance.models import Acceptance
from services.funding.bases.errors import (
    BaseAlreadyFiled,
    BaseKindNotFound,
    BaseNotFound,
    BaseStatusConflict,
    CriteriaIncomplete,
    CriterionUnknown,
    KpiAccepted,
    KpiExists,
    KpiNotFound,
    KpiYearInvalid,
    NotADistrict,
    NotResponsibleDepartment,
    NotYourDistrict,
    OpeningInFuture,
    RefusalReasonRequired,
    StandardsNotMet,
)
from services.funding.bases.models import (
    ADMITTED,
    BY_DECISION,
    EXITED,
    FILED,
    REFUSED,
    Base,
    BaseChange,
    BaseKind,
    BaseKpi,
)
from services.funding.bases.schemas import (
    BaseChangePublic,
    BaseCreate,
    BaseCriterion,
    BaseDecisionCreate,
    BaseExitCreate,
    BaseFilters,
    BaseKindPublic,
    BaseKindUpdate,
    BaseKpiCreate,
    BaseKpiPublic,
    BasePublic,
    BaseUpdate,
)
from services.registry.reference.districts import DISTRICTS_BY_CODE

_BASES: Final = Base.__table__  # type: ignore[attr-defined]
_CHANGES: Final = BaseChange.__table__  # type: ignore[attr-defined]
KPI_FIELDS = ("enterprises_incubated", "jobs_created", "private_money_fen", "services_delivered")


def today() -> date:
    """Today in Asia/Shanghai: the programme's calendar."""
    return shanghai_date(utcnow())


# --- views -------------------------------------------------------------------------------


def etag(base: Base) -> str:
    """The ETag of a base's current version."""
    return etag_of(base.id, base.version)


def kind_etag(kind: BaseKind) -> str:
    """The ETag of a kind's current standards."""
    return etag_of(kind.code, kind.version)


def kpi_etag(kpi: BaseKpi) -> str:
    """The ETag of a KPI report's current version."""
    return etag_of(f"{kpi.base_id}.{kpi.year}", kpi.version)


def to_public(base: Base) -> BasePublic:
    """The API view of a base row."""
    return BasePublic(
        id=base.id,
        operator_uscc=base.operator_uscc,
        name=base.name,
        district=base.district,
        kind=base.kind,
        area_m2=base.area_m2,
        opened_on=base.opened_on,
        status=base.status,  # type: ignore[arg-type]
        department=base.department,
        standards_version=base.standards_version,
        decision_reasons=list(base.decision_reasons),
        decided_by=base.decided_by,
        decided_at=as_utc(base.decided_at) if base.decided_at else None,
        admitted_on=base.admitted_on,
        exited_on=base.exited_on,
        exit_kind=base.exit_kind,  # type: ignore[arg-type]
        exit_reason=base.exit_reason,
        filed_by=base.filed_by,
        version=base.version,
        created_at=as_utc(base.created_at),
        updated_at=as_utc(base.updated_at),
    )


def kind_public(kind: BaseKind) -> BaseKindPublic:
    """The API view of a kind."""
    return BaseKindPublic(
        code=kind.code,
        name_zh=kind.name_zh,
        name_en=kind.name_en,
        department=kind.department,
        criteria=[BaseCriterion(**criterion) for criterion in kind.criteria],
        min_area_m2=kind.min_area_m2,
        version=kind.version,
        updated_by=kind.updated_by,
        updated_at=as_utc(kind.updated_at),
    )


def kpi_public(kpi: BaseKpi) -> BaseKpiPublic:
    """The API view of a KPI report."""
    return BaseKpiPublic(
        base_id=kpi.base_id,
        year=kpi.year,
        enterprises_incubated=kpi.enterprises_incubated,
        jobs_created=kpi.jobs_created,
        private_money_fen=kpi.private_money_fen,
        services_delivered=kpi.services_delivered,
        version=kpi.version,
        reported_by=kpi.reported_by,
        created_at=as_utc(kpi.created_at),
        updated_at=as_utc(kpi.updated_at),
    )


def _payload(base: Base) -> dict[str, Any]:
    return {
        "id": base.id,
        "operator_uscc": base.operator_uscc,
        "district": base.district,
        "kind": base.kind,
        "area_m2": base.area_m2,
        "status": base.status,
        "version": base.version,
    }


# --- kinds -------------------------------------------------------------------------------


def list_kinds(*, session: Session) -> list[BaseKindPublic]:
    """The five kinds with their departments and standards."""
    kinds = session.exec(select(BaseKind).order_by(col(BaseKind.code)))
    return [kind_public(kind) for kind in kinds]


def get_kind(*, session: Session, code: str, lock: bool = False) -> BaseKind:
    """One kind (404 `base_kind_not_found`)."""
    kind = session.get(BaseKind, code, with_for_update=lock)
    if kind is None:
        raise BaseKindNotFound(f"No kind of base '{code}'.")
    return kind


def update_kind(
    *,
    session: Session,
    principal: Principal,
    code: str,
    data: BaseKindUpdate,
    precondition: Precondition,
) -> BaseKind:
    """New standards for a kind (its next version); decisions taken before keep theirs.
    Announced as `base_kind.updated`."""
    kind = get_kind(session=session, code=code, lock=True)
    precondition(kind_etag(kind))
    kind.criteria = [criterion.model_dump() for criterion in data.criteria]
    kind.min_area_m2 = data.min_area_m2
    kind.version += 1
    kind.updated_by = principal.client_id
    kind.updated_at = utcnow()
    session.add(kind)
    session.flush()
    emit(
        session,
        "base_kind.updated",
        {"code": kind.code, "version": kind.version, "min_area_m2": kind.min_area_m2},
    )
    return kind


# --- history -----------------------------------------------------------------------------


def record_change(
    *, session: Session, base: Base, action: str, details: dict[str, Any], principal: Principal
) -> BaseChange:
    """Append one entry to the base's history (the caller holds the base's row lock)."""
    last = session.exec(
        select(func.max(BaseChange.seq)).where(col(BaseChange.base_id) == base.id)
    ).one()
    change = BaseChange(
        id=new_id("bch"),
        base_id=base.id,
        seq=(last or 0) + 1,
        action=action,
        status=base.status,
        details=details,
        actor=principal.client_id,
        actor_kind=str(principal.kind),
    )
    session.add(change)
    session.flush()
    return change


def history(
    *, session: Session, base_id: str, limit: int, cursor: str | None
) -> tuple[list[BaseChangePublic], str | None]:
    """One page of a base's history, oldest first."""
    get_base(session=session, base_id=base_id)
    statement = paginate(
        select(BaseChange).where(col(BaseChange.base_id) == base_id),
        keys=[_CHANGES.c.seq],
        limit=limit,
        cursor=cursor,
    )
    rows = list(session.execute(statement).scalars())
    kept, next_cursor = page_of(rows, limit=limit, key_of=lambda change: [change.seq])
    return [
        BaseChangePublic(
            seq=change.seq,
            action=change.action,  # type: ignore[arg-type]
            status=change.status,  # type: ignore[arg-type]
            details=dict(change.details),
            actor=change.actor,
            actor_kind=change.actor_kind,
            at=as_utc(change.at),
        )
        for change in kept
    ], next_cursor


# --- who ---------------------------------------------------------------------------------


def _district_of(principal: Principal) -> str:
    org = principal.org or ""
    if principal.kind != ClientKind.DEPARTMENT or org not in DISTRICTS_BY_CODE:
        raise NotADistrict(
            "Bases are filed and reported by a district: a department client whose org is a "
            f"district code (one of {', '.join(DISTRICTS_BY_CODE)})."
        )
    return org


def _own_district(principal: Principal, base: Base) -> None:
    if _district_of(principal) != base.district:
        raise NotYourDistrict(
            f"Base {base.id} is in district {base.district}; this client acts for {principal.org}."
        )


def require_responsible(principal: Principal, base: Base) -> None:
    """403 `not_responsible_department` unless the caller is the base's responsible department."""
    if principal.kind != ClientKind.DEPARTMENT or principal.org != base.department:
        raise NotResponsibleDepartment(
            f"Bases of kind {base.kind} are the {base.department} department's; this client "
            f"acts for {principal.org or 'no department'}."
        )


# --- bases -------------------------------------------------------------------------------


def get_base(*, session: Session, base_id: str, lock: bool = False) -> Base:
    """One base (404 `base_not_found`); `lock` holds its row for the transaction."""
    base = session.get(Base, base_id, with_for_update=lock)
    if base is None:
        raise BaseNotFound(f"No base {base_id}.")
    return base


def _no_live_base(session: Session, operator_uscc: str, kind: str) -> None:
    live = session.exec(
        select(Base.id).where(
            col(Base.operator_uscc) == operator_uscc,
            col(Base.kind) == kind,
            col(Base.status).in_([FILED, ADMITTED]),
        )
    ).first()
    if live is not None:
        raise BaseAlreadyFiled.for_field(
            "body.operator_uscc", f"{operator_uscc} already runs {kind} base {live}"
        )


def file_base(*, session: Session, principal: Principal, data: BaseCreate) -> Base:
    """A district files a base in its own district (403 `not_a_district`, `not_your_district`);
    one live base per operator and kind (409 `base_already_filed`); opened by today (422
    `opening_in_future`). Announced as `base.filed`."""
    district = _district_of(principal)
    if data.district != district:
        raise NotYourDistrict.for_field(
            "body.district", f"this client files for district {district}, not {data.district}"
        )
    if data.opened_on > today():
        raise OpeningInFuture.for_field("body.opened_on", "the base has not opened yet")
    kind = get_kind(session=session, code=data.kind)
    _no_live_base(session, data.operator_uscc, data.kind)
    base = Base(
        id=new_id("bas"),
        operator_uscc=data.operator_uscc,
        name=data.name.strip(),
        district=district,
        kind=kind.code,
        area_m2=data.area_m2,
        opened_on=data.opened_on,
        status=FILED,
        department=kind.department,
        filed_by=principal.client_id,
    )
    session.add(base)
    session.flush()
    record_change(
        session=session,
        base=base,
        action="filed",
        details={
            "operator_uscc": base.operator_uscc,
            "name": base.name,
            "district": base.district,
            "kind": base.kind,
            "area_m2": base.area_m2,
            "opened_on": base.opened_on.isoformat(),
            "department": base.department,
        },
        principal=principal,
    )
    emit(session, "base.filed", _payload(base))
    return base


def list_bases(
    *, session: Session, filters: BaseFilters, limit: int, cursor: str | None
) -> tuple[list[BasePublic], str | None]:
    """One page of bases by id (filing order), filtered by district, kind, status, department
    and operator."""
    statement: Any = select(Base)
    for name in ("district", "kind", "status", "department", "operator_uscc"):
        value = getattr(filters, name)
        if value is not None:
            statement = statement.where(getattr(Base, name) == value)
    statement = paginate(statement, keys=[_BASES.c.id], limit=limit, cursor=cursor)
    rows = list(session.execute(statement).scalars())
    kept, next_cursor = page_of(rows, limit=limit, key_of=lambda base: [base.id])
    return [to_public(base) for base in kept], next_cursor


def admitted_bases(*, session: Session, district: str | None = None) -> list[Base]:
    """The bases in the programme now (admitted, not exited), by id; optionally one district's:
    what a block allocation weighs (kind, area, KPIs)."""
    statement = select(Base).where(col(Base.status) == ADMITTED)
    if district is not None:
        statement = statement.where(col(Base.district) == district)
    return list(session.exec(statement.order_by(col(Base.id))))


def _touch(base: Base) -> None:
    base.version += 1
    base.updated_at = utcnow()


def update_base(
    *,
    session: Session,
    principal: Principal,
    base_id: str,
    data: BaseUpdate,
    precondition: Precondition,
) -> Base:
    """The district corrects a base it filed, filed or admitted (409 `base_status_conflict`
    after refusal or exit). Recorded with before and after; announced as `base.updated`."""
    base = get_base(session=session, base_id=base_id, lock=True)
    _own_district(principal, base)
    precondition(etag(base))
    if base.status not in (FILED, ADMITTED):
        raise BaseStatusConflict(f"Base {base.id} is {base.status}: it can no longer change.")
    if data.operator_uscc is not None and data.operator_uscc != base.operator_uscc:
        _no_live_base(session, data.operator_uscc, base.kind)
    changed: dict[str, Any] = {}
    for name in sorted(data.model_fields_set):
        value = getattr(data, name)
        value = value.strip() if isinstance(value, str) else value
        if getattr(base, name) != value:
            changed[name] = {"from": getattr(base, name), "to": value}
            setattr(base, name, value)
    if not changed:
        return base
    _touch(base)
    session.add(base)
    session.flush()
    record_change(
        session=session, base=base, action="updated", details=changed, principal=principal
    )
    emit(session, "base.updated", {**_payload(base), "fields": sorted(changed)})
    return base


def _assess(kind: BaseKind, base: Base, data: BaseDecisionCreate) -> tuple[list[str], list[str]]:
    """(unmet criteria and area shortfall as reasons, criteria left unassessed)."""
    texts = {criterion["code"]: criterion["text"] for criterion in kind.criteria}
    for index, item in enumerate(data.assessment):
        if item.criterion not in texts:
            raise CriterionUnknown.for_field(
                f"body.assessment[{index}].criterion",
                f"'{item.criterion}' is not a criterion of {kind.code} (version {kind.version}): "
                + ", ".join(texts),
            )
    assessed = {item.criterion: item for item in data.assessment}
    unmet = [
        f"{code}: {texts[code]}" + (f" ({item.note})" if item.note else "")
        for code, item in assessed.items()
        if not item.met
    ]
    if kind.min_area_m2 is not None and base.area_m2 < kind.min_area_m2:
        unmet.append(f"area: {base.area_m2} m² is below the minimum of {kind.min_area_m2} m²")
    missing = [code for code in texts if code not in assessed]
    return unmet, missing


def decide(
    *,
    session: Session,
    principal: Principal,
    base_id: str,
    data: BaseDecisionCreate,
    precondition: Precondition,
) -> Base:
    """Admit or refuse a filed base against its kind's current standards (see the router)."""
    base = get_base(session=session, base_id=base_id, lock=True)
    require_responsible(principal, base)
    precondition(etag(base))
    if base.status != FILED:
        raise BaseStatusConflict(f"Base {base.id} is {base.status}: it was decided already.")
    kind = get_kind(session=session, code=base.kind)
    unmet, missing = _assess(kind, base, data)
    reasons = [reason.strip() for reason in data.reasons]
    if data.decision == "admit":
        if missing:
            raise CriteriaIncomplete.for_field(
                "body.assessment",
                "admission needs every criterion assessed; missing: " + ", ".join(missing),
            )
        if unmet:
            raise StandardsNotMet.for_field(
                "body.decision", "the base does not meet: " + "; ".join(unmet)
            )
        base.status = ADMITTED
        base.admitted_on = today()
        base.decision_reasons = reasons
    else:
        if not unmet and not reasons:
            raise RefusalReasonRequired.for_field(
                "body.reasons", "state why: an unmet criterion or a reason in words"
            )
        base.status = REFUSED
        base.decision_reasons = unmet + reasons
    base.standards_version = kind.version
    base.decided_by = principal.client_id
    base.decided_at = utcnow()
    _touch(base)
    session.add(base)
    session.flush()
    record_change(
        session=session,
        base=base,
        action=base.status,
        details={
            "standards_version": kind.version,
            "assessment": [item.model_dump() for item in data.assessment],
            "reasons": list(base.decision_reasons),
        },
        principal=principal,
    )
    emit(
        session,
        f"base.{base.status}",
        {**_payload(base), "reasons": list(base.decision_reasons)},
    )
    return base


def exit_base_for(
    *, session: Session, base: Base, principal: Principal, kind: str, reason: str
) -> Base:
    """Take an admitted base out of the programme (the caller holds its row lock and checked
    who may). Recorded and announced as `base.exited`."""
    if base.status != ADMITTED:
        raise BaseStatusConflict(f"Base {base.id} is {base.status}: only admitted bases exit.")
    base.status = EXITED
    base.exited_on = today()
    base.exit_kind = kind
    base.exit_reason = reason
    _touch(base)
    session.add(base)
    session.flush()
    record_change(
        session=session,
        base=base,
        action="exited",
        details={"exit_kind": kind, "reason": reason, "exited_on": base.exited_on.isoformat()},
        principal=principal,
    )
    emit(session, "base.exited", {**_payload(base), "exit_kind": kind, "reason": reason})
    return base


def exit_base(
    *,
    session: Session,
    principal: Principal,
    base_id: str,
    data: BaseExitCreate,
    precondition: Precondition,
) -> Base:
    """Exit by decision: the responsible department or the demonstration office (403
    `not_responsible_department` for another department); admitted bases only (409)."""
    base = get_base(session=session, base_id=base_id, lock=True)
    if not principal.is_admin:
        require_responsible(principal, base)
    precondition(etag(base))
    return exit_base_for(
        session=session,
        base=base,
        principal=principal,
        kind=BY_DECISION,
        reason=data.reason.strip(),
    )


# --- KPIs --------------------------------------------------------------------------------


def kpi_for(*, session: Session, base_id: str, year: int) -> BaseKpi | None:
    """A base's KPI report for a year, if any."""
    return session.exec(
        select(BaseKpi).where(col(BaseKpi.base_id) == base_id, col(BaseKpi.year) == year)
    ).first()


def get_kpi(*, session: Session, base_id: str, year: int) -> BaseKpi:
    """A base's KPI report for a year (404 `base_not_found`, `kpi_not_found`)."""
    get_base(session=session, base_id=base_id)
    kpi = kpi_for(session=session, base_id=base_id, year=year)
    if kpi is None:
        raise KpiNotFound(f"Base {base_id} has no KPI report for {year}.")
    return kpi


def list_kpis(*, session: Session, base_id: str) -> list[BaseKpiPublic]:
    """A base's KPI reports, by year."""
    get_base(session=session, base_id=base_id)
    rows = session.exec(
        select(BaseKpi).where(col(BaseKpi.base_id) == base_id).order_by(col(BaseKpi.year))
    )
    return [kpi_public(kpi) for kpi in rows]


def report_kpi(
    *,
    session: Session,
    principal: Principal,
    base_id: str,
    year: int,
    data: BaseKpiCreate,
    precondition: Precondition,
) -> tuple[BaseKpi, bool]:
    """The district reports (or, with `If-Match`, corrects) a base's KPIs for a year; returns
    the report and whether it is new. See the router for the rules."""
    base = get_base(session=session, base_id=base_id, lock=True)
    _own_district(principal, base)
    if year > today().year:
        raise FuturePeriod.for_field("path.year", f"{year} has not begun yet")
    if base.status not in (ADMITTED, EXITED):
        raise BaseStatusConflict(f"Base {base.id} is {base.status}: only admitted bases report.")
    last = base.exited_on.year if base.exited_on else today().year
    if not base.opened_on.year <= year <= last:
        raise KpiYearInvalid.for_field(
            "path.year", f"base {base.id} reports for {base.opened_on.year} to {last}"
        )
    accepted = session.exec(
        select(Acceptance.id).where(
            col(Acceptance.base_id) == base.id, col(Acceptance.year) == year
        )
    ).first()
    if accepted is not None:
        raise KpiAccepted(
            f"Base {base.id}'s {year} acceptance ({accepted}) is recorded: that year's figures "
            "no longer change."
        )
    figures = data.model_dump()
    kpi = kpi_for(session=session, base_id=base.id, year=year)
    now = utcnow()
    if kpi is None:
        if (
            precondition.if_match is not None
        ):  # RFC 9110 13.1.1: no report, so no tag (nor *) matches
            raise StaleEtag(
                f"Base {base.id} has no report for {year} to correct; report it without If-Match."
            )
        kpi = BaseKpi(
            id=new_id("kpi"),
            base_id=base.id,
            year=year,
            reported_by=principal.client_id,
            **figures,
        )
        try:
            with session.begin_nested():  # the base's row lock orders reports; a guard all the same
                session.add(kpi)
                session.flush()
        except IntegrityError as exc:
            raise KpiExists(f"Base {base_id} has a report for {year} already.") from exc
        action, previous = "kpi_reported", None
    else:
        # A correction: the report's current ETag (428 without, 412 when stale).
        check_etag(precondition.if_match, kpi_etag(kpi))
        previous = {name: getattr(kpi, name) for name in KPI_FIELDS}
        for name, value in figures.items():
            setattr(kpi, name, value)
        kpi.version += 1
        kpi.reported_by = principal.client_id
        kpi.updated_at = now
        session.add(kpi)
        session.flush()
        action = "kpi_corrected"
    details: dict[str, Any] = {"year": year, "version": kpi.version, "figures": figures}
    if previous is not None:
        details["previous"] = previous
    record_change(session=session, base=base, action=action, details=details, principal=principal)
    emit(
        session,
        "base.kpi_reported",
        {"base_id": base.id, "year": year, "version": kpi.version, **figures},
    )
    return kpi, previous is None
