"""The complaint centre: routing by class, working-day deadlines, an explicit state machine."""

import hashlib
import hmac
import secrets
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from sqlalchemy import Select, select, update
from sqlmodel import Session, col

from services.common.clock import utcnow
from services.common.dates import shanghai_date
from services.common.errors import (
    DepartmentRequired,
    ForbiddenClientKind,
    NotYourDepartment,
)
from services.common.etag import etag_of
from services.common.identity import ClientKind, Principal
from services.common.ids import new_id
from services.common.pagination import page_of, paginate
from services.registry.calendar import service as calendar_service
from services.registry.complaints.errors import (
    ComplaintNotFound,
    ConcurrentUpdate,
    DepartmentNotApplicable,
    IllegalTransition,
    NoEnterprise,
    NotAllowedToAct,
    TicketNotFound,
)
from services.registry.complaints.models import Complaint, ComplaintEvent
from services.registry.complaints.schemas import (
    ComplainantContact,
    ComplaintAction,
    ComplaintCategory,
    ComplaintClass,
    ComplaintCreate,
    ComplaintDetail,
    ComplaintPublic,
    ComplaintReceipt,
    ComplaintState,
    ComplaintStats,
    ComplaintTracking,
    Department,
    DepartmentStats,
    HistoryEntry,
    StateMachine,
    TrackingLookup,
    TrackingStep,
    TransitionCreate,
    TransitionRule,
)

St, Ac, Cl, D = ComplaintState, ComplaintAction, ComplaintClass, Department

INITIAL: Final[Mapping[ComplaintClass, ComplaintState]] = {
    Cl.ORDINARY: St.ASSIGNED,
    Cl.POLICY: St.INVESTIGATING,
    Cl.URGENT: St.ESCALATED,
}
DEADLINE_WORKING_DAYS: Final[Mapping[ComplaintClass, int]] = {
    Cl.ORDINARY: 10,
    Cl.POLICY: 20,
    Cl.URGENT: 1,
}
RESPONSIBLE: Final[Mapping[ComplaintCategory, Department]] = {
    ComplaintCategory.FEES: D.FINANCE,
    ComplaintCategory.TAX: D.TAX,
    ComplaintCategory.REGISTRATION: D.BUSINESS_REGISTRATION,
    ComplaintCategory.FINANCING: D.FINANCE,
    ComplaintCategory.TECHNOLOGY: D.SCIENCE,
    ComplaintCategory.EMPLOYMENT: D.HR,
    ComplaintCategory.QUALITY: D.QUALITY,
    ComplaintCategory.LEGAL: D.JUSTICE,
    ComplaintCategory.COMMERCE: D.COMMERCE,
    ComplaintCategory.POLICY_IMPLEMENTATION: D.SME_BUREAU,
    ComplaintCategory.SERVICE_CONDUCT: D.SME_BUREAU,
    ComplaintCategory.OTHER: D.SME_BUREAU,
}

ADMIN, HANDLER, COMPLAINANT = "admin", "handling_department", "complainant"
STAFF: Final = (ADMIN, HANDLER)

# The state machine: (from, action) → (to, who may take it). Anything else is 409.
TRANSITIONS: Final[
    Mapping[tuple[ComplaintState, ComplaintAction], tuple[ComplaintState, tuple[str, ...]]]
] = {
    (St.ASSIGNED, Ac.START): (St.IN_PROGRESS, STAFF),
    (St.ASSIGNED, Ac.REASSIGN): (St.ASSIGNED, (ADMIN,)),
    (St.ASSIGNED, Ac.ESCALATE): (St.ESCALATED, STAFF),
    (St.ASSIGNED, Ac.REJECT): (St.REJECTED, STAFF),
    (St.IN_PROGRESS, Ac.RESOLVE): (St.RESOLVED, STAFF),
    (St.IN_PROGRESS, Ac.ESCALATE): (St.ESCALATED, STAFF),
    (St.IN_PROGRESS, Ac.REJECT): (St.REJECTED, STAFF),
    (St.INVESTIGATING, Ac.REPORT): (St.REPORTED, STAFF),
    (St.INVESTIGATING, Ac.ESCALATE): (St.ESCALATED, STAFF),
    (St.ESCALATED, Ac.RESOLVE): (St.RESOLVED, STAFF),
    (St.RESOLVED, Ac.REOPEN): (St.IN_PROGRESS, (ADMIN, COMPLAINANT)),
    (St.RESOLVED, Ac.CLOSE): (St.CLOSED, (ADMIN, HANDLER, COMPLAINANT)),
    (St.REPORTED, Ac.CLOSE): (St.CLOSED, (ADMIN, HANDLER)),
    (St.REJECTED, Ac.CLOSE): (St.CLOSED, (ADMIN, HANDLER, COMPLAINANT)),
}
OPEN: Final = frozenset({St.ASSIGNED, St.IN_PROGRESS, St.INVESTIGATING, St.ESCALATED})
ANSWERED: Final = frozenset({St.RESOLVED, St.REPORTED, St.REJECTED})
FILERS: Final = frozenset({ClientKind.ENTERPRISE, ClientKind.PORTAL})
_COMPLAINTS: Final = Complaint.__table__  # type: ignore[attr-defined]
_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


