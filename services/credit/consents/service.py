"""Granting, listing, reading and revoking consents; `active_consent` for whoever needs one."""

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.sql import Select
from sqlmodel import Session, col

from services.common.clock import as_utc, utcnow
from services.common.dates import shanghai_date
from services.common.etag import Precondition, etag_of
from services.common.identity import ClientKind, Principal
from services.common.ids import new_id
from services.common.outbox import emit
from services.common.pagination import page_of, paginate
from services.credit.consents.errors import (
    ConsentAlreadyRevoked,
    ConsentNotFound,
    ConsentTooLong,
    ExpiryInPast,
    NotYourEnterprise,
)
from services.credit.consents.models import GRANTED, REVOKED, Consent
from services.credit.consents.schemas import (
    DEFAULT_DAYS,
    MAX_DAYS,
    ConsentCreate,
    ConsentFilters,
    ConsentPublic,
    ConsentPurpose,
    ConsentState,
)
from services.credit.enterprises.service import get_enterprise


def state_of(consent: Consent, at: datetime) -> ConsentState:
    """`revoked`, `expired` (after its last day, Asia/Shanghai) or `active`, at the moment `at`."""
    revoked_at = as_utc(consent.revoked_at)
    if consent.status == REVOKED and (revoked_at is None or revoked_at <= at):
        return "revoked"
    if shanghai_date(at) > consent.expires_on:
        return "expired"
    return "active"


def to_public(consent: Consent, *, at: datetime | None = None) -> ConsentPublic:
    """The consent as callers see it, its state read at `at` (now by default)."""
    return ConsentPublic(
        id=consent.id,
        uscc=consent.uscc,
        bank=consent.bank,
        purpose=ConsentPurpose(consent.purpose),
        granted_on=consent.granted_on,
        expires_on=consent.expires_on,
        state=state_of(consent, at or utcnow()),
        granted_by=consent.granted_by,
        granted_by_kind=consent.granted_by_kind,
        actor=consent.actor,
        granted_at=as_utc(consent.granted_at),
        revoked_at=as_utc(consent.revoked_at),
        revoked_by=consent.revoked_by,
        revoked_actor=consent.revoked_actor,
        version=consent.version,
    )


def etag(consent: Consent) -> str:
    """The consent's ETag (it changes when it is revoked)."""
    return etag_of(consent.id, consent.version)


def _own_enterprise(client: Principal, uscc: str | None) -> str:
    """The enterprise the caller acts for, refusing any other it names.

    The route admits only enterprises and portals (`Consenter`): other kinds get 403
    `forbidden_client_kind` before this runs.
    """
    if not client.org or (client.kind == ClientKind.PORTAL and not client.on_behalf):
        raise NotYourEnterprise("Only an enterprise, or a portal on its behalf, consents.")
    if uscc is not None and uscc != client.org:
        raise NotYourEnterprise.for_field(
            "body.uscc", f"Your token acts for {client.org}, not {uscc}."
        )
    return client.org


def _expiry(granted_on: date, expires_on: date | None) -> date:
    if expires_on is None:
        return granted_on + timedelta(days=DEFAULT_DAYS)
    if expires_on < granted_on:
        raise ExpiryInPast.for_field(
            "body.expires_on", f"expires_on {expires_on} is before today ({granted_on})."
        )
    if expires_on > granted_on + timedelta(days=MAX_DAYS):
        raise ConsentTooLong.for_field(
            "body.expires_on",
            f"A consent holds at most {MAX_DAYS} days: expires_on must be on or before "
            f"{granted_on + timedelta(days=MAX_DAYS)}.",
        )
    return expires_on


def grant_consent(*, session: Session, client: Principal, data: ConsentCreate) -> Consent:
    """Record the enterprise's consent and announce `consent.granted` (not committed)."""
    uscc = _own_enterprise(client, data.uscc)
    now = utcnow()
    granted_on = shanghai_date(now)
    expires_on = _expiry(granted_on, data.expires_on)
    get_enterprise(session=session, uscc=uscc, field="body.uscc")
    consent = Consent(
        id=new_id("cns"),
        uscc=uscc,
        bank=data.bank,
        purpose=data.purpose.value,
        granted_on=granted_on,
        expires_on=expires_on,
        status=GRANTED,
        granted_by=client.client_id,
        granted_by_kind=client.kind.value,
        actor=client.actor,
        granted_at=now,
        version=1,
    )
    session.add(consent)
    session.flush()
    emit(session, "consent.granted", _payload(consent), actor=client.actor)
    return consent


