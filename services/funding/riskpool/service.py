"""The 助保贷 risk-compensation pool (风险补偿资金池).

Money: deposits move into the ledger account `pool:risk` (non-negative): the stock the pool held
before 2015 from `source:city`, a year's deposit from that year's budget sub-line
`line:<year>:financing:zhubaodai-pool` where the loaded budget has it (2015), else from
`source:city`. A default proposes the pool's share of the loss as a disbursement from
`pool:risk` to `payee:<bank code>` (approved by an admin, paid, published like every one); a
recovery returns the pool's part from `payee:<bank code>` to `pool:risk`.

Guarantee: the pool's row holds the outstanding guaranteed principal of all banks. Every
registration, repayment and default locks that row first (`SELECT … FOR UPDATE`; SQLite's
write transaction holds the one write lock), then reads the pool's balance and the sums it
checks, so two registrations in parallel never both pass the headroom
(outstanding + principal ≤ the bank's leverage × the balance) or an enterprise's cap.

Shares, exact to the fen: the pool's share of a loss is loss × share_bp / 10000 rounded down
(the bank bears the rest, so the parts add up to the loss). Recoveries split in the same shares,
cumulatively: after recoveries totalling R the pool has had back R × share_bp / 10000 rounded
down, each recovery returning the increase, so a full recovery returns the whole compensation.
"""

from datetime import date
from typing import Any

from sqlalchemy import case, func
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from services.common.clock import utcnow
from services.common.dates import shanghai_date
from services.common.identity import ClientKind, Principal
from services.common.ids import new_id
from services.common.outbox import emit
from services.common.pagination import page_of, paginate
from services.funding.agreements import service as agreements
from services.funding.agreements.models import DEFAULT_LEVERAGE
from services.funding.disbursements import service as disbursements
from services.funding.enterprises.service import find_enterprise, on_dishonesty_list
from services.funding.ledger import service as ledger
from services.funding.ledger.errors import AccountNotFound
from services.funding.riskpool import errors
from services.funding.riskpool.models import (
    ACTIVE,
    DEFAULTED,
    POOL_ID,
    REPAID,
    STOCK,
    CompensationClaim,
    GuaranteedLoan,
    LoanRecovery,
    LoanRepayment,
    RiskPool,
    RiskPoolDeposit,
)
from services.funding.riskpool.schemas import (
    BankPoolPublic,
    CompensationClaimPublic,
    GuaranteedLoanCreate,
    GuaranteedLoanPublic,
    LoanFilters,
    RecoveryPublic,
    RepaymentPublic,
    RiskPoolDepositCreate,
    RiskPoolDepositPublic,
    RiskPoolPublic,
)

POOL_ACCOUNT = "pool:risk"
CITY = "source:city"
SUB_LINE = "financing:zhubaodai-pool"  # the 2015 budget's 助保贷 pool measure
BUDGET_LINE = "zhubaodai-pool"
PURPOSE = "zhubaodai_compensation"
SMALL_OR_MICRO = frozenset({"small", "micro"})
BP = 10_000


def _open_pool(session: Session) -> None:
    ledger.open_account(
        session,
        code=POOL_ACCOUNT,
        name="“助保贷”风险补偿资金池",
        kind="pool",
        non_negative=True,
    )


def pool_balance(session: Session) -> int:
    """`pool:risk`'s balance (0 before the first deposit)."""
    try:
        return ledger.balance_of(session, code=POOL_ACCOUNT)
    except AccountNotFound:
        return 0


def _account_exists(session: Session, code: str) -> bool:
    try:
        ledger.get_account(session, code=code)
    except AccountNotFound:
        return False
    return True


def deposit_source(session: Session, *, year: int, kind: str) -> str:
    """Where a deposit comes from: the year's pool sub-line if the budget has it, else the city."""
    sub_line = f"line:{year}:{SUB_LINE}"
    if kind != STOCK and _account_exists(session, sub_line):
        return sub_line
    return CITY