def state_machine() -> StateMachine:
    """The state machine as data."""
    return StateMachine(
        initial=dict(INITIAL),
        deadline_working_days=dict(DEADLINE_WORKING_DAYS),
        transitions=[
            TransitionRule(from_state=f, action=a, to_state=t, who=list(who))
            for (f, a), (t, who) in TRANSITIONS.items()
        ],
    )


def _random(n: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(n))


def _hash_code(code: str) -> str:
    normalised = code.replace("-", "").replace(" ", "").upper()
    return hashlib.sha256(normalised.encode()).hexdigest()


def deadline_after(session: Session, start: date, working_days: int) -> date:
    """The `working_days`-th Asia/Shanghai working day after `start`."""
    return calendar_service.add_working_days(session, start=start, count=working_days)


def complaint_etag(complaint: Complaint) -> str:
    """The ETag of one version of a complaint."""
    return etag_of(complaint.id, complaint.version)


def _roles(principal: Principal, complaint: Complaint) -> set[str]:
    roles = set()
    if principal.is_admin:
        roles.add(ADMIN)
    if principal.kind == ClientKind.DEPARTMENT and principal.org == complaint.department:
        roles.add(HANDLER)
    if (
        principal.kind in FILERS
        and complaint.complainant_uscc is not None
        and principal.org == complaint.complainant_uscc
    ):
        roles.add(COMPLAINANT)
    return roles


def _may_see(principal: Principal, complaint: Complaint) -> bool:
    return bool(_roles(principal, complaint))


def _is_overdue(complaint: Complaint, today: date) -> bool:
    return ComplaintState(complaint.state) in OPEN and today > complaint.deadline


def _today() -> date:
    return shanghai_date(utcnow())


def _history(session: Session, complaint_id: str) -> list[ComplaintEvent]:
    return list(
        session.execute(
            select(ComplaintEvent)
            .where(col(ComplaintEvent.complaint_id) == complaint_id)
            .order_by(col(ComplaintEvent.at), col(ComplaintEvent.id))
        )
        .scalars()
        .all()
    )


def _public(complaint: Complaint, principal: Principal | None) -> ComplaintPublic:
    contact = None
    if complaint.contact_name or complaint.contact_phone or complaint.contact_email:
        contact = ComplainantContact(
            name=complaint.contact_name,
            phone=complaint.contact_phone,
            email=complaint.contact_email,
        )
    state = ComplaintState(complaint.state)
    return ComplaintPublic(
        id=complaint.id,
        ticket=complaint.ticket,
        category=ComplaintCategory(complaint.category),
        complaint_class=ComplaintClass(complaint.complaint_class),
        subject=complaint.subject,
        description=complaint.description,
        department=Department(complaint.department),
        state=state,
        received_on=complaint.received_on,
        deadline=complaint.deadline,
        overdue=_is_overdue(complaint, _today()),
        escalated_at=complaint.escalated_at,
        answered_at=complaint.answered_at,
        closed_at=complaint.closed_at,
        resolution=complaint.resolution,
        anonymous=complaint.anonymous,
        complainant_uscc=complaint.complainant_uscc,
        contact=contact,
        allowed_actions=[a for (f, a) in TRANSITIONS if f is state],
        version=complaint.version,
        created_at=complaint.created_at,
        updated_at=complaint.updated_at,
    )


