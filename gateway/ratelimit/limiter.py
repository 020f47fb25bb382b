"""Per-client, per-route-class rate limits on `limits` storage (memory or Redis).

Reads and anonymous reads count in fixed windows aligned to the clock (one atomic `incr`).
Writes (money moves through them), token requests and failed authentications count in a
moving window: a fixed window lets twice the limit through across a window boundary.

A shared storage (Redis) that is down or hung stops nothing: every call is bounded by
`rate_limit_storage_timeout_seconds` (connect and read timeouts on the client, and a deadline
around the call), and after a failure the limiter counts in this process's memory for
`rate_limit_storage_retry_seconds` before it tries the storage again. Limits then hold per
replica instead of across replicas; `gateway_rate_limit_storage_up` shows it.
"""

import asyncio
import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, MovingWindowSupport, Storage
from limits.storage import storage_from_string
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from gateway.settings import GatewaySettings

log = logging.getLogger("gateway.ratelimit")
MOVING = frozenset({"write", "token", "auth_failure"})
_MAX_BLOCKED = 10_000


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one hit: allowed or not, and the IETF RateLimit header values."""

    allowed: bool
    policy: bytes
    state: bytes
    retry_after: int


def _storage(uri: str, timeout: float) -> Storage:
    options: dict[str, Any] = {}
    if uri.startswith("memory://"):
        return MemoryStorage()
    if uri.startswith(("redis://", "rediss://", "redis+unix://")):
        uri = "async+" + uri
        options["implementation"] = "redispy"
        # A paused Redis accepts connections and never answers: bound both, and do not retry
        # (redis-py retries three times by default, which would multiply the wait).
        options["socket_connect_timeout"] = timeout
        options["socket_timeout"] = timeout
        options["retry"] = Retry(NoBackoff(), 0)
    storage = storage_from_string(uri, **options)
    if not isinstance(storage, Storage) or not isinstance(storage, MovingWindowSupport):
        raise ValueError(f"rate limit storage {uri!r} is not an async moving-window storage")
    return storage


class RateLimiter:
    """Counts hits per identity and route class; falls back to local memory when storage fails."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.timeout = settings.rate_limit_storage_timeout_seconds
        self.retry_seconds = settings.rate_limit_storage_retry_seconds
        self.storage = _storage(settings.rate_limit_storage, self.timeout)
        self.local = MemoryStorage()
        self.shared = not isinstance(self.storage, MemoryStorage)
        self._retry_at = 0.0  # monotonic: until then the storage is skipped (it just failed)
        self.defaults: dict[str, RateLimitItem] = {
            "read": parse(settings.rate_limit_read),
            "write": parse(settings.rate_limit_write),
            "public": parse(settings.rate_limit_public),
            "token": parse(settings.rate_limit_token),
            "auth_failure": parse(settings.rate_limit_auth_failures),
        }
        self._parsed: dict[str, RateLimitItem] = {}
        self._policies: dict[tuple[str, int, int], bytes] = {}
        self._last_warning = float("-inf")
        # Credentials refused before any lookup, digest → until (monotonic).
        self._blocked: dict[str, float] = {}

    @property
    def storage_up(self) -> bool:
        """Whether the configured storage answered its last call (memory always does)."""
        return time.monotonic() >= self._retry_at

    def item_for(self, klass: str, override: str | None) -> RateLimitItem:
        """The limit of a route class, or the client's override of it."""
        if override is None:
            return self.defaults[klass]
        item = self._parsed.get(override)
        if item is None:
            item = self._parsed[override] = parse(override)
        return item

    async def hit(self, *, identity: str, klass: str, override: str | None = None) -> Decision:
        """Count one request of `identity` against its route class's limit."""
        item = self.item_for(klass, override)
        window = item.get_expiry()
        amount = item.amount
        now = time.time()
        if klass in MOVING:
            key = f"rl/{klass}/{identity}/{window}"
            allowed, start, count = await self._call(self._moving, key, amount, window)
            reset = max(1, int(start + window - now + 0.999))
            remaining = amount - count if allowed else -1
        else:
            index = int(now // window)
            reset = max(1, int(window - (now - index * window) + 0.999))
            key = f"rl/{klass}/{identity}/{window}/{index}"
            remaining = amount - await self._call(self._incr, key, window + 1)
        policy_key = (klass, amount, window)
        policy = self._policies.get(policy_key)
        if policy is None:
            policy = self._policies[policy_key] = f'"{klass}";q={amount};w={window}'.encode()
        state = f'"{klass}";r={max(remaining, 0)};t={reset}'.encode()
        return Decision(remaining >= 0, policy, state, reset)

    @staticmethod
    async def _incr(storage: Storage, key: str, expiry: int) -> int:
        return int(await storage.incr(key, expiry))

    @staticmethod
    async def _moving(
        storage: MovingWindowSupport, key: str, amount: int, window: int
    ) -> tuple[bool, float, int]:
        allowed = await storage.acquire_entry(key, amount, window)
        start, count = await storage.get_moving_window(key, amount, window)
        return allowed, start, count

    async def _call(self, operation: Any, *args: Any) -> Any:
        if self.shared and time.monotonic() >= self._retry_at:
            try:
                async with asyncio.timeout(self.timeout * 2):
                    return await operation(self.storage, *args)
            except Exception as exc:
                # Fail over, not open: this process counts alone until the storage is back.
                self._retry_at = time.monotonic() + self.retry_seconds
                self._warn_storage_down(exc)
        return await operation(self.local, *args)

    def _warn_storage_down(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_warning >= 10:
            self._last_warning = now
            log.warning(
                "rate-limit storage unavailable (%s: %s); counting in this process's memory",
                type(exc).__name__,
                exc,
            )

    @staticmethod
    def _digest(credential: str) -> str:
        return hashlib.sha256(credential.encode("utf-8", "surrogateescape")).hexdigest()[:32]

    def refused(self, credential: str) -> int:
        """Seconds a credential that failed too often must wait; no lookup is spent on it."""
        if not self._blocked:
            return 0
        digest = self._digest(credential)
        until = self._blocked.get(digest)
        if until is None:
            return 0
        left = until - time.monotonic()
        if left <= 0:
            del self._blocked[digest]
            return 0
        return max(1, round(left))

    async def failed(self, *, credential: str | None, address: str) -> int:
        """Count a failed authentication by its credential (if one was sent) and its address.

        Returns the seconds to tell the caller to wait (answer 429), or 0 (answer 401). Only
        the failing credential is ever refused before its lookup: a valid key from the same
        address (a partner behind the same load balancer) always passes.
        """
        by_address = await self.hit(identity=f"address:{address}", klass="auth_failure")
        if credential is None:
            return 0 if by_address.allowed else by_address.retry_after
        digest = self._digest(credential)
        by_credential = await self.hit(identity=f"credential:{digest}", klass="auth_failure")
        if not by_credential.allowed:
            blocked = self._blocked
            if len(blocked) >= _MAX_BLOCKED:
                now = time.monotonic()
                for old in [key for key, until in blocked.items() if until <= now]:
                    del blocked[old]
            if len(blocked) < _MAX_BLOCKED:
                blocked[digest] = time.monotonic() + by_credential.retry_after
            return by_credential.retry_after
        return 0 if by_address.allowed else by_address.retry_after

    async def check(self) -> bool:
        """Whether the storage answers (within the timeout)."""
        try:
            async with asyncio.timeout(self.timeout * 2):
                return bool(await self.storage.check())
        except Exception:
            return False

    async def reset(self) -> None:
        """Forget every count (tests)."""
        self._blocked.clear()
        await self.local.reset()
        await self.storage.reset()