def deposit(
    *, session: Session, principal_id: str, key: str, data: RiskPoolDepositCreate
) -> RiskPoolDeposit:
    """Move a deposit into `pool:risk` (idempotent on `key`); a short sub-line is 409."""
    found = session.exec(select(RiskPoolDeposit).where(col(RiskPoolDeposit.key) == key)).first()
    if found is not None:
        return found
    source = deposit_source(session, year=data.year, kind=data.kind)
    if source == CITY:
        ledger.open_account(
            session, code=CITY, name="City money", kind="source", non_negative=False
        )
    _open_pool(session)
    what = "stock before 2015" if data.kind == STOCK else f"{data.year} deposit"
    memo = data.memo or f"助保贷 risk pool: {what} from {source}"
    row_id = new_id("rpd")
    transfer = ledger.transfer(
        session,
        key=f"risk-pool:deposit:{row_id}",  # not the key: 2 keys may share 200 chars
        legs=[(source, -data.amount_fen), (POOL_ACCOUNT, data.amount_fen)],
        kind="risk_pool_deposit",
        memo=memo,
        principal_id=principal_id,
        reference=row_id,
    )
    row = RiskPoolDeposit(
        id=row_id,
        key=key,
        year=data.year,
        kind=data.kind,
        amount_fen=data.amount_fen,
        from_account=source,
        transfer_id=transfer.id,
        memo=memo,
        recorded_by=principal_id,
    )
    session.add(row)
    session.flush()
    emit(session, "risk_pool.deposit_recorded", deposit_public(row).model_dump(mode="json"))
    return row


def deposit_public(row: RiskPoolDeposit) -> RiskPoolDepositPublic:
    """The API view of a deposit."""
    return RiskPoolDepositPublic.model_validate(row, from_attributes=True)


def list_deposits(*, session: Session) -> list[RiskPoolDepositPublic]:
    """Every deposit, oldest first."""
    rows = session.exec(
        select(RiskPoolDeposit).order_by(col(RiskPoolDeposit.year), col(RiskPoolDeposit.id))
    )
    return [deposit_public(row) for row in rows]


def _locked_pool(session: Session) -> RiskPool:
    """The pool's row (its migration, 0009, inserts it), locked for this transaction."""
    pool = session.get(RiskPool, POOL_ID, with_for_update=True, populate_existing=True)
    assert pool is not None, "migration 0009 inserts the pool's row"
    return pool


def _check_borrower(session: Session, data: GuaranteedLoanCreate) -> str:
    """The borrower's name, if it may borrow under the scheme (else the rule's problem)."""
    enterprise = find_enterprise(session=session, uscc=data.enterprise_uscc)
    if enterprise is None or enterprise.status != "active":
        raise errors.LoanEnterpriseNotFiled.for_field(
            "body.enterprise_uscc",
            f"{data.enterprise_uscc} is not a filed, active enterprise in the register",
        )
    if enterprise.size_class not in SMALL_OR_MICRO:
        raise errors.LoanEnterpriseNotSmallOrMicro.for_field(
            "body.enterprise_uscc",
            f"{data.enterprise_uscc} is {enterprise.size_class}; the scheme is for small and "
            "micro enterprises",
        )
    if on_dishonesty_list(session=session, uscc=data.enterprise_uscc):
        raise errors.LoanEnterpriseDishonest.for_field(
            "body.enterprise_uscc",
            f"失信联合惩戒: {data.enterprise_uscc} is on the serious-dishonesty list",
        )
    return enterprise.name


