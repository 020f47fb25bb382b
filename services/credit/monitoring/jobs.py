"""The two jobs of monitoring, run in the credit service's own process by its lifespan.

- `FanOutJob` reads the service's own outbox after its cursor (the kernel's consumer cursor
  row `credit.webhooks`, claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so one replica
  at a time advances it) and writes the deliveries, in the same transaction as the cursor.
- `DeliveryJob` claims due deliveries under a lease (`FOR UPDATE SKIP LOCKED`), signs each with
  Standard Webhooks, POSTs it to the checked address and records the attempt.

Both take `now` (and the delivery a sender), so tests drive them with `run_once(now=…)` and no
sleeps. The app runs them as the kernel's workers (`services.common.jobs`), on every replica.
"""

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlmodel import Session, col, select
from standardwebhooks import Webhook
from starlette.concurrency import run_in_threadpool

from services.common.app import WorkerFactory
from services.common.clock import utcnow
from services.common.consumer import claim_cursor
from services.common.db import Database
from services.common.errors import DomainError
from services.common.jobs import PeriodicJob, Worker
from services.common.models import ConsumerCursor, OutboxEvent
from services.credit.monitoring import service
from services.credit.monitoring.addresses import (
    Destination,
    Resolver,
    check_destination,
    system_resolver,
)
from services.credit.settings import CreditSettings

log = logging.getLogger("services.credit.monitoring")

CURSOR = "credit.webhooks"


class FanOutJob:
    """Turns new outbox events into deliveries, once, whichever replica runs it."""

    def __init__(self, *, database: Database, name: str = CURSOR, batch_size: int = 200) -> None:
        self.database = database
        self.name = name
        self.batch_size = batch_size

    def position(self) -> int:
        """How far the outbox has been fanned out."""
        with self.database.session(write=False) as session:
            cursor = session.get(ConsumerCursor, self.name)
            return cursor.position if cursor else 0

    def step(self, session: Session, *, now: datetime | None = None) -> int:
        """Fan out one batch in the caller's transaction; how many events were read (0: none,
        or another replica holds the cursor)."""
        now = now or utcnow()
        cursor = claim_cursor(session, self.name)
        if cursor is None:
            return 0
        events = session.exec(
            select(OutboxEvent)
            .where(col(OutboxEvent.seq) > cursor.position)
            .order_by(col(OutboxEvent.seq))
            .limit(self.batch_size)
        ).all()
        if not events:
            return 0
        service.fan_out(session=session, events=events, now=now)
        cursor.position = int(events[-1].seq or cursor.position)
        cursor.updated_at = now
        session.add(cursor)
        return len(events)

    def run_once(self, *, now: datetime | None = None) -> int:
        """One batch in its own transaction (events and cursor commit together)."""
        with self.database.transaction() as session:
            return self.step(session, now=now)


@dataclass(frozen=True, slots=True)
class OutgoingWebhook:
    """One signed request, to the address its URL was checked to resolve to."""

    destination: Destination
    headers: dict[str, str]
    body: bytes
    timeout: float


@dataclass(frozen=True, slots=True)
class SendResult:
    """What the receiver answered (`status_code`), or why nothing came back (`error`)."""

    status_code: int | None = None
    error: str | None = None


Sender = Callable[[OutgoingWebhook], SendResult]


@dataclass
class HttpxSender:
    """Sends with httpx: short timeouts, no redirects, to the checked address."""

    client: httpx.Client = field(
        default_factory=lambda: httpx.Client(
            follow_redirects=False,
            trust_env=False,
            # A fresh connection each time: one made for another host on the same address
            # must not carry this one's request.
            limits=httpx.Limits(max_keepalive_connections=0),
        )
    )

    def __call__(self, webhook: OutgoingWebhook) -> SendResult:
        destination = webhook.destination
        try:
            response = self.client.post(
                destination.request_url(),
                content=webhook.body,
                headers={**webhook.headers, **destination.headers()},
                extensions=destination.extensions(),
                timeout=httpx.Timeout(webhook.timeout, connect=min(2.0, webhook.timeout)),
            )
        except httpx.TimeoutException as exc:
            return SendResult(error=f"timeout: {type(exc).__name__}")
        except httpx.HTTPError as exc:
            return SendResult(error=f"{type(exc).__name__}: {exc}"[:500])
        error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
        return SendResult(status_code=response.status_code, error=error)

    def close(self) -> None:
        """Close the connection pool."""
        self.client.close()