COMPLAINANT_KINDS = frozenset({ClientKind.ENTERPRISE, ClientKind.PORTAL})


def _detail(session: Session, complaint: Complaint, principal: Principal | None) -> ComplaintDetail:
    # Complainants see their own notes and the answer (`resolution`), never the notes
    # departments write to each other while handling the complaint.
    complainant = principal is not None and principal.kind in COMPLAINANT_KINDS
    history = [
        HistoryEntry(
            action=e.action,
            from_state=ComplaintState(e.from_state) if e.from_state else None,
            to_state=ComplaintState(e.to_state),
            department=e.department,
            note=e.note if not complainant or e.actor_kind in COMPLAINANT_KINDS else None,
            actor_kind=e.actor_kind,
            at=e.at,
        )
        for e in _history(session, complaint.id)
    ]
    return ComplaintDetail(**_public(complaint, principal).model_dump(), history=history)


ANONYMOUS = "anonymous"


def _record(
    session: Session,
    *,
    complaint: Complaint,
    action: str,
    from_state: str | None,
    to_state: str,
    note: str | None,
    principal: Principal,
    at: datetime,
) -> None:
    session.add(
        ComplaintEvent(
            id=new_id("cev"),
            complaint_id=complaint.id,
            action=action,
            from_state=from_state,
            to_state=to_state,
            department=complaint.department,
            note=note,
            actor=principal.client_id,
            actor_kind=principal.kind,
            at=at,
        )
    )