def register_loan(
    *, session: Session, principal: Principal, data: GuaranteedLoanCreate
) -> GuaranteedLoan:
    """Register a loan the bank granted; refused by rule (borrower, rate, caps, headroom)."""
    bank = agreements.bank_of(principal)
    name = _check_borrower(session, data)
    terms = agreements.terms_on(session, bank_code=bank, on=data.start_on)
    if data.rate_bp > terms.rate_cap_bp:
        raise errors.LoanRateOverCap.for_field(
            "body.rate_bp",
            f"{data.rate_bp} bp is above the agreed cap of {terms.rate_cap_bp} bp "
            f"(agreement version {terms.version})",
        )
    if data.principal_fen > terms.per_loan_cap_fen:
        raise errors.LoanOverPerLoanCap.for_field(
            "body.principal_fen",
            f"{data.principal_fen} fen is above the per-loan cap of {terms.per_loan_cap_fen} fen",
        )
    pool = _locked_pool(session)  # from here every sum is read under the pool's lock
    taken = session.exec(
        select(GuaranteedLoan.id)
        .where(col(GuaranteedLoan.bank_code) == bank)
        .where(col(GuaranteedLoan.contract_no) == data.contract_no)
    ).first()
    if taken is not None:
        raise errors.LoanAlreadyRegistered.for_field(
            "body.contract_no", f"contract {data.contract_no} is registered as loan {taken}"
        )
    owed = session.exec(
        select(func.coalesce(func.sum(GuaranteedLoan.outstanding_fen), 0))
        .where(col(GuaranteedLoan.bank_code) == bank)
        .where(col(GuaranteedLoan.enterprise_uscc) == data.enterprise_uscc)
    ).one()
    if int(owed) + data.principal_fen > terms.per_enterprise_cap_fen:
        raise errors.LoanOverEnterpriseCap(
            f"{data.enterprise_uscc} has {int(owed)} fen outstanding with {bank}; another "
            f"{data.principal_fen} fen would pass the per-enterprise cap of "
            f"{terms.per_enterprise_cap_fen} fen."
        )
    balance = pool_balance(session)
    capacity = terms.leverage_multiple * balance
    if pool.outstanding_fen + data.principal_fen > capacity:
        raise errors.LoanOverLeverage(
            f"Outstanding guaranteed principal {pool.outstanding_fen} fen + {data.principal_fen} "
            f"fen would pass {terms.leverage_multiple} × the pool's balance {balance} fen = "
            f"{capacity} fen (headroom {max(capacity - pool.outstanding_fen, 0)} fen)."
        )
    now = utcnow()
    loan = GuaranteedLoan(
        id=new_id("rpl"),
        bank_code=bank,
        contract_no=data.contract_no,
        enterprise_uscc=data.enterprise_uscc,
        enterprise_name=name,
        principal_fen=data.principal_fen,
        rate_bp=data.rate_bp,
        start_on=data.start_on,
        maturity_on=data.maturity_on,
        agreement_id=terms.id,
        agreement_version=terms.version,
        pool_share_bp=terms.pool_share_bp,
        outstanding_fen=data.principal_fen,
        registered_by=principal.client_id,
        registered_at=now,
        updated_at=now,
    )
    pool.outstanding_fen += data.principal_fen
    pool.principal_registered_fen += data.principal_fen
    pool.updated_at = now
    session.add_all([loan, pool])
    session.flush()
    emit(session, "risk_pool.loan_registered", _event(loan))
    return loan


def _event(loan: GuaranteedLoan, **extra: Any) -> dict[str, Any]:
    return {
        "loan_id": loan.id,
        "bank_code": loan.bank_code,
        "enterprise_uscc": loan.enterprise_uscc,
        "principal_fen": loan.principal_fen,
        "outstanding_fen": loan.outstanding_fen,
        "status": loan.status,
        **extra,
    }


def _visible(principal: Principal) -> Any:
    if principal.kind == ClientKind.BANK:
        return col(GuaranteedLoan.bank_code) == (principal.org or "")
    return col(GuaranteedLoan.id).is_not(None)


def get_loan(*, session: Session, principal: Principal, loan_id: str) -> GuaranteedLoan:
    """A loan the caller may see (a bank: its own), else 404."""
    loan = session.exec(
        select(GuaranteedLoan).where(col(GuaranteedLoan.id) == loan_id).where(_visible(principal))
    ).first()
    if loan is None:
        raise errors.LoanNotFound(f"No guaranteed loan {loan_id}.")
    return loan


def _locked_loan(session: Session, principal: Principal, loan_id: str) -> GuaranteedLoan:
    """The bank's own loan, locked (after the pool: one lock order)."""
    bank = agreements.bank_of(principal)
    loan = session.get(GuaranteedLoan, loan_id, with_for_update=True, populate_existing=True)
    if loan is None or loan.bank_code != bank:
        raise errors.LoanNotFound(f"No guaranteed loan {loan_id}.")
    return loan


def _require_active(loan: GuaranteedLoan) -> None:
    if loan.status != ACTIVE:
        raise errors.LoanNotActive(f"Loan {loan.id} is {loan.status}.")


