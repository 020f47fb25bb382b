"""Pull consumers of other services' event feeds: at-least-once delivery, at-most-once effect."""

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import update
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from services.common.clock import utcnow
from services.common.db import Database, dialect_insert
from services.common.models import ConsumerCursor, ProcessedEvent
from services.common.settings import ServiceSettings

log = logging.getLogger("services.consumer")


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """An event as read from a producer's feed."""

    seq: int
    id: str
    type: str
    payload: dict[str, Any]
    occurred_at: datetime | str


Handler = Callable[[Session, FeedEvent], None]
HeadersProvider = Callable[[], Mapping[str, str] | Awaitable[Mapping[str, str]]]
FEED_SCOPE = "events:read"


class ClientCredentials(httpx.Auth):
    """A service authenticating as its own gateway client (OAuth 2.0 client credentials).

    Fetches an access token from the gateway's `/oauth/token`, reuses it until shortly before
    it expires, and fetches a new one once when a call answers 401 (a revoked or rotated token).
    """

    requires_response_body = True

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        scope: str = FEED_SCOPE,
        margin_seconds: float = 30.0,
    ) -> None:
        self.token_url = token_url
        self._credentials = httpx.BasicAuth(client_id, client_secret)
        self.scope = scope
        self.margin_seconds = margin_seconds
        self._token: str | None = None
        self._renew_at = 0.0

    def _token_request(self) -> httpx.Request:
        request = httpx.Request(
            "POST",
            self.token_url,
            data={"grant_type": "client_credentials", "scope": self.scope},
        )
        return next(self._credentials.auth_flow(request))

    def _store(self, response: httpx.Response) -> None:
        if response.status_code != 200:
            self._token = None
            raise httpx.HTTPStatusError(
                f"token request refused ({response.status_code}): {response.text[:200]}",
                request=response.request,
                response=response,
            )
        body = response.json()
        self._token = str(body["access_token"])
        self._renew_at = time.monotonic() + max(0.0, body["expires_in"] - self.margin_seconds)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Attach a current token; on a 401, renew it and send once more."""
        if self._token is None or time.monotonic() >= self._renew_at:
            self._store((yield self._token_request()))
        request.headers["Authorization"] = f"Bearer {self._token}"
        response = yield request
        if response.status_code == 401:
            self._store((yield self._token_request()))
            request.headers["Authorization"] = f"Bearer {self._token}"
            yield request


def service_auth(settings: ServiceSettings) -> ClientCredentials:
    """This service's own client credentials towards the gateway (never an admin key)."""
    found = settings.service_client()
    if found is None:
        prefix = str(settings.model_config.get("env_prefix", ""))
        raise RuntimeError(
            f"{settings.service_name} has no service client: set {prefix}SERVICE_CLIENT_ID and "
            f"{prefix}SERVICE_CLIENT_SECRET (or run `make run`, which provisions one)"
        )
    client_id, secret = found
    return ClientCredentials(
        token_url=settings.gateway_url.rstrip("/") + "/oauth/token",
        client_id=client_id,
        client_secret=secret,
    )


