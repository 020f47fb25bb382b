"""Fetching the services' specs, keeping the last good copy of each, serving the merge."""

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

from gateway.openapi.merge import merge

log = logging.getLogger("gateway.openapi")


# The longest wait between tries while a service's spec is missing.
MAX_RETRY_SECONDS = 5.0


def retry_delays(retry: float, refresh_seconds: float) -> tuple[float, float]:
    """This wait and the next while a spec is missing: doubling, but capped, so a service that
    is never deployed does not push the others' next try ever further out."""
    cap = min(MAX_RETRY_SECONDS, refresh_seconds)
    return min(retry, cap), min(retry * 2, cap)


class SpecAggregator:
    """Holds each service's last good spec (memory, and disk when configured)."""

    def __init__(
        self,
        *,
        upstreams: dict[str, str],
        own_spec: Callable[[], dict[str, Any]],
        token_url: str,
        public_url: str | None = None,
        cache_dir: str | None,
        refresh_seconds: float,
    ) -> None:
        self.upstreams = upstreams
        self.own_spec = own_spec
        self.token_url = token_url
        self.public_url = public_url
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.refresh_seconds = refresh_seconds
        self.specs: dict[str, dict[str, Any]] = {}
        self.digests: dict[str, str] = {}
        self.fetched_ok: dict[str, bool] = {}
        # Bumped by every change; a merge remembers the generation it was built from.
        self._generation = 0
        self._merged: tuple[int, dict[str, Any]] | None = None
        self._load_disk()

    def _load_disk(self) -> None:
        if self.cache_dir is None:
            return
        for name in self.upstreams:
            path = self.cache_dir / f"{name}.json"
            try:
                text = path.read_text(encoding="utf-8")
                self.specs[name] = json.loads(text)
                self.digests[name] = hashlib.sha256(text.encode()).hexdigest()
            except (OSError, ValueError):
                continue

    def _save_disk(self, name: str, text: str) -> None:
        if self.cache_dir is None:
            return
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            tmp = self.cache_dir / f".{name}.json.tmp"
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(self.cache_dir / f"{name}.json")
        except OSError as exc:
            log.warning("cannot cache the %s spec: %s", name, exc)

    async def refresh(self, session: aiohttp.ClientSession) -> bool:
        """Fetch every spec; returns whether anything changed. A failure keeps the last copy."""
        results = await asyncio.gather(
            *(self._fetch(session, name, url) for name, url in self.upstreams.items())
        )
        return any(results)

    async def _fetch(self, session: aiohttp.ClientSession, name: str, base: str) -> bool:
        try:
            async with session.get(
                f"{base}/openapi.json", timeout=aiohttp.ClientTimeout(total=3)
            ) as response:
                if response.status != 200:
                    raise ValueError(f"status {response.status}")
                text = await response.text()
                document = json.loads(text)
                if not isinstance(document, dict) or "paths" not in document:
                    raise ValueError("not an OpenAPI document")
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            if self.fetched_ok.get(name, True):
                log.warning("keeping the last good %s spec: %s", name, exc)
            self.fetched_ok[name] = False
            return False
        self.fetched_ok[name] = True
        digest = hashlib.sha256(text.encode()).hexdigest()
        if self.digests.get(name) == digest:
            return False
        self.specs[name] = document
        self.digests[name] = digest
        self._generation += 1  # here, not after every fetch: a later failure must not undo it
        self._save_disk(name, text)
        return True

    def document(self) -> dict[str, Any]:
        """The merged document (rebuilt only after a change).

        Requests build it in worker threads while the refresher runs in the event loop: a
        change landing during a build leaves that build stamped with the older generation,
        so the next request builds again instead of serving it for the rest of the period.
        """
        merged = self._merged
        if merged is not None and merged[0] == self._generation:
            return merged[1]
        generation = self._generation
        specs = {name: self.specs[name] for name in self.upstreams if name in self.specs}
        document = merge(
            self.own_spec(), specs, token_url=self.token_url, public_url=self.public_url
        )
        self._merged = (generation, document)
        return document

    async def run(self, session: aiohttp.ClientSession, stop: asyncio.Event) -> None:
        """Refresh periodically until stopped; sooner (backing off) while a service is missing."""
        retry = 0.5
        while not stop.is_set():
            try:
                await self.refresh(session)
            except Exception:  # never let the refresher die
                log.exception("spec refresh failed")
            if all(self.fetched_ok.get(name, False) for name in self.upstreams):
                delay, retry = self.refresh_seconds, 0.5
            else:  # e.g. services still starting next to the gateway: don't wait a full period
                delay, retry = retry_delays(retry, self.refresh_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
