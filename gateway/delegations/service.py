"""Delegations: grant, list, confirm, revoke; and the live grant the proxy checks."""

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, true
from sqlmodel import Session, col, select

from gateway.auth.caller import Caller
from gateway.auth.scopes import FILING_SCOPES
from gateway.clients.models import Client
from gateway.delegations.errors import (
    DelegationNotFound,
    DelegationRevoked,
    EnterpriseRequired,
    ExpiryNotInFuture,
    NotYourDelegation,
    PortalNotFound,
    ReferenceRequired,
)
from gateway.delegations.models import Delegation
from gateway.delegations.schemas import (
    DelegationConfirm,
    DelegationCreate,
    DelegationPublic,
    LiveGrant,
)
from services.common.clock import as_utc, utcnow
from services.common.errors import ForbiddenClientKind
from services.common.etag import Precondition, etag_of
from services.common.identity import ClientKind
from services.common.ids import new_id
from services.common.pagination import page_of, paginate

LONGEST_TERM = timedelta(days=366)
FILING_TERM = timedelta(days=30)
FILING = "filing"


def delegation_etag(delegation: Delegation) -> str:
    """The ETag of one version of a delegation."""
    return etag_of(delegation.id, delegation.version)


def to_public(delegation: Delegation, *, now: datetime | None = None) -> DelegationPublic:
    """The public view of a delegation, with its status at `now`."""
    now = now or utcnow()
    if delegation.revoked_at is not None:
        status = "revoked"
    elif as_utc(delegation.expires_at) <= now:
        status = "expired"
    else:
        status = "filing_only" if delegation.purpose == FILING else "active"
    return DelegationPublic(
        id=delegation.id,
        enterprise=delegation.enterprise,
        portal_id=delegation.portal_id,
        scopes=list(delegation.scopes),
        status=status,  # type: ignore[arg-type]
        purpose=delegation.purpose,
        reference=delegation.reference,
        granted_by=delegation.granted_by,
        granted_by_kind=delegation.granted_by_kind,
        expires_at=as_utc(delegation.expires_at),
        revoked_at=as_utc(delegation.revoked_at) if delegation.revoked_at else None,
        revoked_by=delegation.revoked_by,
        created_at=as_utc(delegation.created_at),
        updated_at=as_utc(delegation.updated_at),
    )


def _check_expiry(expires_at: datetime, *, now: datetime) -> None:
    if not now < expires_at <= now + LONGEST_TERM:
        raise ExpiryNotInFuture.for_field(
            "body.expires_at", "A delegation expires in the future, within 366 days."
        )


def _enterprise_of(caller: Caller, data: DelegationCreate) -> str:
    """The enterprise a grant is for: the caller's own, or the one an admin's paper names."""
    if caller.kind == ClientKind.ENTERPRISE:
        if data.enterprise is not None and data.enterprise != caller.org:
            raise NotYourDelegation("An enterprise grants delegations for itself only.")
        if not caller.org:
            raise NotYourDelegation("This enterprise client names no enterprise.")
        return caller.org
    if caller.kind == ClientKind.ADMIN:
        if data.enterprise is None:
            raise EnterpriseRequired.for_field(
                "body.enterprise", "An admin recording a paper authorization names the enterprise."
            )
        if data.reference is None:
            raise ReferenceRequired.for_field(
                "body.reference", "An admin recording a paper authorization gives its reference."
            )
        return data.enterprise
    raise ForbiddenClientKind(f"Clients of kind '{caller.kind}' may not grant delegations.")


def grant(session: Session, *, caller: Caller, data: DelegationCreate) -> Delegation:
    """Record a delegation from the caller's enterprise (or an admin's paper) to a portal."""
    now = utcnow()
    enterprise = _enterprise_of(caller, data)
    portal = session.get(Client, data.portal_id)
    if portal is None or portal.kind != ClientKind.PORTAL or portal.status != "active":
        raise PortalNotFound.for_field("body.portal_id", f"No active portal {data.portal_id}.")
    _check_expiry(data.expires_at, now=now)
    delegation = Delegation(
        id=new_id("dlg"),
        enterprise=enterprise,
        portal_id=portal.id,
        scopes=data.scopes,
        reference=data.reference,
        granted_by=caller.client_id,
        granted_by_kind=caller.kind,
        expires_at=data.expires_at,
        created_at=now,
        updated_at=now,
    )
    session.add(delegation)
    session.flush()
    return delegation


