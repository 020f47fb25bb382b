"""The proxy's delegation cache: one look-up per pair for its TTL, none kept when a change
overtook it, and a full cache that starts over instead of growing without bound.

The look-up itself (`service.live_grant`) is replaced by a counter: what is tested is the
cache's bookkeeping around it; the look-up's own tests are in test_delegation.py."""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from gateway.delegations.schemas import LiveGrant
from gateway.proxy import delegation as module
from gateway.proxy.delegation import Delegations


class _NoDatabase:
    """A database whose sessions the counting look-up never uses."""

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[None]:
        yield None


class _Lookups:
    """`service.live_grant` as a counter; `during` runs inside the next look-up."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.during: Any = None

    def __call__(self, session: None, *, portal_id: str, enterprise: str) -> LiveGrant:
        self.calls.append((portal_id, enterprise))
        if self.during is not None:
            self.during, run = None, self.during
            run()
        return LiveGrant(
            id=f"dlg_{len(self.calls)}", scopes=frozenset({"registry:read"}), filing_only=False
        )


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> _Lookups:
    counter = _Lookups()
    monkeypatch.setattr(module.service, "live_grant", counter)
    return counter


def _cache(ttl: float = 60.0) -> Delegations:
    return Delegations(database=_NoDatabase(), ttl=ttl)  # type: ignore[arg-type]


def test_a_pair_is_looked_up_once_per_ttl_and_again_after_a_change(lookups: _Lookups) -> None:
    cache = _cache()

    async def scenario() -> list[str | None]:
        first = await cache.live("cli_portal", "E1")
        again = await cache.live("cli_portal", "E1")
        other = await cache.live("cli_portal", "E2")
        cache.forget("cli_portal", "E1")
        fresh = await cache.live("cli_portal", "E1")
        return [g.id if g else None for g in (first, again, other, fresh)]

    assert asyncio.run(scenario()) == ["dlg_1", "dlg_1", "dlg_2", "dlg_3"]
    assert lookups.calls == [("cli_portal", "E1"), ("cli_portal", "E2"), ("cli_portal", "E1")]


def test_a_look_up_overtaken_by_a_change_is_answered_but_not_kept(lookups: _Lookups) -> None:
    """A revocation committed while the look-up ran may make its answer stale: it answers the
    request already in flight, and the next request looks up again."""
    cache = _cache()
    lookups.during = lambda: cache.forget("cli_portal", "E1")

    async def scenario() -> list[str | None]:
        overtaken = await cache.live("cli_portal", "E1")
        after = await cache.live("cli_portal", "E1")
        kept = await cache.live("cli_portal", "E1")
        return [g.id if g else None for g in (overtaken, after, kept)]

    assert asyncio.run(scenario()) == ["dlg_1", "dlg_2", "dlg_2"]
    assert len(lookups.calls) == 2


def test_a_full_cache_starts_over(lookups: _Lookups, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "_MAX_ENTRIES", 2)
    cache = _cache()

    async def scenario() -> None:
        await cache.live("cli_portal", "E1")
        await cache.live("cli_portal", "E2")
        await cache.live("cli_portal", "E2")  # two entries: both kept
        assert len(lookups.calls) == 2
        await cache.live("cli_portal", "E3")  # a third: the cache starts over with it alone
        await cache.live("cli_portal", "E3")
        assert len(lookups.calls) == 3
        await cache.live("cli_portal", "E1")
        await cache.live("cli_portal", "E2")

    asyncio.run(scenario())
    assert [enterprise for _, enterprise in lookups.calls] == ["E1", "E2", "E3", "E1", "E2"]


def test_an_expired_entry_is_looked_up_again(lookups: _Lookups) -> None:
    cache = _cache(ttl=0.0)

    async def scenario() -> None:
        await cache.live("cli_portal", "E1")
        await cache.live("cli_portal", "E1")

    asyncio.run(scenario())
    assert len(lookups.calls) == 2
