"""Tax and fee relief: tax departments file quarterly figures; reports add them up by type."""

from collections import defaultdict
from collections.abc import Callable
from typing import Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from services.common.clock import utcnow
from services.common.dates import shanghai_date
from services.common.errors import (
    DepartmentRequired,
    ForbiddenClientKind,
    FuturePeriod,
    NotYourDepartment,
)
from services.common.etag import etag_of
from services.common.identity import ClientKind, Principal
from services.common.ids import new_id
from services.common.pagination import page_of, paginate
from services.registry.remits.schemas import RemitRecord
from services.registry.remits.service import ensure_record_in_remit
from services.registry.taxrelief.errors import (
    FilingNotFound,
    NotATaxDepartment,
    TaxReliefAlreadyFiled,
)
from services.registry.taxrelief.models import TaxReliefFiling
from services.registry.taxrelief.schemas import (
    QuarterlyReliefReport,
    TaxReliefFilingCreate,
    TaxReliefFilingPublic,
    TaxReliefFilingUpdate,
    TaxType,
    TaxTypeLine,
)

_FILINGS: Final = TaxReliefFiling.__table__  # type: ignore[attr-defined]
TAX_DEPARTMENTS: Final = frozenset({"tax", "state_tax", "local_tax"})


def _public(filing: TaxReliefFiling) -> TaxReliefFilingPublic:
    return TaxReliefFilingPublic.model_validate(filing, from_attributes=True)


def filing_etag(filing: TaxReliefFiling) -> str:
    """The ETag of one version of a filing."""
    return etag_of(filing.id, filing.version)


def _filing_department(principal: Principal, named: str | None) -> str:
    if principal.is_admin:
        if named is None:
            raise DepartmentRequired.for_field("body.department", "Name the tax department.")
        department = named
    elif principal.kind == ClientKind.DEPARTMENT:
        department = principal.org or ""
        if named is not None and named != department:
            raise NotYourDepartment("A department files only its own figures.")
    else:
        raise ForbiddenClientKind(f"Clients of kind '{principal.kind}' may not file tax relief.")
    if department not in TAX_DEPARTMENTS:
        raise NotATaxDepartment(
            f"'{department}' is not a tax department ({', '.join(sorted(TAX_DEPARTMENTS))})."
        )
    return department


def _check_period(year: int, quarter: int) -> None:
    today = shanghai_date(utcnow())
    if (year, quarter) > (today.year, (today.month - 1) // 3 + 1):
        raise FuturePeriod.for_field("body.quarter", "That quarter has not begun yet.")


def file_relief(
    session: Session, *, body: TaxReliefFilingCreate, principal: Principal
) -> tuple[TaxReliefFilingPublic, str]:
    """Store one quarter's figures for one tax type; a second filing for the same slot is 409."""
    department = _filing_department(principal, body.department)
    ensure_record_in_remit(session=session, client=principal, record=RemitRecord.TAX_RELIEF_FILING)
    _check_period(body.year, body.quarter)
    now = utcnow()
    filing = TaxReliefFiling(
        id=new_id("trf"),
        year=body.year,
        quarter=body.quarter,
        tax_type=body.tax_type.value,
        department=department,
        enterprises=body.enterprises,
        amount_fen=body.amount_fen,
        note=body.note,
        filed_by=principal.client_id,
        filed_at=now,
        updated_at=now,
    )
    session.add(filing)
    try:
        session.flush()
    except IntegrityError as exc:  # the unit of work rolls the request back
        raise TaxReliefAlreadyFiled(
            f"{department} already filed {body.tax_type.value} for {body.year} Q{body.quarter}; "
            "correct that filing with PUT instead."
        ) from exc
    return _public(filing), filing_etag(filing)


def get_filing(session: Session, *, filing_id: str) -> tuple[TaxReliefFilingPublic, str]:
    """One filing and its ETag."""
    filing = session.get(TaxReliefFiling, filing_id)
    if filing is None:
        raise FilingNotFound(f"No tax relief filing {filing_id}.")
    return _public(filing), filing_etag(filing)


def correct_filing(
    session: Session,
    *,
    filing_id: str,
    body: TaxReliefFilingUpdate,
    etag_check: Callable[[str], None],
    principal: Principal,
) -> tuple[TaxReliefFilingPublic, str]:
    """Replace a filing's figures (its own department or an administrator), If-Match guarded."""
    filing = (
        session.execute(
            select(TaxReliefFiling).where(col(TaxReliefFiling.id) == filing_id).with_for_update()
        )
        .scalars()
        .first()
    )
    if filing is None:
        raise FilingNotFound(f"No tax relief filing {filing_id}.")
    if not principal.is_admin and principal.org != filing.department:
        raise NotYourDepartment("Only the filing department may correct it.")
    ensure_record_in_remit(session=session, client=principal, record=RemitRecord.TAX_RELIEF_FILING)
    etag_check(filing_etag(filing))
    filing.enterprises = body.enterprises
    filing.amount_fen = body.amount_fen
    filing.note = body.note
    filing.version += 1
    filing.updated_at = utcnow()
    session.add(filing)
    return _public(filing), filing_etag(filing)


def list_filings(
    session: Session,
    *,
    year: int | None,
    quarter: int | None,
    tax_type: TaxType | None,
    department: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[TaxReliefFilingPublic], str | None]:
    """Filings, oldest first, filtered, one page."""
    statement = select(TaxReliefFiling)
    if year is not None:
        statement = statement.where(col(TaxReliefFiling.year) == year)
    if quarter is not None:
        statement = statement.where(col(TaxReliefFiling.quarter) == quarter)
    if tax_type is not None:
        statement = statement.where(col(TaxReliefFiling.tax_type) == tax_type.value)
    if department is not None:
        statement = statement.where(col(TaxReliefFiling.department) == department)
    statement = paginate(statement, keys=[_FILINGS.c.id], limit=limit, cursor=cursor)
    rows = session.execute(statement).scalars().all()
    kept, next_cursor = page_of(rows, limit=limit, key_of=lambda f: [f.id])
    return [_public(f) for f in kept], next_cursor


def quarterly_report(session: Session, *, year: int, quarter: int) -> QuarterlyReliefReport:
    """Relief in one quarter by tax type, summed over the departments."""
    rows = (
        session.execute(
            select(TaxReliefFiling)
            .where(col(TaxReliefFiling.year) == year)
            .where(col(TaxReliefFiling.quarter) == quarter)
        )
        .scalars()
        .all()
    )
    enterprises: dict[str, int] = defaultdict(int)
    amounts: dict[str, int] = defaultdict(int)
    departments: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        enterprises[row.tax_type] += row.enterprises
        amounts[row.tax_type] += row.amount_fen
        departments[row.tax_type].add(row.department)
    lines = [
        TaxTypeLine(
            tax_type=t,
            enterprises=enterprises[t.value],
            amount_fen=amounts[t.value],
            departments=sorted(departments[t.value]),
        )
        for t in TaxType
    ]
    return QuarterlyReliefReport(
        year=year,
        quarter=quarter,
        lines=lines,
        total_amount_fen=sum(amounts.values()),
        enterprise_relief_count=sum(enterprises.values()),
        filings=len(rows),
    )
