"""Guarantee risk compensation (融资性担保机构风险补偿资金, plan 六(二)1(5)).

The office admits guarantee institutions (`code` = the `org` of the institution's gateway
client, of kind `bank`: a financial institution holding `funding:loans`). An institution
registers the guarantees it gives for loans to filed small and micro enterprises and reports
each payout (代偿) it makes to a lender. The fund compensates a share of the payout — the
`funding.guarantee.compensation` version in force on the payout day, payout × share / 10000
rounded down to the fen — proposed at once as a disbursement to the institution from
`line:<year of the payout>:financing:guarantee-risk` (0.2 / 0.3 / 0.4亿 in 2015–2017), so the
ledger's guard refuses the compensation that would overspend the year's line. Payouts under a
guarantee never exceed what it guarantees (a conditional UPDATE under a CHECK).
"""

from datetime import date
from typing import Any

from sqlalchemy import true, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.common.clock import utcnow
from services.common.dates import shanghai_date
from services.common.identity import ClientKind, Principal
from services.common.ids import new_id
from services.common.outbox import emit
from services.common.pagination import page_of, paginate
from services.common.rules import evaluate, mark_used, rule_set_for
from services.funding.budgets.service import line_account
from services.funding.disbursements import service as disbursements
from services.funding.enterprises.models import DEREGISTERED
from services.funding.enterprises.service import get_enterprise
from services.funding.guarantees import errors
from services.funding.guarantees.models import Guarantee, GuaranteeInstitution, GuaranteePayout
from services.funding.guarantees.rules import COMPENSATION, RESULT, compensation_fen
from services.funding.guarantees.schemas import (
    GuaranteeCreate,
    GuaranteeFilters,
    GuaranteeInstitutionCreate,
    GuaranteePayoutCreate,
    GuaranteePublic,
)
from services.funding.ledger.models import LedgerAccount

LINE, SUB_LINE = "financing", "guarantee-risk"
PURPOSE = "guarantee_compensation"
SMALL_OR_MICRO = frozenset({"small", "micro"})
SEES_ALL = frozenset({ClientKind.ADMIN, ClientKind.DEPARTMENT})


