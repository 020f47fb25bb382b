"""Graduate entrepreneur interest subsidy (大学生创业贷款基准利率贴息, plan 六(二)1(11)).

An enterprise (or a portal on its behalf) claims a quarter's subsidy on a loan once the quarter
is over. Eligibility is read from the registry's replica: the founder's graduation day
(`founder_graduated_on`, carried by `enterprise.filed/updated`) must be no more than three years
before the loan date (and not after it). The subsidy is principal × benchmark rate × days / 360
over the quarter's days the loan was outstanding (loan date to the day before maturity), each
day at the rate of the `funding.interest.benchmark` version in force that day, computed exactly
and rounded once, half up, to the fen. It is proposed at once as a disbursement to the borrower
from `line:<year>:financing:graduate-interest` (0.1亿 a year), so the ledger's guard refuses the
claim that would overspend the line; one claim per loan and quarter (unique in the database).
"""

from datetime import date, timedelta
from typing import Any

from sqlalchemy import true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from services.common.clock import utcnow
from services.common.dates import shanghai_date
from services.common.identity import ClientKind, Principal
from services.common.ids import new_id
from services.common.outbox import emit
from services.common.pagination import page_of, paginate
from services.common.rules import evaluate, mark_used
from services.funding.budgets.service import line_account
from services.funding.disbursements import service as disbursements
from services.funding.effective import stretches
from services.funding.enterprises.models import DEREGISTERED
from services.funding.enterprises.service import get_enterprise
from services.funding.interest import errors
from services.funding.interest.models import InterestClaim
from services.funding.interest.rules import (
    BENCHMARK,
    RESULT,
    add_years,
    quarter_days,
    subsidy_fen,
    term_months,
    version_label,
)
from services.funding.interest.schemas import (
    InterestClaimCreate,
    InterestClaimFilters,
    InterestClaimPublic,
)
from services.funding.ledger.models import LedgerAccount

ID_PREFIX = "isc"
LINE, SUB_LINE = "financing", "graduate-interest"
PURPOSE = "interest_subsidy"
FILED_EVENT = "interest_claim.filed"
GRADUATE_WINDOW_YEARS = 3
SEES_ALL = frozenset({ClientKind.ADMIN, ClientKind.DEPARTMENT})


def to_public(claim: InterestClaim) -> InterestClaimPublic:
    """The API view of a claim."""
    return InterestClaimPublic.model_validate(claim, from_attributes=True)


def _check_graduate(graduated_on: date | None, loan_date: date, uscc: str) -> date:
    if graduated_on is None:
        raise errors.FounderGraduationUnknown(
            f"The registry has no graduation day for the founder of {uscc}; the subsidy is for "
            "graduates within three years of graduating (file it with the registry first)."
        )
    until = add_years(graduated_on, GRADUATE_WINDOW_YEARS)
    if not graduated_on <= loan_date <= until:
        raise errors.FounderNotRecentGraduate.for_field(
            "body.loan_date",
            f"The founder graduated on {graduated_on}: loans granted from then to {until} are "
            f"subsidised, not one granted on {loan_date}.",
        )
    return graduated_on


def _loan_days(data: InterestClaimCreate, today: date) -> tuple[date, date]:
    first_of_quarter, last_of_quarter = quarter_days(data.year, data.quarter)
    if last_of_quarter >= today:
        raise errors.InterestQuarterNotOver.for_field(
            "body.quarter",
            f"{data.year} Q{data.quarter} ends on {last_of_quarter}; claim it once it is over.",
        )
    first = max(first_of_quarter, data.loan_date)
    last = min(last_of_quarter, data.matures_on - timedelta(days=1))
    if first > last:
        raise errors.InterestNoDays(
            f"The loan ({data.loan_date} to {data.matures_on}) was not outstanding on any day of "
            f"{data.year} Q{data.quarter}."
        )
    return first, last


def _check_loan_owner(session: Session, data: InterestClaimCreate, uscc: str) -> None:
    other = session.exec(
        select(InterestClaim.enterprise_uscc)
        .where(col(InterestClaim.bank_code) == data.bank_code)
        .where(col(InterestClaim.loan_ref) == data.loan_ref)
        .where(col(InterestClaim.enterprise_uscc) != uscc)
        .limit(1)
    ).first()
    if other is not None:
        raise errors.InterestLoanOtherEnterprise.for_field(
            "body.loan_ref",
            f"Loan {data.loan_ref} of {data.bank_code} was claimed by another enterprise.",
        )


