"""Webhook endpoints, subscriptions and deliveries (with every attempt) of banks' monitoring."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from services.common.models import UTCDateTime, utc_column

# Endpoint states: a paused endpoint gets nothing sent until its bank resumes it.
ENDPOINT_ACTIVE, ENDPOINT_PAUSED = "active", "paused"
# Subscription states.
SUBSCRIPTION_ACTIVE, SUBSCRIPTION_CANCELLED = "active", "cancelled"
# Delivery states: pending (due at `next_attempt_at`), delivered, or failed for good.
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


class WebhookEndpoint(SQLModel, table=True):
    """A bank's HTTPS receiver, with the secret its webhooks are signed with."""

    __tablename__ = "monitoring_endpoints"

    id: str = Field(primary_key=True, max_length=40)
    bank: str = Field(max_length=80, index=True)
    url: str = Field(max_length=2000)
    description: str | None = Field(default=None, max_length=300)
    secret: str = Field(max_length=80)
    # The secret before the last rotation, still signed with until `previous_secret_until`.
    previous_secret: str | None = Field(default=None, max_length=80)
    previous_secret_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(default=ENDPOINT_ACTIVE, max_length=16)
    consecutive_failures: int = 0
    paused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = 1
    created_by: str = Field(max_length=80)
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()


class MonitoringSubscription(SQLModel, table=True):
    """A bank watching one enterprise, delivered to one of its endpoints."""

    __tablename__ = "monitoring_subscriptions"
    __table_args__ = (
        # One live subscription per endpoint and enterprise; cancelled ones stay as history.
        Index(
            "uq_monitoring_subscriptions_live",
            "endpoint_id",
            "uscc",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_monitoring_subscriptions_uscc_status", "uscc", "status"),
    )

    id: str = Field(primary_key=True, max_length=40)
    bank: str = Field(max_length=80, index=True)
    uscc: str = Field(max_length=18)
    endpoint_id: str = Field(max_length=40, foreign_key="monitoring_endpoints.id")
    event_types: list[str] = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default=SUBSCRIPTION_ACTIVE, max_length=16)
    created_by: str = Field(max_length=80)
    created_at: datetime = utc_column()
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookDelivery(SQLModel, table=True):
    """One event for one subscription: its id is the `webhook-id`, the same on every attempt."""

    __tablename__ = "monitoring_deliveries"
    __table_args__ = (
        # Fan-out writes each event once per subscription, whichever replica runs it.
        UniqueConstraint("subscription_id", "event_id", name="uq_monitoring_deliveries_event"),
        Index("ix_monitoring_deliveries_due", "status", "next_attempt_at"),
        Index("ix_monitoring_deliveries_endpoint", "endpoint_id", "id"),
    )

    id: str = Field(primary_key=True, max_length=40)
    bank: str = Field(max_length=80, index=True)
    endpoint_id: str = Field(max_length=40, foreign_key="monitoring_endpoints.id")
    subscription_id: str = Field(max_length=40, foreign_key="monitoring_subscriptions.id")
    event_id: str = Field(max_length=40)
    event_type: str = Field(max_length=80)
    uscc: str = Field(max_length=18)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default=PENDING, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A replica sending it holds it until then (it died if the time passes).
    leased_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = utc_column()
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookAttempt(SQLModel, table=True):
    """One try at sending a delivery: when, what the receiver answered or what went wrong."""

    __tablename__ = "monitoring_delivery_attempts"

    delivery_id: str = Field(
        primary_key=True, max_length=40, foreign_key="monitoring_deliveries.id"
    )
    number: int = Field(primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime)
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=500)
    duration_ms: int = 0
