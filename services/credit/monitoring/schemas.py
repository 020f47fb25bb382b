"""What the monitoring routes take and return; table models never leave the service."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

EventType = Literal["rating.changed", "record.added", "dishonesty.listed", "dishonesty.cleared"]
EVENT_TYPES: tuple[EventType, ...] = (
    "rating.changed",
    "record.added",
    "dishonesty.listed",
    "dishonesty.cleared",
)
EndpointStatus = Literal["active", "paused"]
SubscriptionStatus = Literal["active", "cancelled"]
DeliveryStatus = Literal["pending", "delivered", "failed"]

EXAMPLE_USCC = "91140105MA0KDE119Q"
EXAMPLE_ENDPOINT = "whe_01JD3Z8Q6T8V4N2M5K1H0G9F8E"
EXAMPLE_URL = "https://hooks.jsb.example.cn/credit"


class WebhookEndpointCreate(BaseModel):
    """A bank's receiver of monitoring webhooks."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"url": EXAMPLE_URL, "description": "贷后监控"}]},
    )

    url: str = Field(
        min_length=1,
        max_length=2000,
        description="Where webhooks are POSTed: https, and never a loopback, private or "
        "link-local address (checked now and before every attempt).",
        examples=[EXAMPLE_URL],
    )
    description: str | None = Field(default=None, max_length=300, examples=["贷后监控"])


class WebhookEndpointUpdate(BaseModel):
    """A change to an endpoint's URL or description (send the ETag in `If-Match`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"url": "https://hooks2.jsb.example.cn/credit"}]},
    )

    url: str | None = Field(default=None, min_length=1, max_length=2000, examples=[EXAMPLE_URL])
    description: str | None = Field(default=None, max_length=300, examples=["贷后监控"])


class WebhookEndpointPublic(BaseModel):
    """A webhook endpoint as its bank sees it (never its secret)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": EXAMPLE_ENDPOINT,
                    "url": EXAMPLE_URL,
                    "description": "贷后监控",
                    "status": "active",
                    "consecutive_failures": 0,
                    "paused_at": None,
                    "version": 1,
                    "created_at": "2026-11-27T04:13:00Z",
                    "updated_at": "2026-11-27T04:13:00Z",
                }
            ]
        }
    )

    id: str = Field(examples=[EXAMPLE_ENDPOINT])
    url: str
    description: str | None = None
    status: EndpointStatus = Field(
        description="`paused` after repeated failures: nothing is sent until it is resumed."
    )
    consecutive_failures: int = Field(description="Failed attempts since the last success.")
    paused_at: datetime | None = None
    version: int
    created_at: datetime
    updated_at: datetime


class WebhookEndpointSecretPublic(WebhookEndpointPublic):
    """An endpoint with its signing secret: shown once, when created or rotated."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": EXAMPLE_ENDPOINT,
                    "url": EXAMPLE_URL,
                    "description": "贷后监控",
                    "status": "active",
                    "consecutive_failures": 0,
                    "paused_at": None,
                    "version": 1,
                    "created_at": "2026-11-27T04:13:00Z",
                    "updated_at": "2026-11-27T04:13:00Z",
                    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                    "previous_secret_valid_until": None,
                }
            ]
        }
    )

    secret: str = Field(
        description="Standard Webhooks signing secret (`whsec_…`); it is never shown again.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )
    previous_secret_valid_until: datetime | None = Field(
        default=None,
        description="After a rotation, webhooks carry a signature with the old secret too "
        "until then.",
    )


class MonitoringSubscriptionCreate(BaseModel):
    """Watch an enterprise: needs its active consent for post-loan management to the bank."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "uscc": EXAMPLE_USCC,
                    "endpoint_id": EXAMPLE_ENDPOINT,
                    "event_types": ["rating.changed", "dishonesty.listed"],
                }
            ]
        },
    )

    uscc: str = Field(
        min_length=18,
        max_length=18,
        pattern=r"^[0-9A-Z]{18}$",
        description="The enterprise's unified social credit code.",
        examples=[EXAMPLE_USCC],
    )
    endpoint_id: str = Field(min_length=1, max_length=40, examples=[EXAMPLE_ENDPOINT])
    event_types: list[EventType] = Field(
        default_factory=lambda: list(EVENT_TYPES),
        min_length=1,
        max_length=len(EVENT_TYPES),
        description="Which changes to receive; default all.",
    )