def claim_cursor(session: Session, name: str, *, start: int = 0) -> ConsumerCursor | None:
    """The cursor row `name` (created at `start` on first use), locked for the transaction;
    None if another replica holds it.

    PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED`, so a replica finding the row locked skips
    the round instead of queueing behind (and then repeating) the other's work. SQLite: the
    write transaction began with BEGIN IMMEDIATE, so it already holds the only write lock.
    Concurrent creators meet in `ON CONFLICT DO NOTHING`.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    locked = select(ConsumerCursor).where(col(ConsumerCursor.consumer) == name)
    if postgres:
        locked = locked.with_for_update(skip_locked=True)
    cursor = session.exec(locked).first()
    if cursor is not None:
        return cursor
    exists = session.exec(
        select(ConsumerCursor.consumer).where(col(ConsumerCursor.consumer) == name)
    ).first()
    if exists is not None:
        return None  # locked by another replica
    session.execute(
        dialect_insert(session)(ConsumerCursor.__table__)  # type: ignore[attr-defined]
        .values(consumer=name, position=start, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["consumer"])
    )
    return session.exec(locked).first()


class FeedConsumer:
    """Reads one producer's feed and applies each event once, with its cursor, in one transaction."""

    def __init__(
        self,
        *,
        name: str,
        feed_url: str,
        database: Database,
        handlers: Mapping[str, Handler],
        headers: HeadersProvider | None = None,
        auth: httpx.Auth | None = None,
        client: httpx.AsyncClient | None = None,
        interval: float = 1.0,
        batch_size: int = 200,
        max_backoff: float = 30.0,
    ) -> None:
        self.name = name
        self.feed_url = feed_url
        self.database = database
        self.handlers = dict(handlers)
        self._headers = headers
        self._auth = auth
        self._client = client or httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=2.0))
        self.interval = interval
        self.batch_size = batch_size
        self.max_backoff = max_backoff
        self.failures = 0

    def position(self) -> int:
        """How far this consumer has applied the feed."""
        with self.database.session(write=False) as session:
            cursor = session.get(ConsumerCursor, self.name)
            return cursor.position if cursor else 0

    async def _fetch(self, after: int) -> list[FeedEvent]:
        headers: Mapping[str, str] = {}
        if self._headers is not None:
            provided = self._headers()
            headers = await provided if isinstance(provided, Awaitable) else provided
        response = await self._client.get(
            self.feed_url,
            params={"after": after, "limit": self.batch_size},
            headers=dict(headers),
            auth=self._auth if self._auth is not None else httpx.USE_CLIENT_DEFAULT,
        )
        response.raise_for_status()
        return [FeedEvent(**item) for item in response.json()["items"]]

    def _apply(self, events: list[FeedEvent]) -> int | None:
        """Apply a fetched page in one transaction; None if another replica is applying.

        The cursor row is claimed first and its position re-read under the claim: events at or
        below it were applied by another replica since this one fetched, and are skipped. The
        processed-events table still guards a redelivery behind a lost or reset cursor.
        """
        with self.database.transaction() as session:
            cursor = claim_cursor(session, self.name)
            if cursor is None:
                return None
            position = cursor.position
            fresh = [event for event in events if event.seq > position]
            if not fresh:
                return 0
            ids = [event.id for event in fresh]
            seen = set(
                session.exec(
                    select(ProcessedEvent.event_id)
                    .where(col(ProcessedEvent.consumer) == self.name)
                    .where(col(ProcessedEvent.event_id).in_(ids))
                ).all()
            )
            applied = 0
            for event in fresh:
                if event.id in seen:
                    continue
                handler = self.handlers.get(event.type)
                if handler is not None:
                    handler(session, event)
                    applied += 1
                session.add(ProcessedEvent(consumer=self.name, event_id=event.id))
                seen.add(event.id)
            session.execute(
                update(ConsumerCursor)
                .where(col(ConsumerCursor.consumer) == self.name)
                .values(position=max(position, fresh[-1].seq), updated_at=utcnow())
            )
        return applied

    async def poll_once(self) -> int:
        """Fetch and apply one page; returns how many events were applied (handled types).

        0 also when another replica holds the feed's cursor: it is applying, this one skips.
        """
        after = await run_in_threadpool(self.position)
        events = await self._fetch(after)
        if not events:
            return 0
        return await run_in_threadpool(self._apply, events) or 0

    async def catch_up(self) -> int:
        """Poll until the feed has nothing new; returns how many events were applied."""
        total = 0
        while True:
            after = await run_in_threadpool(self.position)
            events = await self._fetch(after)
            if not events:
                return total
            applied = await run_in_threadpool(self._apply, events)
            if applied is None:  # another replica is applying this feed: leave it the round
                return total
            total += applied

    def backoff(self) -> float:
        """Seconds to wait after `failures` consecutive failures (exponential, jittered)."""
        base = min(self.max_backoff, self.interval * (2 ** min(self.failures, 16)))
        return base * (0.5 + random.random() / 2)

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set, backing off while the producer is down."""
        while not stop.is_set():
            try:
                await self.catch_up()
                self.failures = 0
                delay = self.interval
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                self.failures += 1
                delay = self.backoff()
                log.warning(
                    "consumer %s: feed unavailable (%s); retry in %.1fs", self.name, exc, delay
                )
            except Exception:
                self.failures += 1
                delay = self.backoff()
                log.exception(
                    "consumer %s: applying events failed; retry in %.1fs", self.name, delay
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()


def feed_consumer(
    settings: ServiceSettings,
    *,
    producer: str,
    database: Database,
    handlers: Mapping[str, Handler],
    **options: Any,
) -> FeedConsumer:
    """A consumer of `producer`'s feed, read through the gateway as this service's own client."""
    options.setdefault("batch_size", settings.feed_batch_size)
    return FeedConsumer(
        name=f"{settings.service_name}.{producer}",
        feed_url=f"{settings.gateway_url.rstrip('/')}/{producer}/v1/events",
        database=database,
        handlers=handlers,
        auth=service_auth(settings),
        **options,
    )