def file_complaint(
    session: Session, *, body: ComplaintCreate, principal: Principal
) -> tuple[ComplaintReceipt, str]:
    """Route a new complaint by class, set its deadline, issue a ticket and an access code."""
    if principal.kind not in FILERS:
        raise ForbiddenClientKind("Complaints are filed by enterprises, or by portals for them.")
    if not principal.org:
        raise NoEnterprise("Your token names no enterprise to complain for.")
    if body.complaint_class is not Cl.ORDINARY and body.department is not None:
        raise DepartmentNotApplicable.for_field(
            "body.department", "Only ordinary complaints are assigned to a chosen department."
        )
    if body.complaint_class is Cl.POLICY:
        department = D.SME_BUREAU
    elif body.complaint_class is Cl.URGENT:
        department = D.MAYOR_OFFICE
    else:
        department = body.department or RESPONSIBLE[body.category]
    now = utcnow()
    received = shanghai_date(now)
    access_code = f"{_random(4)}-{_random(4)}-{_random(4)}"
    contact = body.contact or ComplainantContact()
    complaint = Complaint(
        id=new_id("cmp"),
        ticket=f"TS-{_random(10)}",
        access_code_hash=_hash_code(access_code),
        complainant_uscc=None if body.anonymous else principal.org,
        anonymous=body.anonymous,
        # An anonymous complaint keeps no trace of who filed it (the client id names them).
        filed_by=ANONYMOUS if body.anonymous else principal.client_id,
        filed_kind=principal.kind,
        contact_name=contact.name,
        contact_phone=contact.phone,
        contact_email=contact.email,
        category=body.category.value,
        complaint_class=body.complaint_class.value,
        subject=body.subject,
        description=body.description,
        department=department.value,
        state=INITIAL[body.complaint_class].value,
        received_on=received,
        deadline=deadline_after(session, received, DEADLINE_WORKING_DAYS[body.complaint_class]),
        escalated_at=now if body.complaint_class is Cl.URGENT else None,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(complaint)
    session.flush()
    filer = (
        Principal(client_id=ANONYMOUS, kind=principal.kind, org=None, scopes=frozenset())
        if body.anonymous
        else principal
    )
    _record(
        session,
        complaint=complaint,
        action="file",
        from_state=None,
        to_state=complaint.state,
        note=None,
        principal=filer,
        at=now,
    )
    session.flush()
    detail = _detail(session, complaint, principal)
    receipt = ComplaintReceipt(**detail.model_dump(), access_code=access_code)
    return receipt, complaint_etag(complaint)


def _load(session: Session, complaint_id: str, principal: Principal) -> Complaint:
    complaint = session.get(Complaint, complaint_id)
    if complaint is None or not _may_see(principal, complaint):
        raise ComplaintNotFound(f"No complaint {complaint_id}.")
    return complaint


def get_complaint(
    session: Session, *, complaint_id: str, principal: Principal
) -> tuple[ComplaintDetail, str]:
    """One complaint with its history, if the caller may see it."""
    complaint = _load(session, complaint_id, principal)
    return _detail(session, complaint, principal), complaint_etag(complaint)


def transition(
    session: Session,
    *,
    complaint_id: str,
    body: TransitionCreate,
    principal: Principal,
    etag_check: Callable[[str], None],
) -> tuple[ComplaintDetail, str]:
    """Apply one action if the state machine allows it from the current state (else 409)."""
    complaint = _load(session, complaint_id, principal)
    etag_check(complaint_etag(complaint))
    current = ComplaintState(complaint.state)
    rule = TRANSITIONS.get((current, body.action))
    if rule is None:
        allowed = ", ".join(a.value for (f, a) in TRANSITIONS if f is current) or "none"
        raise IllegalTransition(
            f"A complaint in state '{current.value}' cannot '{body.action.value}' "
            f"(allowed: {allowed})."
        )
    to_state, who = rule
    if not _roles(principal, complaint) & set(who):
        raise NotAllowedToAct(f"'{body.action.value}' is for: {', '.join(who)}.")
    now = utcnow()
    values: dict[str, object] = {
        "state": to_state.value,
        "version": complaint.version + 1,
        "updated_at": now,
    }
    if body.action is Ac.REASSIGN:
        if body.department is None or body.department.value == complaint.department:
            raise DepartmentRequired.for_field(
                "body.department", "Name the new, different department."
            )
        values["department"] = body.department.value
    elif body.department is not None:
        raise DepartmentNotApplicable.for_field(
            "body.department", "Only reassign takes a department."
        )
    if body.action is Ac.ESCALATE:
        values["department"] = D.MAYOR_OFFICE.value
        values["escalated_at"] = now
        urgent = deadline_after(session, shanghai_date(now), DEADLINE_WORKING_DAYS[Cl.URGENT])
        values["deadline"] = min(complaint.deadline, urgent)
    if to_state in ANSWERED:
        values["answered_at"] = now
        values["resolution"] = body.note
    if body.action is Ac.REOPEN:
        values["answered_at"] = None
        values["resolution"] = None  # the earlier answer stays in the history
    if to_state is St.CLOSED:
        values["closed_at"] = now
    result = session.execute(
        update(Complaint)
        .where(col(Complaint.id) == complaint.id)
        .where(col(Complaint.version) == complaint.version)
        .where(col(Complaint.state) == current.value)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ConcurrentUpdate("The complaint changed while you acted on it; fetch it again.")
    from_state = complaint.state
    session.expire(complaint)
    complaint = session.get(Complaint, complaint_id)  # type: ignore[assignment]
    assert complaint is not None
    _record(
        session,
        complaint=complaint,
        action=body.action.value,
        from_state=from_state,
        to_state=to_state.value,
        note=body.note,
        principal=principal,
        at=now,
    )
    session.flush()
    return _detail(session, complaint, principal), complaint_etag(complaint)


def _visible_statement(principal: Principal, department: Department | None) -> Select[Any]:
    statement = select(Complaint)
    if principal.is_admin:
        if department is not None:
            statement = statement.where(col(Complaint.department) == department.value)
    elif principal.kind == ClientKind.DEPARTMENT:
        if department is not None and department.value != principal.org:
            raise NotYourDepartment("A department sees only its own complaints.")
        statement = statement.where(col(Complaint.department) == (principal.org or ""))
    elif principal.kind in FILERS:
        statement = statement.where(col(Complaint.complainant_uscc) == (principal.org or ""))
        if department is not None:
            statement = statement.where(col(Complaint.department) == department.value)
    else:
        raise ForbiddenClientKind(f"Clients of kind '{principal.kind}' may not see complaints.")
    return statement


def list_complaints(
    session: Session,
    *,
    principal: Principal,
    state: ComplaintState | None,
    department: Department | None,
    complaint_class: ComplaintClass | None,
    overdue_only: bool,
    limit: int,
    cursor: str | None,
) -> tuple[list[ComplaintPublic], str | None]:
    """Complaints the caller may see (departments: their own), oldest first, one page."""
    statement = _visible_statement(principal, department)
    if state is not None:
        statement = statement.where(col(Complaint.state) == state.value)
    if complaint_class is not None:
        statement = statement.where(col(Complaint.complaint_class) == complaint_class.value)
    if overdue_only:
        statement = statement.where(col(Complaint.state).in_([s.value for s in OPEN])).where(
            col(Complaint.deadline) < _today()
        )
    statement = paginate(statement, keys=[_COMPLAINTS.c.id], limit=limit, cursor=cursor)
    rows = session.execute(statement).scalars().all()
    kept, next_cursor = page_of(rows, limit=limit, key_of=lambda c: [c.id])
    return [_public(c, principal) for c in kept], next_cursor


def _rate(part: int, whole: int) -> tuple[str | None, int | None]:
    if whole == 0:
        return None, None
    ratio = Decimal(part) / Decimal(whole)
    return (
        str((ratio * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)),
        int((ratio * 10_000).quantize(Decimal("1"), ROUND_HALF_UP)),
    )


def stats(
    session: Session, *, principal: Principal, department: Department | None
) -> ComplaintStats:
    """Per department: totals, open, overdue, answered and on time (by the current department)."""
    if principal.kind == ClientKind.DEPARTMENT:
        department = Department(principal.org) if principal.org in set(Department) else None
        if department is None:
            return ComplaintStats(as_of=_today(), departments=[])
    elif not principal.is_admin:
        raise ForbiddenClientKind("Complaint statistics are for staff.")
    statement = select(Complaint)
    if department is not None:
        statement = statement.where(col(Complaint.department) == department.value)
    today = _today()
    counters: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for c in session.execute(statement).scalars().all():
        row = counters[c.department]
        row[0] += 1
        state = ComplaintState(c.state)
        if state in OPEN:
            row[1] += 1
            if today > c.deadline:
                row[2] += 1
        if c.answered_at is not None:
            row[3] += 1
            if shanghai_date(c.answered_at) <= c.deadline:
                row[4] += 1
    departments = []
    for name in sorted(counters):
        total, open_, overdue, answered, on_time = counters[name]
        percent, bp = _rate(on_time, answered + overdue)
        departments.append(
            DepartmentStats(
                department=name,
                total=total,
                open=open_,
                overdue=overdue,
                answered=answered,
                answered_on_time=on_time,
                on_time_percent=percent,
                on_time_bp=bp,
            )
        )
    return ComplaintStats(as_of=today, departments=departments)


_DUMMY_HASH: Final = _hash_code("not-a-code")


def track(session: Session, *, body: TrackingLookup) -> ComplaintTracking:
    """The public status of a complaint, for its ticket and access code (404 for any mismatch)."""
    complaint = (
        session.execute(
            select(Complaint).where(col(Complaint.ticket) == body.ticket.strip().upper())
        )
        .scalars()
        .first()
    )
    expected = complaint.access_code_hash if complaint is not None else _DUMMY_HASH
    matches = hmac.compare_digest(expected, _hash_code(body.access_code))
    if complaint is None or not matches:
        raise TicketNotFound("No complaint matches that ticket and access code.")
    steps = [
        TrackingStep(action=e.action, to_state=ComplaintState(e.to_state), at=e.at)
        for e in _history(session, complaint.id)
    ]
    return ComplaintTracking(
        ticket=complaint.ticket,
        subject=complaint.subject,
        category=ComplaintCategory(complaint.category),
        complaint_class=ComplaintClass(complaint.complaint_class),
        department=Department(complaint.department),
        state=ComplaintState(complaint.state),
        received_on=complaint.received_on,
        deadline=complaint.deadline,
        answered_at=complaint.answered_at,
        closed_at=complaint.closed_at,
        resolution=complaint.resolution,
        steps=steps,
    )
