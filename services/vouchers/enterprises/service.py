"""The vouchers service's copy of the register and of the dishonesty list, kept from two feeds.

The registry's events (`enterprise.filed`, `enterprise.updated`, `enterprise.deregistered`) are
applied by `registry_handlers()`: each carries the registry's `version`, and an event at or below
the replica's version changes nothing, so a redelivery or a late copy never overwrites newer data
(the credit replica's pattern). The replica keeps what eligibility and the related-party check
need: status, size class, district, founding date, the technology flag and the legal
representative's keyed hash (`legal_rep_id_hash`, the registry's HMAC, never the number).

The credit service's `dishonesty.listed` / `dishonesty.cleared` are applied by
`credit_handlers()`: one row per serious-dishonesty record (listed from `listed_on`, until its
`ended_on` — credit sends no event that day — or the day it was cleared). They may arrive before
the enterprise's filing; the replica's `on_dishonesty_list` follows the latest event's
`enterprise_listed` for display, and `on_dishonesty_list(...)` answers for a given day.

Other vouchers domains read through `get_enterprise` and `on_dishonesty_list`.
"""

import logging
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, bindparam, case, func, or_
from sqlmodel import Session, col, select

from services.common.clock import utcnow
from services.common.consumer import FeedEvent, Handler
from services.common.dates import shanghai_date
from services.common.replica import stored_if_older
from services.vouchers.enterprises.errors import UnknownEnterprise
from services.vouchers.enterprises.models import (
    DEREGISTERED,
    DishonestyListing,
    VoucherEnterprise,
)

log = logging.getLogger("services.vouchers.enterprises")

# What the replica keeps of the registry's `EVENT_FIELDS` (+ the legal representative's hash).
REPLICA_FIELDS = (
    "name",
    "district",
    "founded_on",
    "size_class",
    "is_tech_sme",
    "status",
    "legal_rep_id_hash",
)


def get_enterprise(
    *, session: Session, uscc: str, field: str | None = None, lock: bool = False
) -> VoucherEnterprise:
    """The enterprise as vouchers last read it from the registry (deregistered ones included).

    Raises `UnknownEnterprise` (422 `unknown_enterprise`) for a USCC that never filed, naming
    `field` (e.g. `"body.uscc"`) when given. `lock` holds the row for the transaction.
    """
    found = session.get(VoucherEnterprise, uscc, with_for_update=lock)
    if found is None:
        detail = f"No enterprise {uscc} has filed with the registry."
        if field is not None:
            raise UnknownEnterprise.for_field(field, detail)
        raise UnknownEnterprise(detail)
    return found


def _active_on(on: Any) -> Any:
    return (
        (col(DishonestyListing.listed_on) <= on)
        & or_(col(DishonestyListing.ended_on).is_(None), col(DishonestyListing.ended_on) > on)
        & or_(col(DishonestyListing.cleared_on).is_(None), col(DishonestyListing.cleared_on) > on)
    )


# Built once (every redemption asks): how many records there are about a USCC, and whether one
# is active on a day.
_LISTED = select(
    func.count(),
    func.coalesce(func.max(case((_active_on(bindparam("on", type_=Date)), 1), else_=0)), 0),
).where(col(DishonestyListing.uscc) == bindparam("uscc"))


def _listed_by_records(session: Session, uscc: str, on: date) -> bool | None:
    """Whether the credit feed's records list `uscc` on `on`; None if it sent none about it."""
    known, listed = session.execute(_LISTED, {"uscc": uscc, "on": on}).one()
    if not known:
        return None
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
    row = session.get(VoucherEnterprise, uscc)
    return bool(row is not None and row.on_dishonesty_list)


def _value(name: str, value: Any) -> Any:
    if name == "founded_on" and isinstance(value, str):
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
    row = session.get(VoucherEnterprise, uscc)
    if row is not None and row.version >= version:
        return False
    values = {name: _value(name, payload.get(name)) for name in REPLICA_FIELDS}
    values["status"] = values["status"] or "active"
    if row is None:
        listed = _listed_by_records(session, uscc, shanghai_date(utcnow()))
        row = VoucherEnterprise(
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
    row = stored_if_older(session, VoucherEnterprise, str(payload["uscc"]), int(payload["version"]))
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
    row = stored_if_older(session, VoucherEnterprise, str(payload["uscc"]), int(payload["version"]))
    if row is None:
        return False
    row.status = DEREGISTERED
    row.version, row.updated_at = int(payload["version"]), utcnow()
    session.add(row)
    return True


def _listing(session: Session, payload: Mapping[str, Any]) -> DishonestyListing:
    record_id = str(payload["record_id"])
    row = session.get(DishonestyListing, record_id)
    if row is None:
        row = DishonestyListing(
            record_id=record_id,
            uscc=str(payload["uscc"]),
            listed_on=_day(payload.get("listed_on")) or shanghai_date(utcnow()),
        )
    return row


def _flag(session: Session, payload: Mapping[str, Any], occurred_at: Any) -> None:
    enterprise = session.get(VoucherEnterprise, str(payload["uscc"]))
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
