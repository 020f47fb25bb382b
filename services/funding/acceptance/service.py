"""Year-end acceptance (验收): the responsible department records each base's result per year.

One result per base and year, never edited (the record is what rewards cite: its id is the
acceptance reference). Only a passed year can be rewarded (`passed_for` is what reward runs
read). A failed year next to another failed year (the one before or after) takes the base out
of the programme at once: the exit is written in the same transaction as the result, with its
history entry and its `base.exited` event, under the base's row lock so that two failures
recorded at the same time still see each other.
"""

from typing import Any, Final

from sqlmodel import Session, col, select

from services.common.clock import as_utc
from services.common.errors import FuturePeriod
from services.common.identity import Principal
from services.common.ids import new_id
from services.common.outbox import emit
from services.common.pagination import page_of, paginate
from services.funding.acceptance.errors import (
    AcceptanceExists,
    AcceptanceNotFound,
    AcceptanceYearInvalid,
    KpiReportMissing,
)
from services.funding.acceptance.models import FAILED, PASSED, Acceptance
from services.funding.acceptance.schemas import (
    AcceptanceCreate,
    AcceptanceFilters,
    AcceptancePublic,
)
from services.funding.bases import service as bases
from services.funding.bases.errors import BaseStatusConflict
from services.funding.bases.models import ADMITTED, BY_FAILED_ACCEPTANCE, Base, BaseKpi

_ACCEPTANCES: Final = Acceptance.__table__  # type: ignore[attr-defined]


def to_public(acceptance: Acceptance, base_status: str) -> AcceptancePublic:
    """The API view of an acceptance result, with its base's current status."""
    return AcceptancePublic(
        id=acceptance.id,
        base_id=acceptance.base_id,
        year=acceptance.year,
        result=acceptance.result,  # type: ignore[arg-type]
        score=acceptance.score,
        findings=acceptance.findings,
        evidence=list(acceptance.evidence),
        department=acceptance.department,
        recorded_by=acceptance.recorded_by,
        recorded_at=as_utc(acceptance.recorded_at),
        base_status=base_status,  # type: ignore[arg-type]
    )


def _for_year(session: Session, base_id: str, year: int) -> Acceptance | None:
    return session.exec(
        select(Acceptance).where(col(Acceptance.base_id) == base_id, col(Acceptance.year) == year)
    ).first()


def record(
    *, session: Session, principal: Principal, base_id: str, data: AcceptanceCreate
) -> tuple[Acceptance, Base]:
    """Record a base's result for a year (see the router for the rules); exits the base after
    a second failed year in a row. Announced as `acceptance.recorded` (and `base.exited`)."""
    base = bases.get_base(session=session, base_id=base_id, lock=True)
    bases.require_responsible(principal, base)
    if data.year > bases.today().year:
        raise FuturePeriod.for_field("body.year", f"{data.year} has not begun yet")
    if base.status != ADMITTED:
        raise BaseStatusConflict(
            f"Base {base.id} is {base.status}: only admitted bases are checked."
        )
    if data.year < base.opened_on.year:
        raise AcceptanceYearInvalid.for_field(
            "body.year", f"base {base.id} opened in {base.opened_on.year}"
        )
    existing = _for_year(session, base.id, data.year)
    if existing is not None:
        raise AcceptanceExists(
            f"Base {base.id} has its {data.year} result already ({existing.result}, "
            f"{existing.id}); results are never edited."
        )
    if (
        data.result == PASSED
        and bases.kpi_for(session=session, base_id=base.id, year=data.year) is None
    ):
        raise KpiReportMissing(
            f"Base {base.id} has no KPI report for {data.year}: its district reports it first."
        )
    acceptance = Acceptance(
        id=new_id("acc"),
        base_id=base.id,
        year=data.year,
        result=data.result,
        score=data.score,
        findings=data.findings.strip(),
        evidence=[str(link) for link in data.evidence],
        department=base.department,
        recorded_by=principal.client_id,
    )
    session.add(acceptance)
    session.flush()  # the base's row lock orders results: the year was free when read above
    bases.record_change(
        session=session,
        base=base,
        action="acceptance_recorded",
        details={
            "acceptance_id": acceptance.id,
            "year": acceptance.year,
            "result": acceptance.result,
            "score": acceptance.score,
        },
        principal=principal,
    )
    emit(
        session,
        "acceptance.recorded",
        {
            "id": acceptance.id,
            "base_id": base.id,
            "year": acceptance.year,
            "result": acceptance.result,
            "score": acceptance.score,
            "district": base.district,
            "kind": base.kind,
        },
    )
    if acceptance.result == FAILED:
        for neighbour in (data.year - 1, data.year + 1):
            other = _for_year(session, base.id, neighbour)
            if other is not None and other.result == FAILED:
                first, second = sorted((neighbour, data.year))
                bases.exit_base_for(
                    session=session,
                    base=base,
                    principal=principal,
                    kind=BY_FAILED_ACCEPTANCE,
                    reason=f"failed year-end acceptance in {first} and {second} in a row",
                )
                break
    return acceptance, base


