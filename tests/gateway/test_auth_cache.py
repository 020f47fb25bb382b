"""The authenticator's caches: what a revocation drops, what a full cache evicts.

"Cached" is observed as the database lookups a credential costs (as test_degraded.py does)."""

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest

from gateway.auth import authenticator as auth_module
from tests.gateway.conftest import KID, RunningGateway, StartGateway


def _count_lookups(gw: RunningGateway, monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """Counts the authenticator's database lookups from now on; returns the counter."""
    authenticator = gw.gateway.authenticator
    real = authenticator._db
    lookups = 0

    async def counting(function: Callable[..., Any], **kwargs: Any) -> Any:
        nonlocal lookups
        lookups += 1
        return await real(function, **kwargs)

    monkeypatch.setattr(authenticator, "_db", counting)
    return lambda: lookups


def test_revoking_one_clients_key_keeps_its_neighbours_cached(
    start_gateway: StartGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    gw = start_gateway(key_cache_ttl_seconds=60)  # no entry lapses during the test
    created = sorted(
        (gw.create_client("bank") for _ in range(3)), key=lambda c: str(c["client"]["id"])
    )
    lower, middle, upper = ({"X-API-Key": c["api_key"]["key"]} for c in created)
    lookups = _count_lookups(gw, monkeypatch)
    for headers in (lower, middle, upper):  # each key now cached
        assert gw.http.get("/registry/v1/echo", headers=headers).status_code == 200
    assert lookups() == 3
    client_id, key_id = created[1]["client"]["id"], created[1]["api_key"]["id"]
    revoked = gw.http.delete(
        f"/admin/v1/clients/{client_id}/keys/{key_id}", headers=gw.admin_headers
    )
    assert revoked.status_code == 204
    # The clients whose ids sort either side of the revoked one are still served from the cache.
    for headers in (lower, upper):
        whoami = gw.http.get("/registry/v1/whoami", headers=headers)
        assert whoami.status_code == 200
    assert lookups() == 3
    # The revoked key's entry is gone: it is looked up again, and refused.
    refused = gw.http.get("/registry/v1/echo", headers=middle)
    assert refused.status_code == 401 and refused.json()["code"] == "invalid_api_key"
    assert lookups() == 4


@pytest.mark.parametrize(
    ("limit", "evicted"),
    [
        (90, 9),  # a tenth of the entries, the oldest
        (5, 1),  # a tenth rounds down to none: at least one goes
    ],
)
def test_a_full_cache_evicts_its_oldest_tenth(
    start_gateway: StartGateway, monkeypatch: pytest.MonkeyPatch, limit: int, evicted: int
) -> None:
    # The unknown-key cache, made small and long-lived so that only eviction removes entries.
    monkeypatch.setattr(auth_module, "_MAX_UNKNOWN", limit)
    monkeypatch.setattr(auth_module, "_NEGATIVE_TTL", 60.0)
    gw = start_gateway(key_cache_ttl_seconds=60)
    authenticator = gw.gateway.authenticator
    lookups = _count_lookups(gw, monkeypatch)
    keys = [f"tsk_junk{n:040d}" for n in range(limit + 1)]

    async def looked_up(key: str) -> bool:
        before = lookups()
        with pytest.raises(auth_module.AuthError):
            await authenticator.authenticate(key)
        return lookups() > before

    async def scenario() -> list[int]:
        for n, key in enumerate(keys[:limit]):
            assert await looked_up(key), n
        # Exactly full: every entry is still there.
        for n, key in enumerate(keys[:limit]):
            assert not await looked_up(key), n
        assert await looked_up(keys[limit])  # one more: the oldest are evicted to make room
        # Newest first, so the evicted ones, looked up again, do not evict the kept ones first.
        again = [n for n in reversed(range(limit + 1)) if await looked_up(keys[n])]
        return sorted(again)

    assert asyncio.run(scenario()) == list(range(evicted))


class Clock:
    """The authenticator's clock (its module's `time`), moved by the test; the rest of the
    gateway keeps the real one."""

    def __init__(self) -> None:
        self.mono = 1000.0
        self.wall = time.time()

    def monotonic(self) -> float:
        return self.mono

    def time(self) -> float:
        return self.wall


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(auth_module, "time", fake)
    return fake


def _lookups_at(
    gw: RunningGateway, clock: Clock, lookups: Callable[[], int], credential: str
) -> Callable[[float], int]:
    """`at(seconds)`: the lookups authenticating `credential` costs that long after the first."""
    start = clock.mono

    def at(seconds: float) -> int:
        clock.mono = start + seconds
        before = lookups()
        with contextlib.suppress(auth_module.AuthError):
            asyncio.run(gw.gateway.authenticator.authenticate(credential))
        return lookups() - before

    return at


@pytest.mark.parametrize(("ttl", "negative"), [(5.0, 1.0), (0.5, 0.5)])
def test_cache_entries_live_exactly_their_ttl(
    start_gateway: StartGateway,
    monkeypatch: pytest.MonkeyPatch,
    clock: Clock,
    ttl: float,
    negative: float,
) -> None:
    gw = start_gateway(key_cache_ttl_seconds=ttl)
    key = gw.key_for("bank")
    lookups = _count_lookups(gw, monkeypatch)
    known = _lookups_at(gw, clock, lookups, key)
    assert [known(0), known(ttl - 0.001), known(ttl)] == [1, 0, 1]
    assert [known(ttl + ttl - 0.001), known(ttl + ttl)] == [0, 1]  # the new entry, as long
    # An unknown key is remembered for the key TTL, but never more than a second.
    unknown = _lookups_at(gw, clock, lookups, f"{gw.settings.api_key_prefix}_unknown{'0' * 32}")
    assert [unknown(0), unknown(negative - 0.001), unknown(negative)] == [1, 0, 1]


def _access_token(gw: RunningGateway, signing_key: bytes, client_id: str, exp: int) -> str:
    claims = {
        "iss": gw.settings.issuer,
        "aud": gw.settings.access_token_audience,
        "sub": client_id,
        "client_id": client_id,
        "iat": exp - 600,
        "exp": exp,
        "jti": f"atk_{exp}",
        "scope": "registry:read credit:read not:granted",
    }
    return jwt.encode(claims, signing_key, algorithm="EdDSA", headers={"kid": KID, "typ": "at+jwt"})


def test_a_tokens_client_is_cached_for_the_ttl_and_the_token_until_its_exp(
    start_gateway: StartGateway, monkeypatch: pytest.MonkeyPatch, clock: Clock, signing_key: bytes
) -> None:
    gw = start_gateway(key_cache_ttl_seconds=5)
    created = gw.create_client("department", scopes=["registry:read", "registry:write"])
    client_id = created["client"]["id"]
    exp = int(time.time()) + 300
    token = _access_token(gw, signing_key, client_id, exp)
    authenticator = gw.gateway.authenticator
    lookups = _count_lookups(gw, monkeypatch)

    def caller_at(mono: float, wall: float) -> Any:
        clock.mono, clock.wall = mono, wall
        return asyncio.run(authenticator.authenticate(token))

    start = clock.mono
    first = caller_at(start, exp - 300)
    # The token's scopes narrow the client's: only what both hold.
    assert first.client_id == client_id and first.scopes == frozenset({"registry:read"})
    assert lookups() == 1
    caller_at(start + 4.999, exp - 0.001)  # the client cached, the token not yet expired
    assert lookups() == 1
    assert caller_at(start + 5, exp - 0.001).client_id == client_id  # the client looked up again
    assert lookups() == 2
    with pytest.raises(auth_module.AuthError) as expired:
        caller_at(start + 5, exp)  # expired at its exp exactly
    assert expired.value.code == "token_expired"
