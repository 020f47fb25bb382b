"""The funding service's copy of the register and of the dishonesty list, kept from two feeds.

The registry's events (`enterprise.filed`, `enterprise.updated`, `enterprise.deregistered`) are
applied by `registry_handlers()`: each carries the registry's `version`, and an event at or below
the replica's version changes nothing, so a redelivery or a late copy never overwrites newer data.
The replica keeps what disbursements and the financing instruments need: name, status, size
class, district, industry, founding date, the technology flag, employees, registered capital and
the founder's graduation day (the graduates' interest subsidy). Personal data never arrives.

The credit service's `dishonesty.listed` / `dishonesty.cleared` are applied by
`credit_handlers()`: one row per serious-dishonesty record (listed from `listed_on`, until its
`ended_on` — credit sends no event that day — or the day it was cleared). They may arrive before
the enterprise's filing; the replica's `on_dishonesty_list` follows the latest event's
`enterprise_listed` for display, and `on_dishonesty_list(...)` answers for a given day.

Other funding domains read through `get_enterprise`, `find_enterprise` and `on_dishonesty_list`.
"""

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import exists, or_
from sqlmodel import Session, col, select

from services.common.clock import utcnow
from services.common.consumer import FeedEvent, Handler
from services.common.dates import shanghai_date
from services.common.replica import stored_if_older
from services.funding.enterprises.errors import UnknownEnterprise
from services.funding.enterprises.models import (
    ACTIVE,
    DEREGISTERED,
    FundingDishonestyListing,
    FundingEnterprise,
)

# What the replica keeps of the registry's event fields.
REPLICA_FIELDS = (
    "name",
    "district",
    "industry",
    "founded_on",
    "size_class",
    "is_tech_sme",
    "employees",
    "registered_capital_fen",
    "founder_graduated_on",
    "status",
)
_DATES = frozenset({"founded_on", "founder_graduated_on"})


def find_enterprise(*, session: Session, uscc: str) -> FundingEnterprise | None:
    """The enterprise as funding last read it from the registry, or None if it never filed."""
    return session.get(FundingEnterprise, uscc)


def get_enterprise(*, session: Session, uscc: str, field: str | None = None) -> FundingEnterprise:
    """The enterprise as funding last read it (deregistered ones included), or 422.

    Raises `UnknownEnterprise` (422 `unknown_enterprise`) for a USCC that never filed, naming
    `field` (e.g. `"body.payee_uscc"`) when given.
    """
    found = session.get(FundingEnterprise, uscc)
    if found is None:
        detail = f"No enterprise {uscc} has filed with the registry."
        if field is not None:
            raise UnknownEnterprise.for_field(field, detail)
        raise UnknownEnterprise(detail)
    return found


def _active_on(on: date) -> Any:
    return (
        (col(FundingDishonestyListing.listed_on) <= on)
        & or_(
            col(FundingDishonestyListing.ended_on).is_(None),
            col(FundingDishonestyListing.ended_on) > on,
        )
        & or_(
            col(FundingDishonestyListing.cleared_on).is_(None),
            col(FundingDishonestyListing.cleared_on) > on,
        )
    )


def _listed_by_records(session: Session, uscc: str, on: date) -> bool | None:
    """Whether the credit feed's records list `uscc` on `on`; None if it sent none about it."""
    known = session.exec(
        select(FundingDishonestyListing.record_id)
        .where(col(FundingDishonestyListing.uscc) == uscc)
        .limit(1)
    ).first()
    if known is None:
        return None
    listed = session.exec(
        select(exists().where(col(FundingDishonestyListing.uscc) == uscc).where(_active_on(on)))
    ).one()
    return bool(listed)


def on_dishonesty_list(*, session: Session, uscc: str, on: date | None = None) -> bool:
    """Whether `uscc` is on the serious-dishonesty list on `on` (default: today in Shanghai).

    From the credit feed's records when it sent any about the enterprise (a listing with a
    known end leaves the list that day by itself); otherwise the replica's flag.
    """
    day = on or shanghai_date(utcnow())
    by_records = _listed_by_records(session, uscc, day)
    if by_records is not None:
        return by_records
    row = session.get(FundingEnterprise, uscc)
    return bool(row is not None and row.on_dishonesty_list)


