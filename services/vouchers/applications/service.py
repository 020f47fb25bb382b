"""Applying for vouchers, deciding applications and issuing on approval.

Eligibility is the programmes domain's `evaluate_eligibility` (the programme's rule set, or its
kind's default, through the kernel's rules): its trace is kept with the application, its failed
checks are the reasons.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.sql import Select
from sqlmodel import Session, col

from services.common.clock import as_utc, utcnow
from services.common.dates import shanghai_date
from services.common.etag import Precondition, etag_of
from services.common.identity import ClientKind, Principal
from services.common.ids import new_id
from services.common.pagination import page_of, paginate
from services.vouchers.applications.errors import (
    ApplicationAlreadyDecided,
    ApplicationIneligible,
    ApplicationNotFound,
    CategoryNotCovered,
    DecisionReasonRequired,
    EnterpriseDeregistered,
    EnterpriseOnDishonestyList,
    NotYourEnterprise,
    UnknownProgramme,
)
from services.vouchers.applications.models import APPROVED, PENDING, REFUSED, VoucherApplication
from services.vouchers.applications.schemas import (
    VoucherApplicationCreate,
    VoucherApplicationDecisionCreate,
    VoucherApplicationFilters,
    VoucherApplicationPublic,
)
from services.vouchers.enterprises.models import DEREGISTERED, VoucherEnterprise
from services.vouchers.enterprises.service import get_enterprise, on_dishonesty_list
from services.vouchers.programmes.models import OPEN, Programme
from services.vouchers.programmes.service import evaluate_eligibility
from services.vouchers.vouchers.errors import ProgrammeNotOpen
from services.vouchers.vouchers.service import issue_voucher

APPLICANTS = frozenset({ClientKind.ENTERPRISE, ClientKind.PORTAL})
AUTO_APPROVE = "auto_approve"
BY_ELIGIBILITY = "eligibility"


def etag(application: VoucherApplication) -> str:
    """The application's ETag (it changes when it is decided)."""
    return etag_of(application.id, application.version)


def to_public(application: VoucherApplication) -> VoucherApplicationPublic:
    """The application as callers see it."""
    return VoucherApplicationPublic(
        id=application.id,
        programme_id=application.programme_id,
        uscc=application.uscc,
        categories=list(application.categories),
        purpose=application.purpose,
        status=application.status,  # type: ignore[arg-type]
        eligible=application.eligible,
        reasons=list(application.reasons),
        eligibility=dict(application.eligibility),
        rule_set_id=application.rule_set_id,
        applied_by=application.applied_by,
        actor=application.actor,
        decided_by=application.decided_by,
        decision_reason=application.decision_reason,
        decided_at=as_utc(application.decided_at),
        voucher_id=application.voucher_id,
        created_at=as_utc(application.created_at),
        version=application.version,
    )


def _own_enterprise(client: Principal) -> str:
    """The enterprise the caller applies for: its own, or the one a portal acts for."""
    if client.kind not in APPLICANTS or not client.org:
        raise NotYourEnterprise("Only an enterprise, or a portal on its behalf, applies.")
    if client.kind == ClientKind.PORTAL and not client.on_behalf:
        raise NotYourEnterprise("A portal applies only on behalf of an enterprise.")
    return client.org


def _barred(session: Session, enterprise: VoucherEnterprise, on: date) -> None:
    if enterprise.status == DEREGISTERED:
        raise EnterpriseDeregistered(f"Enterprise {enterprise.uscc} is deregistered.")
    if on_dishonesty_list(session=session, uscc=enterprise.uscc, on=on):
        raise EnterpriseOnDishonestyList(
            f"Enterprise {enterprise.uscc} is on the dishonesty list: it gets no voucher."
        )


def _not_eligible(reasons: list[str]) -> str:
    return "Not eligible: " + ("; ".join(r.rstrip(".") for r in reasons) or "the rules") + "."


def _issue(
    session: Session,
    application: VoucherApplication,
    programme: Programme,
    *,
    decided_by: str,
    reason: str | None,
    on: date,
    now: datetime,
    actor: str | None,
) -> None:
    voucher = issue_voucher(
        session=session,
        programme=programme,
        uscc=application.uscc,
        application_id=application.id,
        on=on,
        actor=actor,
    )
    _settle(session, application, APPROVED, decided_by, reason, now, voucher_id=voucher.id)