def _visible(caller: Caller) -> ColumnElement[bool]:
    if caller.kind == ClientKind.ADMIN:
        return true()
    if caller.kind == ClientKind.ENTERPRISE and caller.org:
        return col(Delegation.enterprise) == caller.org
    if caller.kind == ClientKind.PORTAL:
        return col(Delegation.portal_id) == caller.client_id
    raise ForbiddenClientKind(f"Clients of kind '{caller.kind}' have no delegations.")


def list_delegations(
    session: Session,
    *,
    caller: Caller,
    limit: int,
    cursor: str | None,
    enterprise: str | None = None,
    portal_id: str | None = None,
) -> tuple[list[Delegation], str | None]:
    """A page of the delegations the caller is party to (all, for an admin), oldest first."""
    statement = select(Delegation).where(_visible(caller))
    if enterprise:
        statement = statement.where(Delegation.enterprise == enterprise)
    if portal_id:
        statement = statement.where(Delegation.portal_id == portal_id)
    paged = paginate(statement, keys=[col(Delegation.id)], limit=limit, cursor=cursor)  # type: ignore[list-item]
    rows = session.exec(paged).all()  # type: ignore[call-overload]
    return page_of(rows, limit=limit, key_of=lambda d: [d.id])


def get_delegation(
    session: Session, *, caller: Caller, delegation_id: str, lock: bool = False
) -> Delegation:
    """A delegation the caller is party to (locked for update when asked), or 404."""
    statement = select(Delegation).where(Delegation.id == delegation_id).where(_visible(caller))
    row = session.exec(statement.with_for_update() if lock else statement).first()
    if row is None:
        raise DelegationNotFound(f"No delegation {delegation_id}.")
    return row


def _owned(
    session: Session, *, caller: Caller, delegation_id: str, precondition: Precondition
) -> Delegation:
    """A delegation the caller may change (its enterprise's, or any for an admin), locked and
    matching the request's `If-Match`."""
    row = get_delegation(session, caller=caller, delegation_id=delegation_id, lock=True)
    if caller.kind not in (ClientKind.ADMIN, ClientKind.ENTERPRISE):
        raise NotYourDelegation("Only the enterprise or an admin may change a delegation.")
    precondition(delegation_etag(row))
    return row


def revoke(
    session: Session, *, caller: Caller, delegation_id: str, precondition: Precondition
) -> Delegation:
    """End a delegation now (a second revocation changes nothing)."""
    row = _owned(session, caller=caller, delegation_id=delegation_id, precondition=precondition)
    if row.revoked_at is None:
        now = utcnow()
        row.revoked_at = now
        row.revoked_by = caller.client_id
        row.updated_at = now
        row.version += 1
        session.add(row)
        session.flush()
    return row


def confirm(
    session: Session,
    *,
    caller: Caller,
    delegation_id: str,
    data: DelegationConfirm,
    precondition: Precondition,
) -> Delegation:
    """Confirm a filing-only delegation or extend one: new scopes and expiry."""
    row = _owned(session, caller=caller, delegation_id=delegation_id, precondition=precondition)
    if row.revoked_at is not None:
        raise DelegationRevoked(f"Delegation {delegation_id} was revoked; grant a new one.")
    now = utcnow()
    _check_expiry(data.expires_at, now=now)
    row.scopes = data.scopes
    row.expires_at = data.expires_at
    row.purpose = None
    row.updated_at = now
    row.version += 1
    session.add(row)
    session.flush()
    return row


def live_grant(session: Session, *, portal_id: str, enterprise: str) -> LiveGrant | None:
    """The portal's live delegation for the enterprise (a full one before a filing-only one)."""
    now = utcnow()
    rows = session.exec(
        select(Delegation)
        .where(Delegation.portal_id == portal_id, Delegation.enterprise == enterprise)
        .where(col(Delegation.revoked_at).is_(None), col(Delegation.expires_at) > now)
    ).all()
    if not rows:
        return None
    best = min(rows, key=lambda d: (d.purpose == FILING, d.id))
    return LiveGrant(id=best.id, scopes=frozenset(best.scopes), filing_only=best.purpose == FILING)


def record_filing(session: Session, *, portal_id: str, enterprise: str) -> Delegation | None:
    """After a portal filed a new enterprise: a delegation good for that filing only."""
    if live_grant(session, portal_id=portal_id, enterprise=enterprise) is not None:
        return None
    now = utcnow()
    delegation = Delegation(
        id=new_id("dlg"),
        enterprise=enterprise,
        portal_id=portal_id,
        scopes=sorted(FILING_SCOPES),
        purpose=FILING,
        granted_by=portal_id,
        granted_by_kind=ClientKind.PORTAL,
        expires_at=now + FILING_TERM,
        created_at=now,
        updated_at=now,
    )
    session.add(delegation)
    session.flush()
    return delegation
