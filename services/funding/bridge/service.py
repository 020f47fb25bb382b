"""The emergency bridge fund (应急周转资金): a revolving fund lending to 助保贷 borrowers whose
registered loan falls due, so they repay it while the bank renews it.

Money (the ledger): capital moves into `fund:bridge` (non-negative) from the year's budget
sub-line `line:<year>:financing:zhubaodai-bridge` when the loaded budget has it (2015: 0.1亿),
else from `source:city`. Lending moves the amount `fund:bridge` → `borrower:<uscc>` in one
transfer: the CHECK on `fund:bridge` refuses lending more than it holds, whatever runs
concurrently (409 `bridge_fund_short`). The repayment moves principal + fee out of
`borrower:<uscc>` (which may go negative: below zero it is what the borrower brought in, the
fees) — the principal back into `fund:bridge`, the fee into `income:bridge-fees`. So
`fund:bridge`'s balance is always capital − outstanding: the fund's available figure.

Terms: the `funding.bridge` rule set in force on the application day (Asia/Shanghai) gives the
window before maturity, the most lent, the longest term and the fee; the loan stores the
version. One bridge loan per registered loan (a unique key: two applications racing, one wins).

Overdue: `flag_overdue` (a periodic job) flags each loan not repaid by its due date on the day
after, once, and emits `bridge_loan.overdue`, which the credit service files as a negative
record on the enterprise (source `bridge_fund`); a late repayment's `bridge_loan.repaid` says
`was_overdue`, so the record's conduct ends that day.
"""

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import case, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.common.clock import as_utc, utcnow
from services.common.dates import shanghai_date
from services.common.identity import ClientKind, Principal
from services.common.ids import new_id
from services.common.jobs import claim_due
from services.common.outbox import emit
from services.common.pagination import page_of, paginate
from services.common.rules.engine import evaluate
from services.common.rules.service import mark_used, rule_set_for
from services.funding.bridge import errors
from services.funding.bridge.models import LENT, RENEWED, REPAID, BridgeCapital, BridgeLoan
from services.funding.bridge.rules import FAMILY
from services.funding.bridge.schemas import (
    BridgeCapitalCreate,
    BridgeCapitalPublic,
    BridgeFundPublic,
    BridgeLoanCreate,
    BridgeLoanFilters,
    BridgeLoanPublic,
    BridgeRenewalCreate,
    BridgeRepaymentCreate,
)
from services.funding.enterprises.service import on_dishonesty_list
from services.funding.ledger import service as ledger
from services.funding.ledger.errors import AccountNotFound, InsufficientFunds
from services.funding.riskpool.models import ACTIVE, GuaranteedLoan

FUND_ACCOUNT = "fund:bridge"
INCOME_ACCOUNT = "income:bridge-fees"
CITY = "source:city"
SUB_LINE = "financing:zhubaodai-bridge"  # the 2015 budget's 应急周转 measure
APPLICANTS = frozenset({ClientKind.ENTERPRISE, ClientKind.PORTAL})
OVERDUE_EVENT = "bridge_loan.overdue"


def today() -> date:
    """Today in Asia/Shanghai: the business date of applications and due dates."""
    return shanghai_date(utcnow())


def _borrower_account(uscc: str) -> str:
    return f"borrower:{uscc}"


def _open_fund(session: Session) -> None:
    ledger.open_account(
        session, code=FUND_ACCOUNT, name="“助保贷”应急周转资金", kind="fund", non_negative=True
    )


def _balance(session: Session, code: str) -> int:
    try:
        return ledger.balance_of(session, code=code)
    except AccountNotFound:
        return 0


def _account_exists(session: Session, code: str) -> bool:
    try:
        ledger.get_account(session, code=code)
    except AccountNotFound:
        return False
    return True


# --- capital -----------------------------------------------------------------------------------


def capital_source(session: Session, *, year: int) -> str:
    """Where capital comes from: the year's bridge sub-line if the budget has it, else the city."""
    sub_line = f"line:{year}:{SUB_LINE}"
    return sub_line if _account_exists(session, sub_line) else CITY