def claim_interest(
    *, session: Session, principal: Principal, data: InterestClaimCreate
) -> InterestClaim:
    """File a quarter's interest subsidy on a loan and propose its disbursement (money committed)."""
    uscc = principal.org or ""
    enterprise = get_enterprise(session=session, uscc=uscc)
    if enterprise.status == DEREGISTERED:
        raise errors.InterestEnterpriseInactive(f"Enterprise {uscc} is deregistered.")
    graduated_on = _check_graduate(enterprise.founder_graduated_on, data.loan_date, uscc)
    first, last = _loan_days(data, shanghai_date(utcnow()))
    account = line_account(data.year, LINE, SUB_LINE)
    if session.get(LedgerAccount, account) is None:
        raise errors.InterestBudgetLineMissing(
            f"The ledger has no line {account}: load the {data.year} budget first."
        )
    _check_loan_owner(session, data, uscc)
    term = term_months(data.loan_date, data.matures_on)
    parts: list[dict[str, Any]] = []
    for stretch in stretches(session, family=BENCHMARK, first=first, last=last):
        rate_bp = int(evaluate(stretch.rule_set, {"term_months": term}).results[RESULT])
        mark_used(session, stretch.rule_set)
        parts.append(
            {
                "first": stretch.first.isoformat(),
                "last": stretch.last.isoformat(),
                "days": stretch.days,
                "rate_bp": rate_bp,
                "rule_set_id": stretch.rule_set.id,
                "version": stretch.rule_set.version,
            }
        )
    amount = subsidy_fen(data.principal_fen, [(part["rate_bp"], part["days"]) for part in parts])
    if amount <= 0:
        raise errors.InterestNoDays(
            f"The loan accrues no subsidy in the quarter ({amount} fen at the rates in force)."
        )
    claim = InterestClaim(
        id=new_id(ID_PREFIX),
        enterprise_uscc=uscc,
        enterprise_name=enterprise.name,
        founder_graduated_on=graduated_on,
        term_months=term,
        first_day=first,
        last_day=last,
        days=(last - first).days + 1,
        stretches=parts,
        amount_fen=amount,
        rule_set_version=version_label([part["version"] for part in parts]),
        account=account,
        disbursement_id="",
        claimed_by=principal.client_id,
        actor=principal.actor,
        created_at=utcnow(),
        **data.model_dump(),
    )
    try:
        with session.begin_nested():
            session.add(claim)
            session.flush()
    except IntegrityError:
        raise errors.InterestClaimExists(
            f"Loan {data.loan_ref} of {data.bank_code} has a claim for {data.year} "
            f"Q{data.quarter} already."
        ) from None
    disbursement = disbursements.propose(
        session,
        key=f"interest-subsidy:{claim.id}",
        payee_uscc=uscc,
        payee_name=enterprise.name,
        amount_fen=amount,
        account=account,
        purpose=PURPOSE,
        source_ref=claim.id,
        year=data.year,
        budget_line=f"{LINE}:{SUB_LINE}",
        district=enterprise.district,
        rule_set_version=claim.rule_set_version,
        acceptance_ref=None,
        principal_id=principal.client_id,
    )
    claim.disbursement_id = disbursement.id
    session.add(claim)
    session.flush()
    emit(
        session,
        FILED_EVENT,
        {
            "claim_id": claim.id,
            "enterprise_uscc": uscc,
            "bank_code": claim.bank_code,
            "loan_ref": claim.loan_ref,
            "year": claim.year,
            "quarter": claim.quarter,
            "amount_fen": amount,
            "disbursement_id": disbursement.id,
        },
        actor=principal.actor,
    )
    return claim


def _visible_to(principal: Principal) -> ColumnElement[bool]:
    if principal.kind in SEES_ALL:
        return true()
    return col(InterestClaim.enterprise_uscc) == (principal.org or "")


def get_claim(*, session: Session, principal: Principal, claim_id: str) -> InterestClaim:
    """One claim the caller may see (an enterprise or its portal: its own), else 404."""
    claim = session.get(InterestClaim, claim_id)
    if claim is None or (
        principal.kind not in SEES_ALL and claim.enterprise_uscc != (principal.org or "")
    ):
        raise errors.InterestClaimNotFound(f"No interest claim {claim_id}.")
    return claim


def list_claims(
    *,
    session: Session,
    principal: Principal,
    filters: InterestClaimFilters,
    limit: int,
    cursor: str | None,
) -> tuple[list[InterestClaimPublic], str | None]:
    """Claims the caller may see, filtered, oldest first."""
    statement = select(InterestClaim).where(_visible_to(principal))
    if filters.enterprise is not None:
        statement = statement.where(col(InterestClaim.enterprise_uscc) == filters.enterprise)
    if filters.year is not None:
        statement = statement.where(col(InterestClaim.year) == filters.year)
    if filters.quarter is not None:
        statement = statement.where(col(InterestClaim.quarter) == filters.quarter)
    table = InterestClaim.__table__  # type: ignore[attr-defined]
    page = paginate(statement, keys=[table.c.id], limit=limit, cursor=cursor)
    rows = session.execute(page).scalars().all()
    kept, next_cursor = page_of(rows, limit=limit, key_of=lambda row: [row.id])
    return [to_public(row) for row in kept], next_cursor
