"""Everything one gateway process holds: settings, database, keys, caches, pools."""

import asyncio
import contextlib
import logging

import aiohttp

from gateway.auth.authenticator import Authenticator
from gateway.auth.clientsecrets import SecretVerifier
from gateway.auth.internal import InternalTokens
from gateway.auth.signing import KeyRing, load_keyring, write_jwks
from gateway.observability import Metrics
from gateway.openapi.aggregator import SpecAggregator
from gateway.proxy.delegation import Delegations
from gateway.proxy.handler import ProxyHandler, Upstream, wait_closed
from gateway.ratelimit.limiter import RateLimiter
from gateway.settings import GatewaySettings
from services.common.db import Database
from services.common.tokens import InternalTokenSigner

log = logging.getLogger("gateway")


class Gateway:
    """The gateway's state, built once per process; started and stopped by the app's lifespan."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.database = Database(
            settings.resolved_database_url,
            schema=settings.resolved_schema,
            pool_size=settings.database_pool_size,
        )
        self.keyring: KeyRing = load_keyring(settings)
        write_jwks(settings, self.keyring)
        self.signer = InternalTokenSigner(
            self.keyring.current_pem, self.keyring.current_kid, settings.issuer
        )
        self.metrics = Metrics()
        self.authenticator = Authenticator(
            settings=settings, database=self.database, keyring=self.keyring
        )
        self.secrets = SecretVerifier(max_legacy=settings.legacy_secret_verifications)
        self.tokens = InternalTokens(
            self.signer,
            ttl=settings.internal_token_ttl_seconds,
            refresh_margin=settings.internal_token_refresh_margin_seconds,
            minted=self.metrics.tokens_minted,
        )
        self.limiter = RateLimiter(settings)
        limiter = self.limiter
        self.metrics.rate_limit_storage_up.set_function(lambda: float(limiter.storage_up))
        self.upstreams = {
            name: Upstream(name, url, settings) for name, url in settings.upstreams.items()
        }
        self.delegations = Delegations(
            database=self.database, ttl=settings.delegation_cache_ttl_seconds
        )
        self.proxy = ProxyHandler(
            settings=settings,
            upstreams=self.upstreams,
            authenticator=self.authenticator,
            tokens=self.tokens,
            limiter=self.limiter,
            metrics=self.metrics,
            delegations=self.delegations,
        )
        self.specs: SpecAggregator | None = None
        self.control: aiohttp.ClientSession | None = None
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Open pools and start the background refreshers."""
        self._stop = asyncio.Event()
        for upstream in self.upstreams.values():
            upstream.start()
        self.control = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3))
        self._tasks = [
            asyncio.create_task(self._flush_loop()),
            asyncio.create_task(self._access_log_loop()),
        ]
        if self.specs is not None:
            self._tasks.append(asyncio.create_task(self.specs.run(self.control, self._stop)))

    async def stop(self) -> None:
        """Stop refreshers, write pending last-used times, close pools."""
        self._stop.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self.authenticator.flush_last_used()
        await wait_closed(self.upstreams)
        if self.control is not None:
            await self.control.close()
        self.database.dispose()

    async def _access_log_loop(self) -> None:
        access_log = self.proxy.access_log
        if access_log is None:
            return
        try:
            while not self._stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), 0.5)
                access_log.flush()
        finally:
            access_log.flush()

    async def _flush_loop(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.settings.last_used_flush_seconds)
            try:
                await self.authenticator.flush_last_used()
            except Exception:
                log.exception("could not record keys' last use")