class MonitoringSubscriptionPublic(BaseModel):
    """A bank's subscription to an enterprise's changes."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "mon_01JD3Z8Q6T8V4N2M5K1H0G9F8E",
                    "uscc": EXAMPLE_USCC,
                    "endpoint_id": EXAMPLE_ENDPOINT,
                    "event_types": ["rating.changed"],
                    "status": "active",
                    "created_at": "2026-11-27T04:13:00Z",
                    "cancelled_at": None,
                }
            ]
        }
    )

    id: str
    uscc: str
    endpoint_id: str
    event_types: list[str]
    status: SubscriptionStatus = Field(
        description="Deliveries also stop while the enterprise's consent is not active."
    )
    created_at: datetime
    cancelled_at: datetime | None = None


class WebhookAttemptPublic(BaseModel):
    """One try at sending a webhook."""

    number: int = Field(examples=[1])
    at: datetime
    status_code: int | None = Field(default=None, description="The receiver's answer, if any.")
    error: str | None = Field(default=None, examples=["HTTP 500"])
    duration_ms: int = Field(examples=[120])


class WebhookDeliveryPublic(BaseModel):
    """One event sent (or being sent) to one endpoint: the delivery log."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "msg_01JD3Z8Q6T8V4N2M5K1H0G9F8E",
                    "endpoint_id": EXAMPLE_ENDPOINT,
                    "subscription_id": "mon_01JD3Z8Q6T8V4N2M5K1H0G9F8E",
                    "event_id": "evt_01JD3Z8Q6T8V4N2M5K1H0G9F8E",
                    "event_type": "rating.changed",
                    "uscc": EXAMPLE_USCC,
                    "status": "pending",
                    "attempts": 1,
                    "next_attempt_at": "2026-11-27T04:13:05Z",
                    "last_attempt_at": "2026-11-27T04:13:00Z",
                    "last_status_code": 500,
                    "last_error": "HTTP 500",
                    "created_at": "2026-11-27T04:13:00Z",
                    "delivered_at": None,
                    "payload": {
                        "type": "rating.changed",
                        "timestamp": "2026-11-27T04:12:59Z",
                        "data": {
                            "event_id": "evt_01JD3Z8Q6T8V4N2M5K1H0G9F8E",
                            "uscc": EXAMPLE_USCC,
                            "previous": {"grade": "A", "score": 82},
                            "current": {"grade": "B", "score": 74},
                            "occurred_at": "2026-11-27T04:12:59Z",
                        },
                    },
                    "history": [
                        {
                            "number": 1,
                            "at": "2026-11-27T04:13:00Z",
                            "status_code": 500,
                            "error": "HTTP 500",
                            "duration_ms": 120,
                        }
                    ],
                }
            ]
        }
    )

    id: str = Field(description="The `webhook-id` header: the same on every attempt.")
    endpoint_id: str
    subscription_id: str
    event_id: str
    event_type: str
    uscc: str
    status: DeliveryStatus = Field(
        description="`failed` once retries are exhausted (a day after the event)."
    )
    attempts: int = Field(description="How many times it was sent.")
    next_attempt_at: datetime | None = Field(
        default=None, description="When it is sent next (pending only)."
    )
    last_attempt_at: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    created_at: datetime
    delivered_at: datetime | None = None
    payload: dict[str, Any] = Field(description="The body sent, before signing.")
    history: list[WebhookAttemptPublic] = Field(description="Every attempt, oldest first.")
