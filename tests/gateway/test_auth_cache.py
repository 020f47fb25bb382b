"""The authenticator's caches: what a revocation drops, what a full cache evicts.

"Cached" is observed as the database lookups a credential costs (as test_degraded.py does)."""

import asyncio
import contextlib
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
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
        (300, 30),  # a size no small-int cache holds: compared by value, not identity
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
        with pytest.raises(auth_module.AuthError) as refused:
            await authenticator.authenticate(key)
        assert refused.value.code == "invalid_api_key"
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
    assert known(3 * ttl + 0.5) == 1  # well past its end, too
    # An unknown key is remembered for the key TTL, but never more than a second.
    unknown = _lookups_at(gw, clock, lookups, f"{gw.settings.api_key_prefix}_unknown{'0' * 32}")
    assert [unknown(0), unknown(negative - 0.001), unknown(negative)] == [1, 0, 1]
    assert unknown(3 * negative + 0.5) == 1


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
    assert caller_at(start + 15.5, exp - 0.001).client_id == client_id  # and again, well after
    assert lookups() == 3
    for wall in (exp, exp + 1):  # expired at its exp exactly, and after
        with pytest.raises(auth_module.AuthError) as expired:
            caller_at(start + 15.5, wall)
        assert expired.value.code == "token_expired"
    assert lookups() == 3