def register_institution(
    *, session: Session, principal: Principal, data: GuaranteeInstitutionCreate
) -> GuaranteeInstitution:
    """Admit a guarantee institution (409 `guarantee_institution_exists` for a taken code/USCC)."""
    row = GuaranteeInstitution(
        **data.model_dump(), registered_by=principal.client_id, created_at=utcnow()
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise errors.GuaranteeInstitutionExists(
            f"A guarantee institution with the code {data.code} or the USCC {data.uscc} is "
            "registered already."
        ) from None
    emit(session, "guarantee_institution.registered", data.model_dump())
    return row


def list_institutions(*, session: Session) -> list[GuaranteeInstitution]:
    """Every admitted guarantee institution, by code."""
    return list(
        session.exec(select(GuaranteeInstitution).order_by(col(GuaranteeInstitution.code))).all()
    )


def _institution_of(session: Session, principal: Principal) -> GuaranteeInstitution:
    found = session.get(GuaranteeInstitution, principal.org or "")
    if found is None:
        raise errors.NotAGuaranteeInstitution(
            f"The client's organisation {principal.org!r} is not a guarantee institution of the "
            "scheme (the office registers them at /v1/guarantee-institutions)."
        )
    return found


def register_guarantee(
    *, session: Session, principal: Principal, data: GuaranteeCreate
) -> Guarantee:
    """Register a guarantee the calling institution gave for a small or micro enterprise's loan."""
    institution = _institution_of(session, principal)
    enterprise = get_enterprise(
        session=session, uscc=data.enterprise_uscc, field="body.enterprise_uscc"
    )
    if enterprise.size_class not in SMALL_OR_MICRO or enterprise.status == DEREGISTERED:
        raise errors.GuaranteeNotSme.for_field(
            "body.enterprise_uscc",
            f"{enterprise.uscc} is {enterprise.size_class}, {enterprise.status}: the scheme "
            "compensates guarantees of active small and micro enterprises' loans.",
        )
    now = utcnow()
    row = Guarantee(
        id=new_id("gtr"),
        institution_code=institution.code,
        enterprise_name=enterprise.name,
        registered_by=principal.client_id,
        created_at=now,
        updated_at=now,
        **data.model_dump(),
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise errors.GuaranteeExists.for_field(
            "body.loan_ref",
            f"{institution.code} registered a guarantee of {data.loan_ref} already.",
        ) from None
    emit(session, "guarantee.registered", _event(row))
    return row


def _event(row: Guarantee, **extra: Any) -> dict[str, Any]:
    return {
        "guarantee_id": row.id,
        "institution_code": row.institution_code,
        "enterprise_uscc": row.enterprise_uscc,
        "loan_ref": row.loan_ref,
        "guaranteed_fen": row.guaranteed_fen,
        "paid_out_fen": row.paid_out_fen,
        **extra,
    }


def _visible(principal: Principal) -> Any:
    if principal.kind in SEES_ALL:
        return true()
    return col(Guarantee.institution_code) == (principal.org or "")


def get_guarantee(*, session: Session, principal: Principal, guarantee_id: str) -> Guarantee:
    """One guarantee the caller may see (an institution: its own), else 404."""
    row = session.get(Guarantee, guarantee_id)
    if row is None or (
        principal.kind not in SEES_ALL and row.institution_code != (principal.org or "")
    ):
        raise errors.GuaranteeNotFound(f"No guarantee {guarantee_id}.")
    return row


def list_guarantees(
    *,
    session: Session,
    principal: Principal,
    filters: GuaranteeFilters,
    limit: int,
    cursor: str | None,
) -> tuple[list[GuaranteePublic], str | None]:
    """Guarantees the caller may see, oldest first."""
    statement = select(Guarantee).where(_visible(principal))
    if filters.institution is not None:
        statement = statement.where(col(Guarantee.institution_code) == filters.institution)
    if filters.enterprise is not None:
        statement = statement.where(col(Guarantee.enterprise_uscc) == filters.enterprise)
    table = Guarantee.__table__  # type: ignore[attr-defined]
    page = paginate(statement, keys=[table.c.id], limit=limit, cursor=cursor)
    rows = session.execute(page).scalars().all()
    kept, next_cursor = page_of(rows, limit=limit, key_of=lambda row: [row.id])
    return [GuaranteePublic.model_validate(row) for row in kept], next_cursor


def _share_bp(
    session: Session, guarantee: Guarantee, data: GuaranteePayoutCreate
) -> tuple[int, Any]:
    rule_set = rule_set_for(session, family=COMPENSATION, on=data.paid_on)
    evaluation = evaluate(
        rule_set, {"payout_fen": data.payout_fen, "guaranteed_fen": guarantee.guaranteed_fen}
    )
    share = int(evaluation.results[RESULT])
    if not 0 <= share <= 10_000:
        raise errors.GuaranteeShareInvalid(
            f"{COMPENSATION}@{rule_set.version} gave a share of {share} basis points."
        )
    mark_used(session, rule_set)
    return share, rule_set


def _check_day(guarantee: Guarantee, paid_on: date) -> None:
    today = shanghai_date(utcnow())
    if paid_on < guarantee.starts_on or paid_on > today:
        raise errors.GuaranteePayoutOutsideTerm.for_field(
            "body.paid_on",
            f"A payout under guarantee {guarantee.id} is made from {guarantee.starts_on} to "
            f"today ({today}), not on {paid_on}.",
        )


def report_payout(
    *, session: Session, principal: Principal, guarantee_id: str, data: GuaranteePayoutCreate
) -> GuaranteePayout:
    """Record a payout under the institution's guarantee and propose the fund's share of it."""
    institution = _institution_of(session, principal)
    guarantee = get_guarantee(session=session, principal=principal, guarantee_id=guarantee_id)
    _check_day(guarantee, data.paid_on)
    share, rule_set = _share_bp(session, guarantee, data)
    amount = compensation_fen(data.payout_fen, share)
    if amount <= 0:
        raise errors.GuaranteeNothingToCompensate(
            f"A share of {share} basis points of {data.payout_fen} fen is 0 fen."
        )
    account = line_account(data.paid_on.year, LINE, SUB_LINE)
    if session.get(LedgerAccount, account) is None:
        raise errors.GuaranteeBudgetLineMissing(
            f"The ledger has no line {account}: load the {data.paid_on.year} budget first."
        )
    payout = GuaranteePayout(
        id=new_id("gpo"),
        guarantee_id=guarantee.id,
        institution_code=institution.code,
        share_bp=share,
        compensation_fen=amount,
        rule_set_id=rule_set.id,
        rule_set_version=f"{COMPENSATION}@{rule_set.version}",
        account=account,
        reported_by=principal.client_id,
        created_at=utcnow(),
        **data.model_dump(),
    )
    try:
        with session.begin_nested():
            session.add(payout)
            session.flush()
    except IntegrityError:
        raise errors.GuaranteePayoutExists.for_field(
            "body.reference", f"{institution.code} reported payout {data.reference} already."
        ) from None
    # Conditional: parallel payouts under one guarantee never exceed what it guarantees.
    moved = session.execute(
        update(Guarantee)
        .where(col(Guarantee.id) == guarantee.id)
        .where(col(Guarantee.paid_out_fen) + data.payout_fen <= col(Guarantee.guaranteed_fen))
        .values(
            paid_out_fen=col(Guarantee.paid_out_fen) + data.payout_fen,
            compensated_fen=col(Guarantee.compensated_fen) + amount,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise errors.GuaranteePayoutExceedsGuarantee.for_field(
            "body.payout_fen",
            f"Guarantee {guarantee.id} guarantees {guarantee.guaranteed_fen} fen; with "
            f"{data.payout_fen} fen more its payouts would exceed it.",
        )
    session.expire(guarantee)
    disbursement = disbursements.propose(
        session,
        key=f"guarantee-compensation:{payout.id}",
        payee_uscc=institution.uscc,
        payee_name=institution.name,
        amount_fen=amount,
        account=account,
        purpose=PURPOSE,
        source_ref=payout.id,
        year=data.paid_on.year,
        budget_line=f"{LINE}:{SUB_LINE}",
        district=None,
        rule_set_version=payout.rule_set_version,
        acceptance_ref=None,
        principal_id=principal.client_id,
    )
    payout.disbursement_id = disbursement.id
    session.add(payout)
    session.flush()
    emit(
        session,
        "guarantee.payout_reported",
        _event(
            guarantee,
            payout_id=payout.id,
            payout_fen=data.payout_fen,
            compensation_fen=amount,
            disbursement_id=disbursement.id,
        ),
    )
    return payout


def list_payouts(
    *, session: Session, principal: Principal, guarantee_id: str
) -> list[GuaranteePayout]:
    """A guarantee's payouts, oldest first."""
    guarantee = get_guarantee(session=session, principal=principal, guarantee_id=guarantee_id)
    return list(
        session.exec(
            select(GuaranteePayout)
            .where(col(GuaranteePayout.guarantee_id) == guarantee.id)
            .order_by(col(GuaranteePayout.created_at), col(GuaranteePayout.id))
        ).all()
    )