def load_capital(
    *, session: Session, principal_id: str, key: str, data: BridgeCapitalCreate
) -> BridgeCapital:
    """Move capital into `fund:bridge` (idempotent on `key`); a short sub-line is 409."""
    found = session.exec(select(BridgeCapital).where(col(BridgeCapital.key) == key)).first()
    if found is not None:
        return found
    source = capital_source(session, year=data.year)
    if source == CITY:
        ledger.open_account(
            session, code=CITY, name="City money", kind="source", non_negative=False
        )
    _open_fund(session)
    memo = data.memo or f"应急周转 fund: {data.year} capital from {source}"
    row_id = new_id("brc")
    transfer = ledger.transfer(
        session,
        key=f"bridge:capital:{row_id}",  # not the key: 2 keys may share 200 chars
        legs=[(source, -data.amount_fen), (FUND_ACCOUNT, data.amount_fen)],
        kind="bridge_capital",
        memo=memo,
        principal_id=principal_id,
        reference=row_id,
    )
    row = BridgeCapital(
        id=row_id,
        key=key,
        year=data.year,
        amount_fen=data.amount_fen,
        from_account=source,
        transfer_id=transfer.id,
        memo=memo,
        recorded_by=principal_id,
    )
    session.add(row)
    session.flush()
    emit(session, "bridge_fund.capital_loaded", capital_public(row).model_dump(mode="json"))
    return row


def capital_public(row: BridgeCapital) -> BridgeCapitalPublic:
    """The API view of a load of capital."""
    return BridgeCapitalPublic.model_validate(row, from_attributes=True)


def list_capital(*, session: Session) -> list[BridgeCapitalPublic]:
    """Every load of capital, oldest first."""
    rows = session.exec(
        select(BridgeCapital).order_by(col(BridgeCapital.recorded_at), col(BridgeCapital.id))
    )
    return [capital_public(row) for row in rows]


def fund(*, session: Session) -> BridgeFundPublic:
    """The fund's figures: capital, outstanding, available (= `fund:bridge`), fees, overdue."""
    capital = int(session.exec(select(func.coalesce(func.sum(BridgeCapital.amount_fen), 0))).one())
    open_ = col(BridgeLoan.status) != REPAID
    overdue = open_ & col(BridgeLoan.overdue_since).is_not(None)
    outstanding, count, overdue_fen, overdue_count, repaid, lent = session.execute(
        sa.select(
            func.coalesce(func.sum(case((open_, BridgeLoan.amount_fen), else_=0)), 0),
            func.coalesce(func.sum(case((open_, 1), else_=0)), 0),
            func.coalesce(func.sum(case((overdue, BridgeLoan.amount_fen), else_=0)), 0),
            func.coalesce(func.sum(case((overdue, 1), else_=0)), 0),
            func.coalesce(func.sum(case((col(BridgeLoan.status) == REPAID, 1), else_=0)), 0),
            func.coalesce(func.sum(BridgeLoan.amount_fen), 0),
        )
    ).one()
    return BridgeFundPublic(
        account=FUND_ACCOUNT,
        capital_fen=capital,
        outstanding_fen=int(outstanding),
        available_fen=_balance(session, FUND_ACCOUNT),
        fee_income_fen=_balance(session, INCOME_ACCOUNT),
        loans_outstanding=int(count),
        loans_overdue=int(overdue_count),
        overdue_fen=int(overdue_fen),
        loans_repaid=int(repaid),
        lent_fen=int(lent),
    )


# --- applying: the fund lends --------------------------------------------------------------------


def _applicant(principal: Principal) -> str:
    """The enterprise applying: the caller itself, or the one a portal acts for."""
    if principal.kind not in APPLICANTS or not principal.org:
        raise errors.BridgeApplicantNotEnterprise(
            "Only an enterprise, or a portal on its behalf, applies for a bridge loan."
        )
    if principal.kind == ClientKind.PORTAL and not principal.on_behalf:
        raise errors.BridgeApplicantNotEnterprise(
            "A portal applies only on behalf of an enterprise."
        )
    return principal.org


def _registered_loan(session: Session, uscc: str, loan_id: str) -> GuaranteedLoan:
    loan = session.get(GuaranteedLoan, loan_id)
    if loan is None or loan.enterprise_uscc != uscc:
        raise errors.BridgeNotZhubaodaiBorrower.for_field(
            "body.loan_id", f"{uscc} is not the borrower of a registered 助保贷 loan {loan_id}"
        )
    if loan.status != ACTIVE:
        raise errors.BridgeGuaranteedLoanNotActive(
            f"Registered loan {loan.id} is {loan.status}: nothing falls due to bridge."
        )
    return loan