def get(*, session: Session, base_id: str, year: int) -> tuple[Acceptance, Base]:
    """A base's result for a year (404 `base_not_found`, `acceptance_not_found`)."""
    base = bases.get_base(session=session, base_id=base_id)
    acceptance = _for_year(session, base_id, year)
    if acceptance is None:
        raise AcceptanceNotFound(f"Base {base_id} has no acceptance result for {year}.")
    return acceptance, base


def list_for_base(*, session: Session, base_id: str) -> list[AcceptancePublic]:
    """A base's results, by year."""
    base = bases.get_base(session=session, base_id=base_id)
    rows = session.exec(
        select(Acceptance).where(col(Acceptance.base_id) == base_id).order_by(col(Acceptance.year))
    )
    return [to_public(acceptance, base.status) for acceptance in rows]


def list_acceptances(
    *, session: Session, filters: AcceptanceFilters, limit: int, cursor: str | None
) -> tuple[list[AcceptancePublic], str | None]:
    """One page of results across bases by id, filtered by year, result, district and kind."""
    statement: Any = select(Acceptance, Base.status).join(
        Base, col(Base.id) == col(Acceptance.base_id)
    )
    if filters.year is not None:
        statement = statement.where(col(Acceptance.year) == filters.year)
    if filters.result is not None:
        statement = statement.where(col(Acceptance.result) == filters.result)
    if filters.district is not None:
        statement = statement.where(col(Base.district) == filters.district)
    if filters.kind is not None:
        statement = statement.where(col(Base.kind) == filters.kind)
    statement = paginate(statement, keys=[_ACCEPTANCES.c.id], limit=limit, cursor=cursor)
    rows = list(session.execute(statement))
    kept, next_cursor = page_of(rows, limit=limit, key_of=lambda row: [row[0].id])
    return [to_public(acceptance, status) for acceptance, status in kept], next_cursor


def passed_for(
    *, session: Session, year: int, district: str | None = None
) -> list[tuple[Base, Acceptance, BaseKpi]]:
    """Every base that passed its acceptance for `year` (optionally in one district), with the
    result and that year's KPI report, by base id: what a reward run may reward. A base that
    exited since keeps the year it passed."""
    statement: Any = (
        select(Base, Acceptance, BaseKpi)
        .join(Acceptance, col(Acceptance.base_id) == col(Base.id))
        .join(
            BaseKpi,
            (col(BaseKpi.base_id) == col(Base.id)) & (col(BaseKpi.year) == col(Acceptance.year)),
        )
        .where(col(Acceptance.year) == year, col(Acceptance.result) == PASSED)
    )
    if district is not None:
        statement = statement.where(col(Base.district) == district)
    rows = session.exec(statement.order_by(col(Base.id)))
    return [(base, acceptance, kpi) for base, acceptance, kpi in rows]