def repay(
    *, session: Session, principal: Principal, loan_id: str, amount_fen: int, repaid_on: date
) -> GuaranteedLoan:
    """Record a repayment: the outstanding principal (the loan's and the pool's) goes down."""
    pool = _locked_pool(session)
    loan = _locked_loan(session, principal, loan_id)
    _require_active(loan)
    if amount_fen > loan.outstanding_fen:
        raise errors.RepaymentOverOutstanding.for_field(
            "body.amount_fen", f"loan {loan.id} has {loan.outstanding_fen} fen outstanding"
        )
    now = utcnow()
    loan.outstanding_fen -= amount_fen
    loan.repaid_fen += amount_fen
    loan.status = REPAID if loan.outstanding_fen == 0 else ACTIVE
    loan.updated_at = now
    pool.outstanding_fen -= amount_fen
    pool.updated_at = now
    session.add_all(
        [
            loan,
            pool,
            LoanRepayment(
                id=new_id("rpr"),
                loan_id=loan.id,
                amount_fen=amount_fen,
                repaid_on=repaid_on,
                outstanding_after_fen=loan.outstanding_fen,
                recorded_by=principal.client_id,
            ),
        ]
    )
    session.flush()
    emit(session, "risk_pool.loan_repaid", _event(loan, amount_fen=amount_fen))
    return loan


def pool_share(loss_fen: int, share_bp: int) -> int:
    """The pool's share of an amount: amount × share_bp / 10000, rounded down to the fen."""
    return loss_fen * share_bp // BP


def default(
    *, session: Session, principal: Principal, loan_id: str, loss_fen: int, defaulted_on: date
) -> GuaranteedLoan:
    """Record a default: the loan leaves the guarantee; the pool's share of the loss is proposed
    as a disbursement to the bank from `pool:risk` (409 `ledger_insufficient_funds` if short)."""
    pool = _locked_pool(session)
    loan = _locked_loan(session, principal, loan_id)
    _require_active(loan)
    if loss_fen > loan.outstanding_fen:
        raise errors.LossOverOutstanding.for_field(
            "body.loss_fen", f"loan {loan.id} has {loan.outstanding_fen} fen outstanding"
        )
    share = pool_share(loss_fen, loan.pool_share_bp)
    claim = CompensationClaim(
        id=new_id("rpc"),
        loan_id=loan.id,
        bank_code=loan.bank_code,
        defaulted_on=defaulted_on,
        outstanding_at_default_fen=loan.outstanding_fen,
        loss_fen=loss_fen,
        pool_share_bp=loan.pool_share_bp,
        pool_share_fen=share,
        bank_share_fen=loss_fen - share,
        claimed_by=principal.client_id,
    )
    if share > 0:
        bank_name = agreements.terms_on(
            session, bank_code=loan.bank_code, on=loan.start_on
        ).bank_name
        proposed = disbursements.propose(
            session,
            key=f"risk-pool:compensation:{loan.id}",
            payee_uscc=loan.bank_code,
            payee_name=bank_name,
            amount_fen=share,
            account=POOL_ACCOUNT,
            purpose=PURPOSE,
            source_ref=claim.id,
            year=defaulted_on.year,
            budget_line=BUDGET_LINE,
            district=None,
            rule_set_version=f"bank-agreement:{loan.bank_code}@{loan.agreement_version}",
            acceptance_ref=None,
            principal_id=principal.client_id,
        )
        claim.disbursement_id = proposed.id
    now = utcnow()
    pool.outstanding_fen -= loan.outstanding_fen
    pool.updated_at = now
    loan.outstanding_fen = 0
    loan.status = DEFAULTED
    loan.updated_at = now
    session.add_all([claim, loan, pool])
    session.flush()
    emit(
        session,
        "risk_pool.loan_defaulted",
        _event(
            loan,
            claim_id=claim.id,
            loss_fen=loss_fen,
            pool_share_fen=share,
            bank_share_fen=claim.bank_share_fen,
            disbursement_id=claim.disbursement_id,
        ),
    )
    return loan