def _bridged(session: Session, loan_id: str) -> str | None:
    return session.exec(
        select(BridgeLoan.id).where(col(BridgeLoan.guaranteed_loan_id) == loan_id)
    ).first()


def _int(results: dict[str, Any], name: str) -> int:
    value = int(results[name])
    if value < 0:
        raise errors.BridgeRulesInvalid(
            f"The bridge rule set in force computes {name} = {value}; it must not be negative."
        )
    return value


def apply(*, session: Session, principal: Principal, data: BridgeLoanCreate) -> BridgeLoan:
    """Lend on a registered 助保贷 loan falling due, on the terms in force today (each rule's
    refusal its own code, nothing recorded); the money moves `fund:bridge` → the borrower."""
    uscc = _applicant(principal)
    loan = _registered_loan(session, uscc, data.loan_id)
    day = today()
    if on_dishonesty_list(session=session, uscc=uscc, on=day):
        raise errors.BridgeBorrowerDishonest(f"失信联合惩戒: {uscc} is on the dishonesty list.")
    taken = _bridged(session, loan.id)
    if taken is not None:
        raise errors.BridgeAlreadyBridged(f"Registered loan {loan.id} was bridged by {taken}.")
    to_maturity = (loan.maturity_on - day).days
    if to_maturity < 0:
        raise errors.BridgeLoanPastMaturity(
            f"Registered loan {loan.id} matured on {loan.maturity_on}, before today ({day})."
        )
    rule_set = rule_set_for(session, family=FAMILY, on=day)
    results = evaluate(
        rule_set,
        {
            "maturing_principal_fen": loan.outstanding_fen,
            "amount_fen": data.amount_fen,
            "days": data.days,
            "days_to_maturity": to_maturity,
        },
    ).results
    window, most, longest = (
        _int(results, n) for n in ("window_days", "max_amount_fen", "max_days")
    )
    fee = _int(results, "fee_fen")
    if to_maturity > window:
        raise errors.BridgeNotDueYet(
            f"Registered loan {loan.id} matures on {loan.maturity_on}, {to_maturity} days from "
            f"today; applications are taken from {window} days before maturity "
            f"({loan.maturity_on - timedelta(days=window)})."
        )
    if data.amount_fen > most:
        raise errors.BridgeOverPrincipal.for_field(
            "body.amount_fen",
            f"{data.amount_fen} fen is above the {most} fen the fund lends on loan {loan.id} "
            f"(maturing principal {loan.outstanding_fen} fen)",
        )
    if data.days > longest:
        raise errors.BridgeOverDays.for_field(
            "body.days", f"{data.days} days is longer than the fund's longest, {longest} days"
        )
    now = utcnow()
    row = BridgeLoan(
        id=new_id("brl"),
        guaranteed_loan_id=loan.id,
        bank_code=loan.bank_code,
        enterprise_uscc=uscc,
        enterprise_name=loan.enterprise_name,
        maturing_principal_fen=loan.outstanding_fen,
        loan_maturity_on=loan.maturity_on,
        amount_fen=data.amount_fen,
        days=data.days,
        fee_fen=fee,
        lent_on=day,
        due_on=day + timedelta(days=data.days),
        rule_set_id=rule_set.id,
        rule_set_version=rule_set.version,
        applied_by=principal.client_id,
        actor=principal.actor,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():  # one bridge per registered loan: a racing one waits here
            session.add(row)
            session.flush()
    except IntegrityError:  # the savepoint's rollback took the row out of the session
        raise errors.BridgeAlreadyBridged(
            f"Registered loan {loan.id} was bridged by another application just now."
        ) from None
    _open_fund(session)
    borrower = _borrower_account(uscc)
    ledger.open_account(
        session, code=borrower, name=f"Bridge borrower {uscc}", kind="party", non_negative=False
    )
    try:
        transfer = ledger.transfer(
            session,
            key=f"bridge:lend:{row.id}",
            legs=[(FUND_ACCOUNT, -data.amount_fen), (borrower, data.amount_fen)],
            kind="bridge_lend",
            memo=f"应急周转: bridge loan {row.id} on registered loan {loan.id}, {data.days} days",
            principal_id=principal.client_id,
            reference=row.id,
        )
    except InsufficientFunds:
        raise errors.BridgeFundShort(
            f"The fund holds {_balance(session, FUND_ACCOUNT)} fen (capital − outstanding); "
            f"{data.amount_fen} fen cannot be lent."
        ) from None
    row.lend_transfer_id = transfer.id
    session.add(row)
    mark_used(session, rule_set)
    session.flush()
    emit(session, "bridge_loan.lent", _event(row))
    return row


# --- reading ---------------------------------------------------------------------------------


def _visible(principal: Principal) -> Any:
    if principal.kind == ClientKind.BANK:
        return col(BridgeLoan.bank_code) == (principal.org or "")
    if principal.kind in APPLICANTS:
        return col(BridgeLoan.enterprise_uscc) == (principal.org or "")
    return col(BridgeLoan.id).is_not(None)


def get_loan(*, session: Session, principal: Principal, bridge_id: str) -> BridgeLoan:
    """A bridge loan the caller may see (a bank: on its loans; an enterprise: its own), else 404."""
    found = session.exec(
        select(BridgeLoan).where(col(BridgeLoan.id) == bridge_id).where(_visible(principal))
    ).first()
    if found is None:
        raise errors.BridgeLoanNotFound(f"No bridge loan {bridge_id}.")
    return found


def list_loans(
    *,
    session: Session,
    principal: Principal,
    filters: BridgeLoanFilters,
    limit: int,
    cursor: str | None,
) -> tuple[list[BridgeLoan], str | None]:
    """Bridge loans the caller may see, oldest first."""
    statement = select(BridgeLoan).where(_visible(principal))
    if filters.status is not None:
        statement = statement.where(col(BridgeLoan.status) == filters.status)
    if filters.enterprise is not None:
        statement = statement.where(col(BridgeLoan.enterprise_uscc) == filters.enterprise)
    if filters.overdue is not None:
        flagged = col(BridgeLoan.overdue_since).is_not(None) & (col(BridgeLoan.status) != REPAID)
        statement = statement.where(flagged if filters.overdue else ~flagged)
    table = BridgeLoan.__table__  # type: ignore[attr-defined]
    rows = session.execute(paginate(statement, keys=[table.c.id], limit=limit, cursor=cursor))
    return page_of(rows.scalars().all(), limit=limit, key_of=lambda r: [r.id])


def to_public(row: BridgeLoan) -> BridgeLoanPublic:
    """The API view of a bridge loan."""
    return BridgeLoanPublic(
        **row.model_dump(
            exclude={"renewed_by", "repaid_by", "flagged_at", "created_at", "updated_at"}
        ),
        owed_fen=row.amount_fen + row.fee_fen,
        overdue=row.overdue_since is not None and row.status != REPAID,
        created_at=_utc(row.created_at),
        updated_at=_utc(row.updated_at),
    )


def _utc(moment: datetime) -> datetime:
    return as_utc(moment)


def _event(row: BridgeLoan, **extra: Any) -> dict[str, Any]:
    return {
        "bridge_loan_id": row.id,
        "guaranteed_loan_id": row.guaranteed_loan_id,
        "bank_code": row.bank_code,
        "enterprise_uscc": row.enterprise_uscc,
        "enterprise_name": row.enterprise_name,
        "amount_fen": row.amount_fen,
        "fee_fen": row.fee_fen,
        "lent_on": row.lent_on.isoformat(),
        "due_on": row.due_on.isoformat(),
        "status": row.status,
        **extra,
    }


# --- the bank's renewal, the repayment -----------------------------------------------------------


def _locked(session: Session, bridge_id: str) -> BridgeLoan | None:
    return session.get(BridgeLoan, bridge_id, with_for_update=True, populate_existing=True)


def confirm_renewal(
    *, session: Session, principal: Principal, bridge_id: str, data: BridgeRenewalCreate
) -> BridgeLoan:
    """The registered loan's bank confirms it renewed the loan (once, before the repayment)."""
    row = _locked(session, bridge_id)
    if row is None or principal.kind != ClientKind.BANK or row.bank_code != principal.org:
        raise errors.BridgeLoanNotFound(f"No bridge loan {bridge_id} on your bank's loans.")
    if row.status != LENT:
        raise errors.BridgeNotRenewable(
            f"Bridge loan {row.id} is {row.status}: the renewal is confirmed once, before the "
            "repayment."
        )
    if data.renewed_on < row.lent_on:
        raise errors.BridgeRenewalBeforeLending.for_field(
            "body.renewed_on", f"the bridge loan was lent on {row.lent_on}"
        )
    row.status = RENEWED
    row.renewed_on = data.renewed_on
    row.renewal_contract_no = data.contract_no
    row.renewal_principal_fen = data.principal_fen
    row.renewal_maturity_on = data.maturity_on
    row.renewed_by = principal.client_id
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    emit(
        session,
        "bridge_loan.renewed",
        _event(row, renewed_on=data.renewed_on.isoformat(), contract_no=data.contract_no),
    )
    return row


def repay(
    *, session: Session, principal: Principal, bridge_id: str, data: BridgeRepaymentCreate
) -> BridgeLoan:
    """Record the repayment the fund received: principal back into `fund:bridge`, the fee into
    `income:bridge-fees`, both out of `borrower:<uscc>` (exactly principal + fee)."""
    row = _locked(session, bridge_id)
    if row is None:
        raise errors.BridgeLoanNotFound(f"No bridge loan {bridge_id}.")
    if row.status == REPAID:
        raise errors.BridgeAlreadyRepaid(f"Bridge loan {row.id} was repaid on {row.repaid_on}.")
    owed = row.amount_fen + row.fee_fen
    if data.amount_fen != owed:
        raise errors.BridgeRepaymentNotOwed.for_field(
            "body.amount_fen",
            f"bridge loan {row.id} is repaid with {owed} fen ({row.amount_fen} principal + "
            f"{row.fee_fen} fee), not {data.amount_fen}",
        )
    day = today()
    if not row.lent_on <= data.repaid_on <= day:
        raise errors.BridgeRepaymentDate.for_field(
            "body.repaid_on", f"must be between the lending day {row.lent_on} and today {day}"
        )
    legs = [(_borrower_account(row.enterprise_uscc), -owed), (FUND_ACCOUNT, row.amount_fen)]
    if row.fee_fen > 0:
        ledger.open_account(
            session,
            code=INCOME_ACCOUNT,
            name="应急周转资金使用费收入",
            kind="other",
            non_negative=True,
        )
        legs.append((INCOME_ACCOUNT, row.fee_fen))
    transfer = ledger.transfer(
        session,
        key=f"bridge:repay:{row.id}",
        legs=legs,
        kind="bridge_repayment",
        memo=f"应急周转: repayment of bridge loan {row.id} ({row.amount_fen} + fee {row.fee_fen})",
        principal_id=principal.client_id,
        reference=row.id,
    )
    was_overdue = row.overdue_since is not None
    row.status = REPAID
    row.repaid_on = data.repaid_on
    row.repay_transfer_id = transfer.id
    row.repaid_by = principal.client_id
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    emit(
        session,
        "bridge_loan.repaid",
        _event(
            row,
            repaid_on=data.repaid_on.isoformat(),
            late=data.repaid_on > row.due_on,
            was_overdue=was_overdue,
            overdue_since=row.overdue_since.isoformat() if row.overdue_since else None,
        ),
    )
    return row


# --- overdue ---------------------------------------------------------------------------------


def flag_overdue(session: Session, *, on: date | None = None, limit: int = 100) -> int:
    """Flag the loans not repaid by their due date (once each, the day after it) and emit
    `bridge_loan.overdue` for each; how many were flagged (a `PeriodicJob` step)."""
    day = on or today()
    due = (
        select(BridgeLoan)
        .where(col(BridgeLoan.status) != REPAID)
        .where(col(BridgeLoan.overdue_since).is_(None))
        .where(col(BridgeLoan.due_on) < day)
        .order_by(col(BridgeLoan.due_on), col(BridgeLoan.id))
    )
    rows = claim_due(session, due, limit=limit)
    now = utcnow()
    for row in rows:
        row.overdue_since = row.due_on + timedelta(days=1)
        row.flagged_at = now
        row.updated_at = now
        session.add(row)
        session.flush()
        emit(
            session,
            OVERDUE_EVENT,
            _event(
                row,
                overdue_since=row.overdue_since.isoformat(),
                owed_fen=row.amount_fen + row.fee_fen,
                source="bridge_fund",
            ),
        )
    return len(rows)