def _settle(
    session: Session,
    application: VoucherApplication,
    status: str,
    decided_by: str,
    reason: str | None,
    now: datetime,
    *,
    voucher_id: str | None = None,
) -> None:
    """Move a pending application to its decision; a decision racing it wins once (409)."""
    table = VoucherApplication.__table__.c  # type: ignore[attr-defined]
    moved = session.execute(
        update(VoucherApplication)
        .where(table.id == application.id)
        .where(table.status == PENDING)
        .values(
            status=status,
            decided_by=decided_by,
            decision_reason=reason,
            decided_at=now,
            voucher_id=voucher_id,
            version=table.version + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise ApplicationAlreadyDecided(f"Application {application.id} is decided already.")
    session.refresh(application)


def apply_for_voucher(
    *, session: Session, client: Principal, data: VoucherApplicationCreate
) -> VoucherApplication:
    """Record an application with its eligibility; an ineligible one is refused at once, an
    eligible one under `auto_approve` is approved and its voucher issued at once.

    Refused with a problem (nothing recorded): an unknown programme (422), one not open (409),
    a category the programme does not cover (422), an enterprise not in the replica (422
    `unknown_enterprise`), deregistered or on the dishonesty list (409); under auto-approval
    the budget or the cap (409).
    """
    uscc = _own_enterprise(client)
    programme = session.get(Programme, data.programme_id)
    if programme is None:
        raise UnknownProgramme.for_field("body.programme_id", f"No programme {data.programme_id}.")
    if programme.status != OPEN:
        raise ProgrammeNotOpen(f"Programme {programme.id} is {programme.status}: not open.")
    uncovered = [c for c in data.categories if c not in programme.categories]
    if uncovered:
        raise CategoryNotCovered.for_field(
            "body.categories",
            f"Programme {programme.id} does not cover {', '.join(uncovered)}; it covers "
            f"{', '.join(programme.categories)}.",
        )
    enterprise = get_enterprise(session=session, uscc=uscc)
    now = utcnow()
    on = shanghai_date(now)
    _barred(session, enterprise, on)
    eligible, trace = evaluate_eligibility(session=session, programme=programme, uscc=uscc, on=on)
    application = VoucherApplication(
        id=new_id("vap"),
        programme_id=programme.id,
        uscc=uscc,
        categories=list(dict.fromkeys(data.categories)),
        purpose=data.purpose,
        status=PENDING,
        eligible=eligible,
        reasons=list(trace["reasons"]),
        eligibility=trace,
        rule_set_id=trace["rule_set_id"],
        applied_by=client.client_id,
        actor=client.actor,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(application)
    session.flush()
    if not eligible:
        _settle(session, application, REFUSED, BY_ELIGIBILITY, _not_eligible(trace["reasons"]), now)
    elif programme.auto_approve:
        _issue(
            session,
            application,
            programme,
            decided_by=AUTO_APPROVE,
            reason=None,
            on=on,
            now=now,
            actor=client.actor,
        )
    return application


def _visible(statement: Select[Any], client: Principal) -> Select[Any]:
    table = VoucherApplication.__table__.c  # type: ignore[attr-defined]
    if client.kind == ClientKind.ADMIN:
        return statement
    return statement.where(table.uscc == (client.org or ""))


def get_application(
    *, session: Session, client: Principal, application_id: str
) -> VoucherApplication:
    """The application if the caller applied (or administers); otherwise 404."""
    application = session.execute(
        _visible(
            select(VoucherApplication).where(col(VoucherApplication.id) == application_id), client
        )
    ).scalar_one_or_none()
    if application is None:
        raise ApplicationNotFound(f"No application {application_id} that you may see.")
    return application


def list_applications(
    *,
    session: Session,
    client: Principal,
    filters: VoucherApplicationFilters,
    limit: int,
    cursor: str | None,
) -> tuple[list[VoucherApplicationPublic], str | None]:
    """One page of the caller's applications (all for the administration), oldest first."""
    table = VoucherApplication.__table__  # type: ignore[attr-defined]
    statement = _visible(select(VoucherApplication), client)
    if filters.programme_id:
        statement = statement.where(table.c.programme_id == filters.programme_id)
    if filters.status:
        statement = statement.where(table.c.status == filters.status)
    if filters.uscc:
        statement = statement.where(table.c.uscc == filters.uscc)
    statement = paginate(statement, keys=[table.c.id], limit=limit, cursor=cursor)
    rows = session.execute(statement).scalars().all()
    kept, next_cursor = page_of(rows, limit=limit, key_of=lambda a: [a.id])
    return [to_public(a) for a in kept], next_cursor


def decide_application(
    *,
    session: Session,
    client: Principal,
    application_id: str,
    data: VoucherApplicationDecisionCreate,
    precondition: Precondition,
) -> VoucherApplication:
    """Approve (issuing the voucher) or refuse (with a reason) a pending application.

    Approval checks again, as of today, that the enterprise is neither deregistered nor on the
    dishonesty list and still eligible (409 `application_ineligible`), then issues against the
    budget and the cap (409 on either).
    """
    application = get_application(session=session, client=client, application_id=application_id)
    precondition(etag(application))
    if application.status != PENDING:
        raise ApplicationAlreadyDecided(
            f"Application {application.id} is {application.status} already."
        )
    now = utcnow()
    if data.decision == "refuse":
        if not data.reason:
            raise DecisionReasonRequired.for_field("body.reason", "A refusal names its reason.")
        _settle(session, application, REFUSED, client.client_id, data.reason, now)
        return application
    programme = session.get(Programme, application.programme_id)
    assert programme is not None  # a foreign key
    enterprise = get_enterprise(session=session, uscc=application.uscc)
    on = shanghai_date(now)
    _barred(session, enterprise, on)
    eligible, trace = evaluate_eligibility(
        session=session, programme=programme, uscc=enterprise.uscc, on=on
    )
    if not eligible:
        raise ApplicationIneligible(
            f"Enterprise {enterprise.uscc} is no longer eligible: {'; '.join(trace['reasons'])}."
        )
    _issue(
        session,
        application,
        programme,
        decided_by=client.client_id,
        reason=data.reason,
        on=on,
        now=now,
        actor=None,
    )
    return application