def sign(*, secrets: tuple[str, ...], msg_id: str, timestamp: datetime, body: str) -> str:
    """The `webhook-signature` value: one `v1,…` per secret (two during a rotation)."""
    return " ".join(
        Webhook(secret).sign(msg_id=msg_id, timestamp=timestamp, data=body) for secret in secrets
    )


class DeliveryJob:
    """Sends due deliveries: claim (lease), check the address, sign, POST, record."""

    def __init__(
        self,
        *,
        database: Database,
        allow_private: bool,
        sender: Sender | None = None,
        resolver: Resolver | None = None,
        timeout: float = 5.0,
        pause_after: int = 10,
        batch_size: int = 10,
        lease: timedelta = timedelta(minutes=5),
    ) -> None:
        self.database = database
        self.allow_private = allow_private
        self.sender: Sender = sender or HttpxSender()
        self.resolver = resolver or system_resolver
        self.timeout = timeout
        self.pause_after = pause_after
        self.batch_size = batch_size
        self.lease = lease

    def _send(self, due: service.DueDelivery, now: datetime) -> tuple[SendResult, int]:
        started = time.monotonic()
        try:
            destination = check_destination(
                due.url, allow_private=self.allow_private, resolver=self.resolver, field="url"
            )
        except DomainError as exc:
            return SendResult(error=f"refused: {exc.detail or exc.code}"), 0
        body = json.dumps(due.payload, ensure_ascii=False, separators=(",", ":"))
        headers = {
            "content-type": "application/json",
            "user-agent": "taiyuan-sme-credit-webhooks/1",
            "webhook-id": due.id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": sign(secrets=due.secrets, msg_id=due.id, timestamp=now, body=body),
        }
        result = self.sender(
            OutgoingWebhook(
                destination=destination,
                headers=headers,
                body=body.encode("utf-8"),
                timeout=self.timeout,
            )
        )
        return result, int((time.monotonic() - started) * 1000)

    def run_once(self, *, now: datetime | None = None) -> int:
        """Send one batch of due deliveries; returns how many were attempted."""
        now = now or utcnow()
        with self.database.transaction() as session:
            claimed = service.claim_due(
                session=session, now=now, limit=self.batch_size, lease=self.lease
            )
        for due in claimed:
            result, duration_ms = self._send(due, now)
            with self.database.transaction() as session:
                service.record_attempt(
                    session=session,
                    delivery_id=due.id,
                    at=now,
                    status_code=result.status_code,
                    error=result.error,
                    duration_ms=duration_ms,
                    pause_after=self.pause_after,
                )
        return len(claimed)

    def close(self) -> None:
        """Release the sender's connections."""
        close = getattr(self.sender, "close", None)
        if callable(close):
            close()


class DeliveryWorker(PeriodicJob):
    """The kernel's periodic job running `DeliveryJob` rounds: claim, then send outside it."""

    def __init__(self, job: DeliveryJob, *, interval: float = 1.0) -> None:
        super().__init__(
            name="credit.webhooks.delivery",
            database=job.database,
            step=lambda _session: 0,
            interval=interval,
        )
        self.job = job

    def run_once(self) -> int:
        """One round: a claim transaction, the sends, one transaction per outcome."""
        return self.job.run_once()

    async def aclose(self) -> None:
        """Close the sender's connections."""
        await run_in_threadpool(self.job.close)


def workers(settings: CreditSettings) -> WorkerFactory:
    """The app's factory of this domain's jobs (none when `webhook_jobs` is off)."""

    def factory(app: FastAPI) -> list[Worker]:
        if not settings.webhook_jobs_enabled:
            return []
        database: Database = app.state.database
        fan_out = FanOutJob(database=database)
        delivery = DeliveryJob(
            database=database,
            allow_private=settings.webhooks_allow_private,
            timeout=settings.webhook_timeout_seconds,
            pause_after=settings.webhook_pause_after,
        )
        app.state.monitoring_jobs = (fan_out, delivery)
        return [
            PeriodicJob(
                name="credit.webhooks.fan_out", database=database, step=fan_out.step, interval=1.0
            ),
            DeliveryWorker(delivery),
        ]

    return factory
