"""Per-client, per-route-class rate limits on `limits` storage (memory or Redis)."""

import logging
import time
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.storage import storage_from_string

from gateway.settings import GatewaySettings

log = logging.getLogger("gateway.ratelimit")


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one hit: allowed or not, and the IETF RateLimit header values."""

    allowed: bool
    policy: bytes
    state: bytes
    retry_after: int


def _storage(uri: str) -> Storage:
    options: dict[str, Any] = {}
    if uri.startswith("memory://"):
        return MemoryStorage()
    if uri.startswith(("redis://", "rediss://", "redis+unix://")):
        uri = "async+" + uri
        options["implementation"] = "redispy"
    storage = storage_from_string(uri, **options)
    if not isinstance(storage, Storage):
        raise ValueError(f"rate limit storage {uri!r} is not an async storage")
    return storage


class RateLimiter:
    """Fixed windows aligned to the clock: one atomic `incr` per request, in any storage."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.storage = _storage(settings.rate_limit_storage)
        self.defaults: dict[str, RateLimitItem] = {
            "read": parse(settings.rate_limit_read),
            "write": parse(settings.rate_limit_write),
            "public": parse(settings.rate_limit_public),
            "token": parse(settings.rate_limit_token),
        }
        self._parsed: dict[str, RateLimitItem] = {}
        self._policies: dict[tuple[str, int, int], bytes] = {}
        self._last_warning = float("-inf")

    def item_for(self, klass: str, override: str | None) -> RateLimitItem:
        """The limit of a route class, or the client's override of it."""
        if override is None:
            return self.defaults[klass]
        item = self._parsed.get(override)
        if item is None:
            item = self._parsed[override] = parse(override)
        return item

    async def hit(self, *, identity: str, klass: str, override: str | None = None) -> Decision:
        """Count one request of `identity` in its current window."""
        item = self.item_for(klass, override)
        window = item.get_expiry()
        now = time.time()
        index = int(now // window)
        reset = max(1, int(window - (now - index * window) + 0.999))
        amount = item.amount
        try:
            count = await self.storage.incr(f"rl/{klass}/{identity}/{window}/{index}", window + 1)
        except Exception as exc:
            # Fail open: a shared-storage outage (Redis) must not take the platform down with
            # it. /readyz reports the storage as failing, so operators see it at once.
            self._warn_storage_down(exc)
            count = 1
        remaining = amount - count
        policy_key = (klass, amount, window)
        policy = self._policies.get(policy_key)
        if policy is None:
            policy = self._policies[policy_key] = f'"{klass}";q={amount};w={window}'.encode()
        state = f'"{klass}";r={max(remaining, 0)};t={reset}'.encode()
        return Decision(remaining >= 0, policy, state, reset)

    def _warn_storage_down(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_warning >= 10:
            self._last_warning = now
            log.warning("rate-limit storage unavailable, limits not enforced: %s", exc)

    async def check(self) -> bool:
        """Whether the storage answers."""
        return bool(await self.storage.check())

    async def reset(self) -> None:
        """Forget every count (tests)."""
        await self.storage.reset()
