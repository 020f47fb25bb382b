"""The credit service's copy of the register, kept from the registry's feed.

The registry's events (`enterprise.filed`, `enterprise.updated`, `enterprise.deregistered`,
`indicators.reported`) are applied by `registry_handlers(...)`, which the app gives its
registry feed consumer. Each enterprise event carries the registry's `version`: an event at or
below the replica's version changes nothing, so a redelivery or a late copy never overwrites
newer data. Indicator reports are kept once each, by report id.

Other credit domains read the replica through `get_enterprise` and learn of its changes as
change listeners: `registry_handlers(listeners=[...])` calls each listener with
`(session=, uscc=, reason=)` in the consumer's transaction whenever an event really changed
something (never for a redelivery), so e.g. a rating recomputed there commits with the change
that caused it, or not at all. The app composes the listeners (services/credit/app.py).
"""

import logging
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlmodel import Session, col

from services.common.clock import utcnow
from services.common.consumer import FeedEvent, Handler
from services.common.db import dialect_insert
from services.common.replica import stored_if_older
from services.credit.enterprises.errors import UnknownEnterprise
from services.credit.enterprises.models import DEREGISTERED, EnterpriseReplica, IndicatorFiling

log = logging.getLogger("services.credit.enterprises")

# What the replica keeps of the registry's `EVENT_FIELDS` (an update names only what changed).
REPLICA_FIELDS = (
    "name",
    "district",
    "industry",
    "founded_on",
    "size_class",
    "is_tech_sme",
    "employees",
    "status",
)
INDICATOR_FIGURES = ("revenue_fen", "employees", "tech_contract_turnover_fen", "granted_patents")


class ChangeReason(StrEnum):
    """Why an enterprise's data in credit changed."""

    FILED = "filed"
    UPDATED = "updated"
    DEREGISTERED = "deregistered"
    INDICATORS = "indicators"


class ChangeListener(Protocol):
    """Called in the consumer's transaction after the replica of `uscc` changed."""

    def __call__(self, *, session: Session, uscc: str, reason: ChangeReason) -> None: ...


def get_enterprise(
    *, session: Session, uscc: str, field: str | None = None, lock: bool = False
) -> EnterpriseReplica:
    """The enterprise as credit last read it from the registry (deregistered ones included).

    Raises `UnknownEnterprise` (422) for a USCC that never filed, naming `field` (e.g.
    `"body.uscc"`) when given. `lock` holds the row for the transaction.
    """
    found = session.get(EnterpriseReplica, uscc, with_for_update=lock)
    if found is None:
        detail = f"No enterprise {uscc} has filed with the registry."
        if field is not None:
            raise UnknownEnterprise.for_field(field, detail)
        raise UnknownEnterprise(detail)
    return found


def _value(name: str, value: Any) -> Any:
    if name == "founded_on" and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def apply_filed(session: Session, payload: Mapping[str, Any]) -> bool:
    """Create (or catch up) the replica from an `enterprise.filed` payload; True if it changed."""
    uscc, version = str(payload["uscc"]), int(payload["version"])
    row = session.get(EnterpriseReplica, uscc)
    if row is not None and row.version >= version:
        return False
    values = {name: _value(name, payload[name]) for name in REPLICA_FIELDS}
    if row is None:
        row = EnterpriseReplica(
            uscc=uscc, version=version, filed_at=_moment(payload["filed_at"]), **values
        )
    else:
        for name, value in values.items():
            setattr(row, name, value)
        row.version, row.updated_at = version, utcnow()
    session.add(row)
    return True


def apply_updated(session: Session, payload: Mapping[str, Any]) -> bool:
    """Apply an `enterprise.updated` payload's changed values; True if the replica changed."""
    row = stored_if_older(session, EnterpriseReplica, str(payload["uscc"]), int(payload["version"]))
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
    row = stored_if_older(session, EnterpriseReplica, str(payload["uscc"]), int(payload["version"]))
    if row is None:
        return False
    row.status = DEREGISTERED
    row.deregistered_at = _moment(payload["deregistered_at"])
    row.version, row.updated_at = int(payload["version"]), utcnow()
    session.add(row)
    return True


def apply_indicators(session: Session, payload: Mapping[str, Any], *, reported_at: Any) -> bool:
    """Keep an `indicators.reported` report once (by report id); True if it is new."""
    figures = dict(payload.get("figures") or {})
    values = {
        "report_id": str(payload["report_id"]),
        "uscc": str(payload["uscc"]),
        "year": int(payload["year"]),
        "quarter": payload.get("quarter"),
        "source": str(payload["source"]),
        **{name: figures.get(name) for name in INDICATOR_FIGURES},
        "effective": dict(payload.get("effective") or {}),
        "reported_at": _moment(reported_at),
    }
    inserted = session.execute(
        dialect_insert(session)(IndicatorFiling.__table__)  # type: ignore[attr-defined]
        .values(**values)
        .on_conflict_do_nothing(index_elements=["report_id"])
        .returning(col(IndicatorFiling.report_id))
    ).first()
    return inserted is not None


def registry_handlers(listeners: Iterable[ChangeListener] = ()) -> dict[str, Handler]:
    """The registry feed's handlers: keep the replica, then tell `listeners` what changed."""
    told = tuple(listeners)

    def notify(session: Session, uscc: str, reason: ChangeReason) -> None:
        session.flush()  # listeners read the replica as changed
        for listener in told:
            listener(session=session, uscc=uscc, reason=reason)

    def on_filed(session: Session, event: FeedEvent) -> None:
        if apply_filed(session, event.payload):
            notify(session, str(event.payload["uscc"]), ChangeReason.FILED)

    def on_updated(session: Session, event: FeedEvent) -> None:
        if apply_updated(session, event.payload):
            notify(session, str(event.payload["uscc"]), ChangeReason.UPDATED)

    def on_deregistered(session: Session, event: FeedEvent) -> None:
        if apply_deregistered(session, event.payload):
            notify(session, str(event.payload["uscc"]), ChangeReason.DEREGISTERED)

    def on_indicators(session: Session, event: FeedEvent) -> None:
        if apply_indicators(session, event.payload, reported_at=event.occurred_at):
            notify(session, str(event.payload["uscc"]), ChangeReason.INDICATORS)

    return {
        "enterprise.filed": on_filed,
        "enterprise.updated": on_updated,
        "enterprise.deregistered": on_deregistered,
        "indicators.reported": on_indicators,
    }