def test_a_clock_that_starts_near_zero_still_looks_keys_up(
    gw: RunningGateway, monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    # The monotonic clock's origin is unspecified: an unknown-key entry that does not exist
    # must not count as live, whatever the clock reads.
    key = gw.key_for("bank")
    clock.mono = 0.5
    caller = asyncio.run(gw.gateway.authenticator.authenticate(key))
    assert caller.kind == "bank"


def test_a_cached_key_lapses_exactly_at_its_expiry(
    gw: RunningGateway, monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    # `clock` stands still: the cache entry outlives the test however slow the machine.
    expires_at = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)
    client_id = gw.create_client("bank")["client"]["id"]
    created = gw.http.post(
        f"/admin/v1/clients/{client_id}/keys",
        json={"label": "short", "expires_at": expires_at.isoformat()},
        headers=gw.admin_headers,
    )
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    authenticator = gw.gateway.authenticator
    lookups = _count_lookups(gw, monkeypatch)
    now = [expires_at - timedelta(hours=1)]
    monkeypatch.setattr(auth_module, "utcnow", lambda: now[0])

    def code_at(moment: datetime) -> str:
        now[0] = moment
        try:
            return asyncio.run(authenticator.authenticate(key)).client_id
        except auth_module.AuthError as exc:
            return exc.code

    assert code_at(expires_at - timedelta(hours=1)) == client_id  # looked up, then cached
    assert code_at(expires_at - timedelta(microseconds=1)) == client_id
    assert code_at(expires_at) == "invalid_api_key"
    assert code_at(expires_at + timedelta(seconds=1)) == "invalid_api_key"
    assert lookups() == 1  # the cached entry itself lapsed: no lookup was needed to refuse it


@pytest.mark.parametrize(
    ("credential", "code"),
    [
        ("a.b", "invalid_credentials"),
        ("a.b.c", "invalid_token"),  # three parts: read as a JWT
        ("a.b.c.d", "invalid_credentials"),
    ],
)
def test_only_three_dotted_parts_are_read_as_a_token(
    gw: RunningGateway, credential: str, code: str
) -> None:
    response = gw.http.get("/registry/v1/echo", headers={"Authorization": f"Bearer {credential}"})
    assert response.status_code == 401
    assert response.json()["code"] == code


def test_callers_waiting_on_one_failing_lookup_all_get_its_error(
    gw: RunningGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = gw.key_for("bank")
    authenticator = gw.gateway.authenticator
    calls = 0

    async def scenario() -> list[BaseException | Any]:
        nonlocal calls
        release = asyncio.Event()

        async def failing(function: Callable[..., Any], **kwargs: Any) -> Any:
            nonlocal calls
            calls += 1
            await release.wait()
            raise RuntimeError("database unavailable")

        monkeypatch.setattr(authenticator, "_db", failing)
        first = asyncio.create_task(authenticator.authenticate(key))
        second = asyncio.create_task(authenticator.authenticate(key))
        while calls == 0 or not authenticator._inflight:
            await asyncio.sleep(0)
        await asyncio.sleep(0)  # the second now waits on the first's lookup
        release.set()
        async with asyncio.timeout(10):  # a waiter left hanging fails here, not forever
            return await asyncio.gather(first, second, return_exceptions=True)

    outcomes = asyncio.run(scenario())
    assert calls == 1  # one lookup for both
    assert [type(o) for o in outcomes] == [RuntimeError, RuntimeError]
    assert all(str(o) == "database unavailable" for o in outcomes)
    monkeypatch.undo()
    # Nothing was cached from the failure: the key works once the database answers again.
    assert asyncio.run(authenticator.authenticate(key)).kind == "bank"


def test_flush_writes_each_used_keys_last_use_once(gw: RunningGateway) -> None:
    authenticator = gw.gateway.authenticator
    asyncio.run(authenticator.flush_last_used())  # what the fixture's own calls left
    assert asyncio.run(authenticator.flush_last_used()) == 0
    created = [gw.create_client("bank") for _ in range(2)]
    for c, uses in zip(created, (1, 2), strict=True):
        for _ in range(uses):
            headers = {"X-API-Key": c["api_key"]["key"]}
            assert gw.http.get("/registry/v1/echo", headers=headers).status_code == 200
    assert asyncio.run(authenticator.flush_last_used()) == 2  # two keys, three uses
    assert asyncio.run(authenticator.flush_last_used()) == 0  # nothing new since
    for c in created:
        keys = gw.http.get(
            f"/admin/v1/clients/{c['client']['id']}/keys", headers=gw.admin_headers
        ).json()["items"]
        assert keys[0]["last_used_at"] is not None


def test_the_verifier_allows_no_leeway_either_side(
    gw: RunningGateway, signing_key: bytes, clock: Clock
) -> None:
    client_id = gw.create_client("bank")["client"]["id"]
    authenticator = gw.gateway.authenticator

    def verified(iat: int, exp: int) -> str:
        claims = {
            "iss": gw.settings.issuer,
            "aud": gw.settings.access_token_audience,
            "sub": client_id,
            "client_id": client_id,
            "iat": iat,
            "exp": exp,
            "jti": f"atk_{iat}_{exp}",
            "scope": "registry:read",
        }
        token = jwt.encode(
            claims, signing_key, algorithm="EdDSA", headers={"kid": KID, "typ": "at+jwt"}
        )
        try:
            return asyncio.run(authenticator.authenticate(token)).client_id
        except auth_module.AuthError as exc:
            return exc.code

    # Expired from the very second of its exp (no grace after it), by the verifier itself: the
    # authenticator's own clock (behind here) would still take it.
    now = int(time.time())
    clock.wall = now - 10
    assert verified(now - 600, now) == "token_expired"
    # ...and valid from the very second of its iat (none demanded before it).
    now = int(time.time())
    assert verified(now, now + 600) == client_id


@pytest.mark.parametrize(("found", "size"), [(True, 50_000), (False, 10_000)])
def test_the_caches_hold_their_documented_sizes_exactly(
    gw: RunningGateway, monkeypatch: pytest.MonkeyPatch, clock: Clock, found: bool, size: int
) -> None:
    # Keys that exist (50 000 entries) and unknown ones (10 000); the clock stands still, so
    # only eviction removes an entry. The database is stood in for: every key is the same
    # client's (or none), so each lookup is only counted.
    authenticator = gw.gateway.authenticator
    caller = asyncio.run(authenticator.authenticate(gw.key_for("bank"))) if found else None
    authenticator.invalidate()  # that lookup's entry gone: the cache starts empty
    looked_up: list[str] = []

    async def lookup(function: Callable[..., Any], **kwargs: Any) -> Any:
        looked_up.append(kwargs["key_hash"])
        return caller

    monkeypatch.setattr(authenticator, "_db", lookup)
    keys = [f"{gw.settings.api_key_prefix}_size{n:032d}" for n in range(size + 1)]

    async def costs(key: str) -> int:
        before = len(looked_up)
        with contextlib.suppress(auth_module.AuthError):
            await authenticator.authenticate(key)
        return len(looked_up) - before

    async def scenario() -> list[int]:
        for key in keys[:size]:
            await costs(key)
        full = await costs(keys[0])  # the cache holds `size` entries: the first is still there
        await costs(keys[size])  # one more: the oldest tenth makes room
        return [full, await costs(keys[size // 10]), await costs(keys[size // 10 - 1])]

    assert asyncio.run(scenario()) == [0, 0, 1]


def test_a_key_lookup_reads_while_a_writer_holds_the_sqlite_database(gw: RunningGateway) -> None:
    database = gw.gateway.database
    if not database.is_sqlite:
        pytest.skip("on PostgreSQL reads and writes share one engine")
    key = gw.key_for("bank")  # not yet looked up
    authenticator = gw.gateway.authenticator

    async def authenticate() -> Any:
        async with asyncio.timeout(10):  # a lookup queued behind the writer fails here
            return await authenticator.authenticate(key)

    with database.session() as writer:
        writer.connection()  # BEGIN IMMEDIATE: the write lock, held until the block ends
        caller = asyncio.run(authenticate())
    assert caller.kind == "bank"


@pytest.mark.parametrize("credential", ["key", "token"])
def test_a_request_after_a_revocation_does_not_share_a_lookup_begun_before_it(
    start_gateway: StartGateway, monkeypatch: pytest.MonkeyPatch, credential: str
) -> None:
    """A lookup that read the key (or the token's client) as active before the revocation
    committed may still be running when the next request arrives: that request must read
    again, not wait for the old answer and cache it for the whole TTL."""
    import threading

    gw = start_gateway(key_cache_ttl_seconds=60)
    created = gw.create_client("bank", issue_client_secret=True)
    client_id, key = created["client"]["id"], created["api_key"]["key"]
    if credential == "key":
        headers = {"X-API-Key": key}
    else:
        issued = gw.http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, created["client_secret"]),
        )
        assert issued.status_code == 200, issued.text
        headers = {"Authorization": f"Bearer {issued.json()['access_token']}"}
    authenticator = gw.gateway.authenticator
    real_db, real_flight = authenticator._db, authenticator._single_flight
    read, release, second = threading.Event(), threading.Event(), threading.Event()
    flights = 0

    async def held_db(function: Callable[..., Any], **kwargs: Any) -> Any:
        found = await real_db(function, **kwargs)
        if not read.is_set():  # the first lookup: it has read the credential as active
            read.set()
            while not release.is_set():
                await asyncio.sleep(0.01)
        return found

    async def counted_flight(key: str, load: Callable[[], Any]) -> Any:
        nonlocal flights
        flights += 1
        if flights == 2:
            second.set()  # the later request decides, before the loop moves on, whether to join
        return await real_flight(key, load)

    monkeypatch.setattr(authenticator, "_db", held_db)
    monkeypatch.setattr(authenticator, "_single_flight", counted_flight)
    answers: dict[str, int] = {}

    def call(name: str) -> None:
        answers[name] = gw.http.get("/registry/v1/echo", headers=headers).status_code

    before = threading.Thread(target=call, args=("before",))
    after = threading.Thread(target=call, args=("after",))
    before.start()
    try:  # the held lookup is released whatever fails here
        assert read.wait(10)
        if credential == "key":
            key_id = created["api_key"]["id"]
            done = gw.http.delete(
                f"/admin/v1/clients/{client_id}/keys/{key_id}", headers=gw.admin_headers
            )
        else:
            done = gw.http.post(f"/admin/v1/clients/{client_id}/suspend", headers=gw.admin_headers)
        assert done.status_code in (200, 204), done.text
        after.start()
        assert second.wait(10)
    finally:
        release.set()
    before.join(10)
    after.join(10)
    assert not before.is_alive() and not after.is_alive()
    assert answers["after"] == 401
    assert gw.http.get("/registry/v1/echo", headers=headers).status_code == 401  # nothing cached


def test_a_reactivated_clients_key_works_at_once_on_this_replica(
    start_gateway: StartGateway, clock: Clock
) -> None:
    """The refusal of a suspended client's key is cached as an unknown key; the reactivation
    drops it with the rest (the clock stands still: no entry lapses on its own)."""
    gw = start_gateway(key_cache_ttl_seconds=60)
    created = gw.create_client("bank")
    client_id, headers = created["client"]["id"], {"X-API-Key": created["api_key"]["key"]}
    admin = gw.admin_headers
    assert gw.http.post(f"/admin/v1/clients/{client_id}/suspend", headers=admin).status_code == 200
    refused = gw.http.get("/registry/v1/echo", headers=headers)
    assert refused.status_code == 401 and refused.json()["code"] == "invalid_api_key"
    again = gw.http.post(f"/admin/v1/clients/{client_id}/activate", headers=admin)
    assert again.status_code == 200, again.text
    assert gw.http.get("/registry/v1/echo", headers=headers).status_code == 200
