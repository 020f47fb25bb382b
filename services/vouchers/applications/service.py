"""Applying for vouchers, deciding applications and issuing on approval.

Eligibility: until the programmes domain publishes `evaluate_eligibility` (branch vprog, the
programme's rule set through the kernel's rules), `_eligibility` below is a minimal private
check of the kinds' defaults (创业券: founded within 3 years; 创新券: a technology SME) with a
trace in the kernel's shape; it is replaced by that function when vprog is merged.
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
    UnknownEnterprise,
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
from services.vouchers.programmes.models import INNOVATION, OPEN, STARTUP, Programme
from services.vouchers.vouchers.errors import ProgrammeNotOpen
from services.vouchers.vouchers.service import issue_voucher

APPLICANTS = frozenset({ClientKind.ENTERPRISE, ClientKind.PORTAL})
AUTO_APPROVE = "auto_approve"
BY_ELIGIBILITY = "eligibility"
STARTUP_YEARS = 3


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


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _eligibility(
    programme: Programme, enterprise: VoucherEnterprise, on: date
) -> tuple[bool, list[dict[str, Any]], str | None]:
    """Eligible?, the trace (each rule's value and the values it used), the rule set used.

    Minimal private check until vprog's `evaluate_eligibility` (see the module's docstring).
    """
    trace: list[dict[str, Any]] = []
    if programme.kind == STARTUP:
        since = _years_before(on, STARTUP_YEARS)
        young = enterprise.founded_on > since
        trace.append(
            {
                "rule": "founded_within_3_years",
                "value": young,
                "uses": {"founded_on": enterprise.founded_on.isoformat(), "on": on.isoformat()},
            }
        )
        eligible = young
        uses: dict[str, Any] = {"founded_within_3_years": young}
    elif programme.kind == INNOVATION:
        eligible = enterprise.is_tech_sme
        trace.append(
            {"rule": "tech_sme", "value": eligible, "uses": {"is_tech_sme": enterprise.is_tech_sme}}
        )
        uses = {"tech_sme": eligible}
    else:
        eligible, uses = False, {"kind": programme.kind}
    trace.append({"rule": "eligible", "value": eligible, "uses": uses})
    return eligible, trace, None


def _barred(enterprise: VoucherEnterprise) -> None:
    if enterprise.status == DEREGISTERED:
        raise EnterpriseDeregistered(f"Enterprise {enterprise.uscc} is deregistered.")
    if enterprise.on_dishonesty_list:
        raise EnterpriseOnDishonestyList(
            f"Enterprise {enterprise.uscc} is on the dishonesty list: it gets no voucher."
        )


def _enterprise(session: Session, uscc: str) -> VoucherEnterprise:
    enterprise = session.get(VoucherEnterprise, uscc)
    if enterprise is None:
        raise UnknownEnterprise(f"Enterprise {uscc} is not in the register.")
    return enterprise


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
        raise UnknownProgramme.for_field(
            "body.programme_id", f"No programme {data.programme_id}."
        )
    if programme.status != OPEN:
        raise ProgrammeNotOpen(f"Programme {programme.id} is {programme.status}: not open.")
    uncovered = [c for c in data.categories if c not in programme.categories]
    if uncovered:
        raise CategoryNotCovered.for_field(
            "body.categories",
            f"Programme {programme.id} does not cover {', '.join(uncovered)}; it covers "
            f"{', '.join(programme.categories)}.",
        )
    enterprise = _enterprise(session, uscc)
    _barred(enterprise)
    now = utcnow()
    on = shanghai_date(now)
    eligible, reasons, rule_set_id = _eligibility(programme, enterprise, on)
    application = VoucherApplication(
        id=new_id("vap"),
        programme_id=programme.id,
        uscc=uscc,
        categories=list(dict.fromkeys(data.categories)),
        purpose=data.purpose,
        status=PENDING,
        eligible=eligible,
        reasons=reasons,
        rule_set_id=rule_set_id,
        applied_by=client.client_id,
        actor=client.actor,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(application)
    session.flush()
    if not eligible:
        failed = [r["rule"] for r in reasons if r["value"] is False and r["rule"] != "eligible"]
        reason = "Not eligible: " + (", ".join(failed) or "the programme's rules") + "."
        _settle(session, application, REFUSED, BY_ELIGIBILITY, reason, now)
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
    enterprise = _enterprise(session, application.uscc)
    _barred(enterprise)
    on = shanghai_date(now)
    eligible, reasons, _ = _eligibility(programme, enterprise, on)
    if not eligible:
        failed = [r["rule"] for r in reasons if r["value"] is False and r["rule"] != "eligible"]
        raise ApplicationIneligible(
            f"Enterprise {enterprise.uscc} is no longer eligible: {', '.join(failed)}."
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