def _value(name: str, value: Any) -> Any:
    if name in _DATES and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def _day(value: Any) -> date | None:
    if value is None:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def apply_filed(session: Session, payload: Mapping[str, Any]) -> bool:
    """Create (or catch up) the replica from an `enterprise.filed` payload; True if it changed."""
    uscc, version = str(payload["uscc"]), int(payload["version"])
    row = session.get(FundingEnterprise, uscc)
    if row is not None and row.version >= version:
        return False
    values = {name: _value(name, payload.get(name)) for name in REPLICA_FIELDS}
    values["status"] = values["status"] or ACTIVE
    values["is_tech_sme"] = bool(values["is_tech_sme"])
    if row is None:
        listed = _listed_by_records(session, uscc, shanghai_date(utcnow()))
        row = FundingEnterprise(
            uscc=uscc, version=version, on_dishonesty_list=bool(listed), **values
        )
    else:
        for name, value in values.items():
            setattr(row, name, value)
        row.version, row.updated_at = version, utcnow()
    session.add(row)
    return True


def apply_updated(session: Session, payload: Mapping[str, Any]) -> bool:
    """Apply an `enterprise.updated` payload's changed values; True if the replica changed."""
    row = stored_if_older(session, FundingEnterprise, str(payload["uscc"]), int(payload["version"]))
    if row is None:
        return False
    for name, value in dict(payload.get("values") or {}).items():
        if name in REPLICA_FIELDS:
            setattr(row, name, _value(name, value))
    row.version, row.updated_at = int(payload["version"]), utcnow()
    session.add(row)
    return True


def apply_deregistered(session: Session, payload: Mapping[str, Any]) -> bool:
    """Mark the replica deregistered; True if it changed."""
    row = stored_if_older(session, FundingEnterprise, str(payload["uscc"]), int(payload["version"]))
    if row is None:
        return False
    row.status = DEREGISTERED
    row.version, row.updated_at = int(payload["version"]), utcnow()
    session.add(row)
    return True


def _listing(session: Session, payload: Mapping[str, Any]) -> FundingDishonestyListing:
    record_id = str(payload["record_id"])
    row = session.get(FundingDishonestyListing, record_id)
    if row is None:
        row = FundingDishonestyListing(
            record_id=record_id,
            uscc=str(payload["uscc"]),
            listed_on=_day(payload.get("listed_on")) or shanghai_date(utcnow()),
        )
    return row


def _flag(session: Session, payload: Mapping[str, Any], occurred_at: Any) -> None:
    enterprise = session.get(FundingEnterprise, str(payload["uscc"]))
    if enterprise is None:
        return
    listed = bool(payload.get("enterprise_listed"))
    if listed and not enterprise.on_dishonesty_list:
        enterprise.listed_at = _moment(occurred_at)
    enterprise.on_dishonesty_list = listed
    enterprise.updated_at = utcnow()
    session.add(enterprise)


def apply_listed(session: Session, payload: Mapping[str, Any], *, occurred_at: Any) -> None:
    """Keep a `dishonesty.listed` record: listed from `listed_on` until `ended_on`."""
    row = _listing(session, payload)
    row.listed_on = _day(payload.get("listed_on")) or row.listed_on
    row.ended_on = _day(payload.get("ended_on"))
    row.cleared_on = None
    row.updated_at = utcnow()
    session.add(row)
    _flag(session, payload, occurred_at)


def apply_cleared(session: Session, payload: Mapping[str, Any], *, occurred_at: Any) -> None:
    """Keep a `dishonesty.cleared` record: off the list from `removed_on`."""
    row = _listing(session, payload)
    row.cleared_on = _day(payload.get("removed_on")) or shanghai_date(_moment(occurred_at))
    row.updated_at = utcnow()
    session.add(row)
    _flag(session, payload, occurred_at)


def registry_handlers() -> dict[str, Handler]:
    """The registry feed's handlers (idempotent, version-ordered)."""

    def on_filed(session: Session, event: FeedEvent) -> None:
        apply_filed(session, event.payload)

    def on_updated(session: Session, event: FeedEvent) -> None:
        apply_updated(session, event.payload)

    def on_deregistered(session: Session, event: FeedEvent) -> None:
        apply_deregistered(session, event.payload)

    return {
        "enterprise.filed": on_filed,
        "enterprise.updated": on_updated,
        "enterprise.deregistered": on_deregistered,
    }


def credit_handlers() -> dict[str, Handler]:
    """The credit feed's handlers: the serious-dishonesty list, record by record."""

    def on_listed(session: Session, event: FeedEvent) -> None:
        apply_listed(session, event.payload, occurred_at=event.occurred_at)

    def on_cleared(session: Session, event: FeedEvent) -> None:
        apply_cleared(session, event.payload, occurred_at=event.occurred_at)

    return {"dishonesty.listed": on_listed, "dishonesty.cleared": on_cleared}
