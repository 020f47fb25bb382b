"""Endpoints, subscriptions and the delivery log of banks' monitoring; fan-out and attempts.

A bank registers endpoints (an https URL and a signing secret) and subscribes them to
enterprises whose consent for post-loan management it holds. The fan-out turns the credit
service's own outbox events into one delivery per matching subscription; the delivery job
claims due deliveries, sends them signed and records every attempt here.
"""

import base64
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.common.clock import as_utc, utcnow
from services.common.db import dialect_insert
from services.common.etag import Precondition, etag_of
from services.common.identity import Principal
from services.common.ids import new_id
from services.common.jobs import claim_due as kernel_claim_due
from services.common.models import OutboxEvent
from services.common.pagination import page_of, paginate
from services.credit.consents.schemas import ConsentPurpose
from services.credit.consents.service import active_consent
from services.credit.monitoring.addresses import Resolver, check_destination
from services.credit.monitoring.errors import (
    MonitoringConsentRequired,
    SubscriptionCancelled,
    SubscriptionExists,
    SubscriptionNotFound,
    WebhookDeliveryNotFound,
    WebhookEndpointNotFound,
    WebhookEndpointNotPaused,
)
from services.credit.monitoring.models import (
    DELIVERED,
    ENDPOINT_ACTIVE,
    ENDPOINT_PAUSED,
    FAILED,
    PENDING,
    SUBSCRIPTION_ACTIVE,
    SUBSCRIPTION_CANCELLED,
    MonitoringSubscription,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from services.credit.monitoring.schemas import (
    EVENT_TYPES,
    MonitoringSubscriptionCreate,
    MonitoringSubscriptionPublic,
    WebhookAttemptPublic,
    WebhookDeliveryPublic,
    WebhookEndpointCreate,
    WebhookEndpointPublic,
    WebhookEndpointSecretPublic,
    WebhookEndpointUpdate,
)

CONSENT_PURPOSE = ConsentPurpose.POST_LOAN_MANAGEMENT.value
# After a rotation the old secret still signs (a second signature) for this long.
ROTATION_GRACE = timedelta(hours=24)
# Retries: 5 s, 25 s, 125 s … (×5), each at most 6 h apart, none later than a day after the event.
FIRST_RETRY = timedelta(seconds=5)
RETRY_FACTOR = 5
MAX_RETRY = timedelta(hours=6)
RETRY_WINDOW = timedelta(hours=24)
CANCELLED_ERROR = "Subscription cancelled."
T = TypeVar("T")


# Reading -------------------------------------------------------------------------------------


def endpoint_etag(endpoint: WebhookEndpoint) -> str:
    """The ETag of an endpoint's current version."""
    return etag_of(endpoint.id, endpoint.version)


def to_endpoint_public(endpoint: WebhookEndpoint) -> WebhookEndpointPublic:
    """The API view of an endpoint, without its secret."""
    return WebhookEndpointPublic(
        id=endpoint.id,
        url=endpoint.url,
        description=endpoint.description,
        status="paused" if endpoint.status == ENDPOINT_PAUSED else "active",
        consecutive_failures=endpoint.consecutive_failures,
        paused_at=as_utc(endpoint.paused_at),
        version=endpoint.version,
        created_at=as_utc(endpoint.created_at),
        updated_at=as_utc(endpoint.updated_at),
    )


def to_secret_public(endpoint: WebhookEndpoint) -> WebhookEndpointSecretPublic:
    """The API view of an endpoint with its secret: only when created or rotated."""
    return WebhookEndpointSecretPublic(
        **to_endpoint_public(endpoint).model_dump(),
        secret=endpoint.secret,
        previous_secret_valid_until=as_utc(endpoint.previous_secret_until),
    )


def to_subscription_public(subscription: MonitoringSubscription) -> MonitoringSubscriptionPublic:
    """The API view of a subscription."""
    return MonitoringSubscriptionPublic(
        id=subscription.id,
        uscc=subscription.uscc,
        endpoint_id=subscription.endpoint_id,
        event_types=list(subscription.event_types),
        status="cancelled" if subscription.status == SUBSCRIPTION_CANCELLED else "active",
        created_at=as_utc(subscription.created_at),
        cancelled_at=as_utc(subscription.cancelled_at),
    )


def _to_delivery_public(
    delivery: WebhookDelivery, history: Sequence[WebhookAttempt]
) -> WebhookDeliveryPublic:
    status = {DELIVERED: "delivered", FAILED: "failed"}.get(delivery.status, "pending")
    return WebhookDeliveryPublic(
        id=delivery.id,
        endpoint_id=delivery.endpoint_id,
        subscription_id=delivery.subscription_id,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        uscc=delivery.uscc,
        status=status,  # type: ignore[arg-type]
        attempts=delivery.attempts,
        next_attempt_at=as_utc(delivery.next_attempt_at),
        last_attempt_at=as_utc(delivery.last_attempt_at),
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
        created_at=as_utc(delivery.created_at),
        delivered_at=as_utc(delivery.delivered_at),
        payload=delivery.payload,
        history=[
            WebhookAttemptPublic(
                number=attempt.number,
                at=as_utc(attempt.at),
                status_code=attempt.status_code,
                error=attempt.error,
                duration_ms=attempt.duration_ms,
            )
            for attempt in history
        ],
    )


def _deliveries_public(
    session: Session, deliveries: Sequence[WebhookDelivery]
) -> list[WebhookDeliveryPublic]:
    ids = [delivery.id for delivery in deliveries]
    history: dict[str, list[WebhookAttempt]] = {delivery_id: [] for delivery_id in ids}
    if ids:
        for attempt in session.exec(
            select(WebhookAttempt)
            .where(col(WebhookAttempt.delivery_id).in_(ids))
            .order_by(col(WebhookAttempt.delivery_id), col(WebhookAttempt.number))
        ).all():
            history[attempt.delivery_id].append(attempt)
    return [_to_delivery_public(delivery, history[delivery.id]) for delivery in deliveries]


def _page(
    session: Session, statement: Any, model: type[T], *, limit: int, cursor: str | None
) -> tuple[list[T], str | None]:
    """One page of `statement`'s rows of `model`, by id (ids are sortable ULIDs)."""
    key = model.__table__.c.id  # type: ignore[attr-defined]
    rows = session.execute(paginate(statement, keys=[key], limit=limit, cursor=cursor))
    return page_of(rows.scalars().all(), limit=limit, key_of=lambda row: [row.id])


# Endpoints -----------------------------------------------------------------------------------


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def get_endpoint(*, session: Session, client: Principal, endpoint_id: str) -> WebhookEndpoint:
    """One of the caller's bank's endpoints (404 for anyone else's)."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.bank != client.org:
        raise WebhookEndpointNotFound(f"No webhook endpoint {endpoint_id!r} of your bank.")
    return endpoint


def _locked_endpoint(*, session: Session, client: Principal, endpoint_id: str) -> WebhookEndpoint:
    endpoint = session.exec(
        select(WebhookEndpoint).where(col(WebhookEndpoint.id) == endpoint_id).with_for_update()
    ).first()
    if endpoint is None or endpoint.bank != client.org:
        raise WebhookEndpointNotFound(f"No webhook endpoint {endpoint_id!r} of your bank.")
    return endpoint


def create_endpoint(
    *,
    session: Session,
    client: Principal,
    data: WebhookEndpointCreate,
    allow_private: bool,
    resolver: Resolver,
) -> WebhookEndpoint:
    """Register a receiver after checking its URL; its secret is generated here."""
    check_destination(data.url, allow_private=allow_private, resolver=resolver)
    now = utcnow()
    endpoint = WebhookEndpoint(
        id=new_id("whe"),
        bank=str(client.org),
        url=data.url,
        description=data.description,
        secret=new_secret(),
        created_by=client.client_id,
        created_at=now,
        updated_at=now,
    )
    session.add(endpoint)
    session.flush()
    return endpoint


def list_endpoints(
    *, session: Session, client: Principal, limit: int, cursor: str | None
) -> tuple[list[WebhookEndpointPublic], str | None]:
    """The caller's bank's endpoints, oldest first."""
    statement = select(WebhookEndpoint).where(col(WebhookEndpoint.bank) == client.org)
    rows, next_cursor = _page(session, statement, WebhookEndpoint, limit=limit, cursor=cursor)
    return [to_endpoint_public(row) for row in rows], next_cursor


def update_endpoint(
    *,
    session: Session,
    client: Principal,
    endpoint_id: str,
    changes: WebhookEndpointUpdate,
    precondition: Precondition,
    allow_private: bool,
    resolver: Resolver,
) -> WebhookEndpoint:
    """Change an endpoint's URL (checked again) or description."""
    endpoint = _locked_endpoint(session=session, client=client, endpoint_id=endpoint_id)
    precondition(endpoint_etag(endpoint))
    fields = changes.model_dump(exclude_unset=True)
    if fields.get("url") is not None:
        check_destination(fields["url"], allow_private=allow_private, resolver=resolver)
        endpoint.url = fields["url"]
    if "description" in fields:
        endpoint.description = fields["description"]
    endpoint.version += 1
    endpoint.updated_at = utcnow()
    session.add(endpoint)
    session.flush()
    return endpoint


def rotate_secret(
    *, session: Session, client: Principal, endpoint_id: str, precondition: Precondition
) -> WebhookEndpoint:
    """A new signing secret; the old one keeps signing too for `ROTATION_GRACE`."""
    endpoint = _locked_endpoint(session=session, client=client, endpoint_id=endpoint_id)
    precondition(endpoint_etag(endpoint))
    now = utcnow()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = now + ROTATION_GRACE
    endpoint.secret = new_secret()
    endpoint.version += 1
    endpoint.updated_at = now
    session.add(endpoint)
    session.flush()
    return endpoint


def resume_endpoint(
    *, session: Session, client: Principal, endpoint_id: str, precondition: Precondition
) -> WebhookEndpoint:
    """Resume a paused endpoint: its pending deliveries are due at once."""
    endpoint = _locked_endpoint(session=session, client=client, endpoint_id=endpoint_id)
    precondition(endpoint_etag(endpoint))
    if endpoint.status != ENDPOINT_PAUSED:
        raise WebhookEndpointNotPaused(f"Webhook endpoint {endpoint_id!r} is not paused.")
    now = utcnow()
    endpoint.status = ENDPOINT_ACTIVE
    endpoint.consecutive_failures = 0
    endpoint.paused_at = None
    endpoint.version += 1
    endpoint.updated_at = now
    session.add(endpoint)
    session.execute(
        update(WebhookDelivery)
        .where(col(WebhookDelivery.endpoint_id) == endpoint.id)
        .where(col(WebhookDelivery.status) == PENDING)
        .values(next_attempt_at=now, leased_until=None)
    )
    session.flush()
    return endpoint


# Subscriptions -------------------------------------------------------------------------------


def _has_consent(session: Session, *, uscc: str, bank: str, at: datetime) -> bool:
    consent = active_consent(session=session, uscc=uscc, bank=bank, purpose=CONSENT_PURPOSE, at=at)
    return consent is not None


def subscribe(
    *, session: Session, client: Principal, data: MonitoringSubscriptionCreate
) -> MonitoringSubscription:
    """Subscribe one of the bank's endpoints to an enterprise it holds post-loan consent for."""
    bank = str(client.org)
    endpoint = get_endpoint(session=session, client=client, endpoint_id=data.endpoint_id)
    now = utcnow()
    if not _has_consent(session, uscc=data.uscc, bank=bank, at=now):
        raise MonitoringConsentRequired(
            f"Enterprise {data.uscc} has given {bank} no active consent for "
            f"{CONSENT_PURPOSE}; it must grant one before it can be monitored."
        )
    live = session.exec(
        select(MonitoringSubscription.id)
        .where(col(MonitoringSubscription.endpoint_id) == endpoint.id)
        .where(col(MonitoringSubscription.uscc) == data.uscc)
        .where(col(MonitoringSubscription.status) == SUBSCRIPTION_ACTIVE)
    ).first()
    if live is not None:
        raise SubscriptionExists(
            f"Endpoint {endpoint.id} already watches {data.uscc} (subscription {live})."
        )
    subscription = MonitoringSubscription(
        id=new_id("mon"),
        bank=bank,
        uscc=data.uscc,
        endpoint_id=endpoint.id,
        event_types=[kind for kind in EVENT_TYPES if kind in set(data.event_types)],
        created_by=client.client_id,
        created_at=now,
    )
    try:
        with session.begin_nested():  # added inside: begin_nested() flushes what is pending first
            session.add(subscription)
            session.flush()
    except IntegrityError as exc:  # a concurrent subscribe of the same pair won
        raise SubscriptionExists(f"Endpoint {endpoint.id} already watches {data.uscc}.") from exc
    return subscription


def get_subscription(
    *, session: Session, client: Principal, subscription_id: str
) -> MonitoringSubscription:
    """One of the caller's bank's subscriptions (404 for anyone else's)."""
    subscription = session.get(MonitoringSubscription, subscription_id)
    if subscription is None or subscription.bank != client.org:
        raise SubscriptionNotFound(f"No monitoring subscription {subscription_id!r} of your bank.")
    return subscription


def list_subscriptions(
    *,
    session: Session,
    client: Principal,
    uscc: str | None,
    endpoint_id: str | None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[MonitoringSubscriptionPublic], str | None]:
    """The caller's bank's subscriptions, oldest first, optionally filtered."""
    statement = select(MonitoringSubscription).where(col(MonitoringSubscription.bank) == client.org)
    if uscc is not None:
        statement = statement.where(col(MonitoringSubscription.uscc) == uscc)
    if endpoint_id is not None:
        statement = statement.where(col(MonitoringSubscription.endpoint_id) == endpoint_id)
    if status is not None:
        statement = statement.where(col(MonitoringSubscription.status) == status)
    rows, next_cursor = _page(
        session, statement, MonitoringSubscription, limit=limit, cursor=cursor
    )
    return [to_subscription_public(row) for row in rows], next_cursor


def cancel_subscription(
    *, session: Session, client: Principal, subscription_id: str
) -> MonitoringSubscription:
    """Cancel a subscription: nothing more is fanned out, and what is pending is not sent."""
    subscription = session.exec(
        select(MonitoringSubscription)
        .where(col(MonitoringSubscription.id) == subscription_id)
        .with_for_update()
    ).first()
    if subscription is None or subscription.bank != client.org:
        raise SubscriptionNotFound(f"No monitoring subscription {subscription_id!r} of your bank.")
    if subscription.status == SUBSCRIPTION_CANCELLED:
        raise SubscriptionCancelled(f"Subscription {subscription_id} is already cancelled.")
    now = utcnow()
    subscription.status = SUBSCRIPTION_CANCELLED
    subscription.cancelled_at = now
    session.add(subscription)
    session.execute(
        update(WebhookDelivery)
        .where(col(WebhookDelivery.subscription_id) == subscription.id)
        .where(col(WebhookDelivery.status) == PENDING)
        .values(status=FAILED, next_attempt_at=None, leased_until=None, last_error=CANCELLED_ERROR)
    )
    session.flush()
    return subscription


# The delivery log ----------------------------------------------------------------------------


def list_deliveries(
    *,
    session: Session,
    client: Principal,
    endpoint_id: str | None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[WebhookDeliveryPublic], str | None]:
    """The caller's bank's deliveries, oldest first, with every attempt."""
    statement = select(WebhookDelivery).where(col(WebhookDelivery.bank) == client.org)
    if endpoint_id is not None:
        get_endpoint(session=session, client=client, endpoint_id=endpoint_id)
        statement = statement.where(col(WebhookDelivery.endpoint_id) == endpoint_id)
    if status is not None:
        statement = statement.where(col(WebhookDelivery.status) == status)
    rows, next_cursor = _page(session, statement, WebhookDelivery, limit=limit, cursor=cursor)
    return _deliveries_public(session, rows), next_cursor


def get_delivery(*, session: Session, client: Principal, delivery_id: str) -> WebhookDeliveryPublic:
    """One of the caller's bank's deliveries with its attempts."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.bank != client.org:
        raise WebhookDeliveryNotFound(f"No webhook delivery {delivery_id!r} of your bank.")
    return _deliveries_public(session, [delivery])[0]


# Fan-out -------------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    return (
        as_utc(value).isoformat().replace("+00:00", "Z") if isinstance(value, datetime) else value
    )


def webhook_payload(event: OutboxEvent) -> dict[str, Any]:
    """The body a bank receives (Standard Webhooks shape: type, timestamp, data).

    `previous`/`current`: the event's own when it carries them (`rating.changed`); otherwise
    nothing before and the event's facts (without the enterprise code and actor) now.
    """
    payload = dict(event.payload)
    if "current" in payload:
        previous, current = payload.get("previous"), payload["current"]
    else:
        previous = payload.get("previous")
        current = {
            key: value for key, value in payload.items() if key not in ("uscc", "previous", "actor")
        }
    occurred_at = _jsonable(event.occurred_at)
    return {
        "type": event.type,
        "timestamp": occurred_at,
        "data": {
            "event_id": event.id,
            "uscc": payload.get("uscc"),
            "previous": previous,
            "current": current,
            "occurred_at": occurred_at,
        },
    }


def fan_out(*, session: Session, events: Iterable[OutboxEvent], now: datetime) -> int:
    """One delivery per event and matching live subscription whose consent is active now.

    A delivery already written for the pair is left as it is (`ON CONFLICT DO NOTHING`), so a
    repeated fan-out of the same events writes nothing twice. Returns how many were written.
    """
    wanted = [event for event in events if event.type in EVENT_TYPES]
    usccs = {str(event.payload.get("uscc")) for event in wanted if event.payload.get("uscc")}
    if not usccs:
        return 0
    subscriptions = session.exec(
        select(MonitoringSubscription)
        .where(col(MonitoringSubscription.uscc).in_(usccs))
        .where(col(MonitoringSubscription.status) == SUBSCRIPTION_ACTIVE)
        .order_by(col(MonitoringSubscription.id))
    ).all()
    consent: dict[tuple[str, str], bool] = {}
    rows: list[dict[str, Any]] = []
    for event in wanted:
        uscc = event.payload.get("uscc")
        for subscription in subscriptions:
            if subscription.uscc != uscc or event.type not in subscription.event_types:
                continue
            pair = (subscription.uscc, subscription.bank)
            if pair not in consent:
                consent[pair] = _has_consent(session, uscc=pair[0], bank=pair[1], at=now)
            if not consent[pair]:
                continue
            rows.append(
                {
                    "id": new_id("msg"),
                    "bank": subscription.bank,
                    "endpoint_id": subscription.endpoint_id,
                    "subscription_id": subscription.id,
                    "event_id": event.id,
                    "event_type": event.type,
                    "uscc": subscription.uscc,
                    "payload": webhook_payload(event),
                    "status": PENDING,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
            )
    if not rows:
        return 0
    table = WebhookDelivery.__table__  # type: ignore[attr-defined]
    insert = dialect_insert(session)(table).on_conflict_do_nothing(
        index_elements=["subscription_id", "event_id"]
    )
    written = 0
    for row in rows:
        written += session.execute(insert.values(**row)).rowcount or 0  # type: ignore[attr-defined]
    return written


# Attempts ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DueDelivery:
    """A claimed delivery and what it takes to send it."""

    id: str
    endpoint_id: str
    url: str
    secrets: tuple[str, ...]
    payload: dict[str, Any]
    attempt: int


def claim_due(
    *, session: Session, now: datetime, limit: int, lease: timedelta
) -> list[DueDelivery]:
    """Take up to `limit` due deliveries of active endpoints for `lease` (one replica each).

    The kernel's `claim_due`: `FOR UPDATE SKIP LOCKED` on PostgreSQL, so replicas claiming at
    once take different rows; on SQLite the write transaction excludes other claimers. The
    lease is committed with the claim, the sending happens outside any transaction.
    """
    active = select(WebhookEndpoint.id).where(col(WebhookEndpoint.status) == ENDPOINT_ACTIVE)
    due = (
        select(WebhookDelivery)
        .where(col(WebhookDelivery.status) == PENDING)
        .where(col(WebhookDelivery.next_attempt_at) <= now)
        .where(
            col(WebhookDelivery.leased_until).is_(None) | (col(WebhookDelivery.leased_until) <= now)
        )
        .where(col(WebhookDelivery.endpoint_id).in_(active))
        .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
    )
    deliveries = kernel_claim_due(session, due, limit=limit)
    endpoints = {
        endpoint.id: endpoint
        for endpoint in session.exec(
            select(WebhookEndpoint).where(
                col(WebhookEndpoint.id).in_({delivery.endpoint_id for delivery in deliveries})
            )
        ).all()
    }
    claimed: list[DueDelivery] = []
    for delivery in deliveries:
        endpoint = endpoints[delivery.endpoint_id]
        delivery.leased_until = now + lease
        session.add(delivery)
        keys = [endpoint.secret]
        until = as_utc(endpoint.previous_secret_until)
        if endpoint.previous_secret and until is not None and until > now:
            keys.append(endpoint.previous_secret)
        claimed.append(
            DueDelivery(
                id=delivery.id,
                endpoint_id=endpoint.id,
                url=endpoint.url,
                secrets=tuple(keys),
                payload=dict(delivery.payload),
                attempt=delivery.attempts + 1,
            )
        )
    session.flush()
    return claimed


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: 5 s, 25 s, 125 s … at most 6 h."""
    delay = FIRST_RETRY * RETRY_FACTOR ** max(0, min(attempts - 1, 20))
    return min(delay, MAX_RETRY)


def record_attempt(
    *,
    session: Session,
    delivery_id: str,
    at: datetime,
    status_code: int | None,
    error: str | None,
    duration_ms: int,
    pause_after: int,
) -> WebhookDelivery | None:
    """Record one attempt: delivered on a 2xx, else the next try (or failed), maybe a pause.

    None when the delivery is no longer pending (cancelled meanwhile): nothing is recorded.
    """
    delivery = session.exec(
        select(WebhookDelivery).where(col(WebhookDelivery.id) == delivery_id).with_for_update()
    ).first()
    if delivery is None or delivery.status != PENDING:
        return None
    endpoint = session.exec(
        select(WebhookEndpoint)
        .where(col(WebhookEndpoint.id) == delivery.endpoint_id)
        .with_for_update()
    ).one()
    delivery.attempts += 1
    delivery.last_attempt_at = at
    delivery.last_status_code = status_code
    delivery.last_error = error[:500] if error else None
    delivery.leased_until = None
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            number=delivery.attempts,
            at=at,
            status_code=status_code,
            error=delivery.last_error,
            duration_ms=duration_ms,
        )
    )
    if status_code is not None and 200 <= status_code < 300:
        delivery.status = DELIVERED
        delivery.delivered_at = at
        delivery.next_attempt_at = None
        endpoint.consecutive_failures = 0
    else:
        following = at + retry_delay(delivery.attempts)
        if following > as_utc(delivery.created_at) + RETRY_WINDOW:
            delivery.status = FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = following
        endpoint.consecutive_failures += 1
        if endpoint.status == ENDPOINT_ACTIVE and endpoint.consecutive_failures >= pause_after:
            endpoint.status = ENDPOINT_PAUSED
            endpoint.paused_at = at
            endpoint.version += 1
            endpoint.updated_at = at
    session.add(delivery)
    session.add(endpoint)
    session.flush()
    return delivery