def _payload(consent: Consent) -> dict[str, Any]:
    return {
        "id": consent.id,
        "uscc": consent.uscc,
        "bank": consent.bank,
        "purpose": consent.purpose,
        "expires_on": consent.expires_on.isoformat(),
    }


def _visible(client: Principal, consent: Consent) -> bool:
    # The readers (`ConsentReader`) are banks, enterprises and portals: a bank sees what names
    # it, an enterprise (or its portal) what it granted. Any other org matches neither.
    if client.kind == ClientKind.BANK:
        return client.org is not None and consent.bank == client.org
    return client.org is not None and consent.uscc == client.org


def get_consent(*, session: Session, client: Principal, consent_id: str) -> Consent:
    """The consent if the caller granted it or received it; otherwise 404."""
    consent = session.get(Consent, consent_id)
    if consent is None or not _visible(client, consent):
        raise ConsentNotFound(f"No consent {consent_id} that you may see.")
    return consent


def _filtered(statement: Select[Any], client: Principal, filters: ConsentFilters) -> Select[Any]:
    table = Consent.__table__.c  # type: ignore[attr-defined]
    if client.kind == ClientKind.BANK:
        statement = statement.where(table.bank == (client.org or ""))
    else:
        statement = statement.where(table.uscc == (client.org or ""))
    if filters.uscc:
        statement = statement.where(table.uscc == filters.uscc)
    if filters.purpose:
        statement = statement.where(table.purpose == filters.purpose.value)
    today = shanghai_date(utcnow())
    if filters.state == "revoked":
        statement = statement.where(table.status == REVOKED)
    elif filters.state == "active":
        statement = statement.where(table.status == GRANTED, table.expires_on >= today)
    elif filters.state == "expired":
        statement = statement.where(table.status == GRANTED, table.expires_on < today)
    return statement


def list_consents(
    *, session: Session, client: Principal, filters: ConsentFilters, limit: int, cursor: str | None
) -> tuple[list[ConsentPublic], str | None]:
    """One page of the caller's consents (granted by it, or to it), oldest first."""
    table = Consent.__table__  # type: ignore[attr-defined]
    statement = _filtered(select(Consent), client, filters)
    statement = paginate(statement, keys=[table.c.id], limit=limit, cursor=cursor)
    rows = session.execute(statement).scalars().all()
    kept, next_cursor = page_of(rows, limit=limit, key_of=lambda c: [c.id])
    now = utcnow()
    return [to_public(c, at=now) for c in kept], next_cursor


def revoke_consent(
    *, session: Session, client: Principal, consent_id: str, precondition: Precondition
) -> Consent:
    """Revoke at once: from now on no report is read under it. Announces `consent.revoked`.

    Only the enterprise that granted it (or its portal; `Consenter` admits no other kind)
    finds it: anyone else, the bank it names included, gets 404.
    """
    consent = session.get(Consent, consent_id, with_for_update=True)
    if consent is None or consent.uscc != client.org:
        raise ConsentNotFound(f"No consent {consent_id} that you may see.")
    precondition(etag(consent))
    if consent.status == REVOKED:
        raise ConsentAlreadyRevoked(f"Consent {consent_id} was revoked at {consent.revoked_at}.")
    consent.status = REVOKED
    consent.revoked_at = utcnow()
    consent.revoked_by = client.client_id
    consent.revoked_actor = client.actor
    consent.version += 1
    session.add(consent)
    session.flush()
    emit(session, "consent.revoked", _payload(consent), actor=client.actor)
    return consent


def active_consent(
    *, session: Session, uscc: str, bank: str, purpose: str, at: datetime
) -> Consent | None:
    """The consent under which `bank` may read `uscc`'s report for `purpose` at the moment `at`.

    Granted at or before `at`, not revoked by then, `at` on or before its last day (Asia/Shanghai);
    of several, the one lasting longest. None when there is none.
    """
    at = as_utc(at)
    table = Consent.__table__.c  # type: ignore[attr-defined]
    statement = (
        select(Consent)
        .where(
            table.uscc == uscc,
            table.bank == bank,
            table.purpose == str(purpose),
            table.granted_at <= at,
            table.expires_on >= shanghai_date(at),
            or_(table.revoked_at.is_(None), table.revoked_at > at),
        )
        .order_by(col(Consent.expires_on).desc(), col(Consent.granted_at).desc())
        .limit(1)
    )
    return session.execute(statement).scalars().first()