def recover(
    *, session: Session, principal: Principal, loan_id: str, amount_fen: int, recovered_on: date
) -> GuaranteedLoan:
    """Record a recovery after a paid compensation: the pool's part flows back from
    `payee:<bank>` to `pool:risk`, in the shares of the loss (cumulative, rounded down)."""
    loan = _locked_loan(session, principal, loan_id)
    if loan.status != DEFAULTED:
        raise errors.LoanNotDefaulted(f"Loan {loan.id} is {loan.status}, not defaulted.")
    claim = session.exec(
        select(CompensationClaim)
        .where(col(CompensationClaim.loan_id) == loan.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if claim.disbursement_id is not None:
        paid = disbursements.get_disbursement(
            session=session, principal=principal, disbursement_id=claim.disbursement_id
        )
        if paid.status != "paid":
            raise errors.CompensationNotPaid(
                f"The pool's compensation {claim.disbursement_id} is {paid.status}; recoveries "
                "flow back once it is paid."
            )
    if claim.recovered_fen + amount_fen > claim.loss_fen:
        raise errors.RecoveryOverLoss.for_field(
            "body.amount_fen",
            f"{claim.recovered_fen} fen of the {claim.loss_fen} fen loss is recovered already",
        )
    recovered = claim.recovered_fen + amount_fen
    pool_part = pool_share(recovered, claim.pool_share_bp) - claim.pool_recovered_fen
    row = LoanRecovery(
        id=new_id("rpv"),
        claim_id=claim.id,
        amount_fen=amount_fen,
        pool_part_fen=pool_part,
        bank_part_fen=amount_fen - pool_part,
        recovered_on=recovered_on,
        recorded_by=principal.client_id,
    )
    if pool_part > 0:
        transfer = ledger.transfer(
            session,
            key=f"risk-pool:recovery:{row.id}",
            legs=[(f"payee:{loan.bank_code}", -pool_part), (POOL_ACCOUNT, pool_part)],
            kind="risk_pool_recovery",
            memo=f"助保贷 recovery on loan {loan.id}: the pool's {claim.pool_share_bp} bp share",
            principal_id=principal.client_id,
            reference=claim.id,
        )
        row.transfer_id = transfer.id
    claim.recovered_fen = recovered
    claim.pool_recovered_fen += pool_part
    session.add_all([row, claim])
    session.flush()
    emit(
        session,
        "risk_pool.recovery_recorded",
        _event(loan, claim_id=claim.id, amount_fen=amount_fen, pool_part_fen=pool_part),
    )
    return loan


def to_public(session: Session, loan: GuaranteedLoan) -> GuaranteedLoanPublic:
    """The loan with its repayments and claim."""
    repayments = session.exec(
        select(LoanRepayment)
        .where(col(LoanRepayment.loan_id) == loan.id)
        .order_by(col(LoanRepayment.recorded_at), col(LoanRepayment.id))
    ).all()
    claim = session.exec(
        select(CompensationClaim).where(col(CompensationClaim.loan_id) == loan.id)
    ).one_or_none()
    claim_public = None
    if claim is not None:
        recoveries = session.exec(
            select(LoanRecovery)
            .where(col(LoanRecovery.claim_id) == claim.id)
            .order_by(col(LoanRecovery.recorded_at), col(LoanRecovery.id))
        ).all()
        claim_public = CompensationClaimPublic(
            **claim.model_dump(exclude={"loan_id", "bank_code", "claimed_by", "claimed_at"}),
            recoveries=[RecoveryPublic.model_validate(r, from_attributes=True) for r in recoveries],
        )
    return GuaranteedLoanPublic(
        **loan.model_dump(exclude={"updated_at"}),
        repayments=[RepaymentPublic.model_validate(r, from_attributes=True) for r in repayments],
        claim=claim_public,
    )


def list_loans(
    *,
    session: Session,
    principal: Principal,
    filters: LoanFilters,
    limit: int,
    cursor: str | None,
) -> tuple[list[GuaranteedLoanPublic], str | None]:
    """Loans the caller may see (a bank: its own), oldest first."""
    statement = select(GuaranteedLoan).where(_visible(principal))
    if filters.status is not None:
        statement = statement.where(col(GuaranteedLoan.status) == filters.status)
    if filters.bank is not None:
        statement = statement.where(col(GuaranteedLoan.bank_code) == filters.bank)
    if filters.enterprise is not None:
        statement = statement.where(col(GuaranteedLoan.enterprise_uscc) == filters.enterprise)
    table = GuaranteedLoan.__table__  # type: ignore[attr-defined]
    rows = session.execute(paginate(statement, keys=[table.c.id], limit=limit, cursor=cursor))
    kept, next_cursor = page_of(rows.scalars().all(), limit=limit, key_of=lambda r: [r.id])
    return [to_public(session, loan) for loan in kept], next_cursor


def _loss_rate(losses: int, recovered: int, principal: int) -> int:
    return (losses - recovered) * BP // principal if principal > 0 else 0


def summary(*, session: Session, principal: Principal) -> RiskPoolPublic:
    """The pool's figures, with one row per bank (a bank: its own row)."""
    pool = session.get(RiskPool, POOL_ID)
    assert pool is not None, "migration 0009 inserts the pool's row"
    outstanding, registered = pool.outstanding_fen, pool.principal_registered_fen
    balance = pool_balance(session)
    deposits = int(
        session.exec(select(func.coalesce(func.sum(RiskPoolDeposit.amount_fen), 0))).one()
    )
    loans = {
        str(bank): (int(active or 0), int(owed or 0), int(total or 0))
        for bank, active, owed, total in session.execute(
            select(
                GuaranteedLoan.bank_code,
                func.sum(case((col(GuaranteedLoan.status) == ACTIVE, 1), else_=0)),
                func.sum(GuaranteedLoan.outstanding_fen),
                func.sum(GuaranteedLoan.principal_fen),
            ).group_by(col(GuaranteedLoan.bank_code))
        ).all()
    }
    claims = {
        str(bank): (int(loss or 0), int(share or 0), int(rec or 0), int(pool_rec or 0))
        for bank, loss, share, rec, pool_rec in session.execute(
            sql_select(
                col(CompensationClaim.bank_code),
                func.sum(CompensationClaim.loss_fen),
                func.sum(CompensationClaim.pool_share_fen),
                func.sum(CompensationClaim.recovered_fen),
                func.sum(CompensationClaim.pool_recovered_fen),
            ).group_by(col(CompensationClaim.bank_code))
        ).all()
    }
    today = shanghai_date(utcnow())
    banks: list[BankPoolPublic] = []
    codes = sorted(set(loans) | set(agreements.bank_codes(session)))
    for code in codes:
        if principal.kind == ClientKind.BANK and principal.org != code:
            continue
        versions = agreements.versions_of(session, bank_code=code)
        in_force = [v for v in versions if v.effective_from <= today]
        terms = in_force[-1] if in_force else None
        active, owed, total = loans.get(code, (0, 0, 0))
        loss, share, rec, pool_rec = claims.get(code, (0, 0, 0, 0))
        banks.append(
            BankPoolPublic(
                bank_code=code,
                bank_name=versions[-1].bank_name if versions else code,
                agreement_version=terms.version if terms else None,
                leverage_multiple=terms.leverage_multiple if terms else None,
                headroom_fen=(
                    max(terms.leverage_multiple * balance - outstanding, 0) if terms else None
                ),
                loans_active=active,
                outstanding_fen=owed,
                principal_registered_fen=total,
                losses_fen=loss,
                compensation_fen=share,
                pool_recovered_fen=pool_rec,
                loss_rate_bp=_loss_rate(loss, rec, total),
            )
        )
    totals = [sum(values) for values in zip(*claims.values(), strict=True)] or [0, 0, 0, 0]
    return RiskPoolPublic(
        account=POOL_ACCOUNT,
        balance_fen=balance,
        deposits_fen=deposits,
        outstanding_fen=outstanding,
        leverage_multiple=DEFAULT_LEVERAGE,
        capacity_fen=DEFAULT_LEVERAGE * balance,
        headroom_fen=max(DEFAULT_LEVERAGE * balance - outstanding, 0),
        principal_registered_fen=registered,
        losses_fen=totals[0],
        compensation_fen=totals[1],
        pool_recovered_fen=totals[3],
        loss_rate_bp=_loss_rate(totals[0], totals[2], registered),
        banks=banks,
    )
