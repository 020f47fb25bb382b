"""Live delegations as the proxy checks them: looked up once, cached briefly, forgotten on change.

A revocation drops the cached entry at once on the replica that served it; other replicas keep
honouring their cached answer for at most `delegation_cache_ttl_seconds`.
"""

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import anyio.to_thread

from gateway.delegations import service
from gateway.delegations.schemas import LiveGrant
from services.common.db import Database

T = TypeVar("T")
log = logging.getLogger("gateway.delegations")
_MAX_ENTRIES = 50_000


class Delegations:
    """The proxy's view of delegations: (portal, enterprise) → live grant, cached for `ttl` s."""

    def __init__(self, *, database: Database, ttl: float) -> None:
        self.database = database
        self.ttl = ttl
        self._cache: dict[tuple[str, str], tuple[float, LiveGrant | None]] = {}
        self._generation = 0  # bumped by forget(): a look-up begun before it is not cached

    async def live(self, portal_id: str, enterprise: str) -> LiveGrant | None:
        """The portal's live delegation for the enterprise, or None."""
        key = (portal_id, enterprise)
        now = time.monotonic()
        entry = self._cache.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        generation = self._generation
        grant = await self._read(service.live_grant, portal_id=portal_id, enterprise=enterprise)
        if generation == self._generation:
            if len(self._cache) >= _MAX_ENTRIES:
                self._cache.clear()
            self._cache[key] = (now + self.ttl, grant)
        return grant

    async def record_filing(self, portal_id: str, enterprise: str) -> None:
        """The filing-only delegation of a portal that filed a new enterprise."""

        def run() -> None:
            with self.database.transaction() as session:
                service.record_filing(session, portal_id=portal_id, enterprise=enterprise)

        await anyio.to_thread.run_sync(run)
        self.forget(portal_id, enterprise)

    def forget(self, portal_id: str, enterprise: str) -> None:
        """Drop the cached answer for a pair (after a grant, confirmation or revocation)."""
        self._generation += 1
        self._cache.pop((portal_id, enterprise), None)

    async def _read(self, function: Callable[..., T], **kwargs: Any) -> T:
        def run() -> T:
            with self.database.session(write=False) as session:
                return function(session, **kwargs)

        return await anyio.to_thread.run_sync(run)
