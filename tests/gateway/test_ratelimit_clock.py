"""The limiter's arithmetic against a clock the test moves: what remains, when a window resets
(the RateLimit `t` and Retry-After), how long a failing credential stays refused.

The limiter and its in-memory storage (`limits`) read the same fake clock; nothing sleeps."""

import asyncio
import dataclasses
from typing import Any

import pytest
from limits.aio.storage import memory as limits_memory

from gateway.ratelimit import limiter as limiter_module
from gateway.ratelimit.limiter import RateLimiter
from gateway.settings import GatewaySettings

MINUTE = 60 * 16_667.0  # a wall-clock time on a minute boundary (a fixed window starts here)


class Clock:
    """Wall and monotonic time, moved by the test."""

    def __init__(self) -> None:
        self.wall = MINUTE
        self.mono = 5_000.0

    def time(self) -> float:
        return self.wall

    def monotonic(self) -> float:
        return self.mono


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(limiter_module, "time", fake)
    monkeypatch.setattr(limits_memory, "time", fake)
    return fake


def _limiter(**overrides: Any) -> RateLimiter:
    return RateLimiter(GatewaySettings(environment="test", **overrides))


def _state(decision: Any) -> tuple[bool, str, int]:
    return decision.allowed, decision.state.decode(), decision.retry_after


def test_a_fixed_window_counts_down_and_resets_on_the_clock(clock: Clock) -> None:
    limiter = _limiter(rate_limit_read="3/minute")

    async def at(offset: float) -> tuple[bool, str, int]:
        clock.wall = MINUTE + offset
        return _state(await limiter.hit(identity="cli_a", klass="read"))

    async def scenario() -> list[tuple[bool, str, int]]:
        return [await at(offset) for offset in (0, 0.5, 20.25, 59.5, 59.9995, 60, 60.5)]

    assert asyncio.run(scenario()) == [
        (True, '"read";r=2;t=60', 60),  # at the window's start: all of it left
        (True, '"read";r=1;t=60', 60),  # 59.5 s left, rounded up
        (True, '"read";r=0;t=40', 40),  # 39.75 s left
        (False, '"read";r=0;t=1', 1),  # 0.5 s left
        (False, '"read";r=0;t=1', 1),  # under a millisecond left: still at least 1 s
        (True, '"read";r=2;t=60', 60),  # the next window
        (True, '"read";r=1;t=60', 60),
    ]
    policy = asyncio.run(limiter.hit(identity="cli_b", klass="read")).policy
    assert policy == b'"read";q=3;w=60'


def test_a_moving_window_frees_a_slot_a_window_after_each_hit(clock: Clock) -> None:
    limiter = _limiter(rate_limit_write="3/minute")

    async def at(offset: float) -> tuple[bool, str, int]:
        clock.wall = MINUTE + 0.25 + offset  # anywhere: a moving window has no boundaries
        return _state(await limiter.hit(identity="cli_a", klass="write"))

    async def scenario() -> list[tuple[bool, str, int]]:
        return [await at(offset) for offset in (0, 10, 20, 30.5, 59.9995, 60.5)]

    assert asyncio.run(scenario()) == [
        (True, '"write";r=2;t=60', 60),  # the first hit's slot frees 60 s later
        (True, '"write";r=1;t=50', 50),
        (True, '"write";r=0;t=40', 40),
        (False, '"write";r=0;t=30', 30),  # 29.5 s until the first hit leaves the window
        (False, '"write";r=0;t=1', 1),  # a fraction of a second: at least 1 s
        (True, '"write";r=0;t=10', 10),  # the first hit left; the second leaves in 9.5 s
    ]


def test_a_failing_credential_is_refused_until_its_window_frees_a_slot(clock: Clock) -> None:
    limiter = _limiter(rate_limit_auth_failures="3/minute")

    async def failures() -> list[int]:
        return [await limiter.failed(credential="tsk_bad", address="10.0.0.1") for _ in range(4)]

    assert asyncio.run(failures()) == [0, 0, 0, 60]  # the fourth: wait the window out
    refused = []
    for offset in (0, 30.4, 59.4, 59.6, 59.999):
        clock.mono = 5_000.0 + offset
        refused.append(limiter.refused("tsk_bad"))
    assert refused == [60, 30, 1, 1, 1]  # rounded, and never 0 while blocked
    assert limiter.refused("tsk_other") == 0  # another credential from the same address passes
    clock.mono = 5_060.0
    assert limiter.refused("tsk_bad") == 0  # exactly when the block ends
    clock.mono = 5_000.0  # the block was dropped, not merely outlived
    assert limiter.refused("tsk_bad") == 0


def test_a_full_block_list_makes_room_only_from_expired_blocks(
    clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limiter_module, "_MAX_BLOCKED", 2)
    limiter = _limiter(rate_limit_auth_failures="1/minute")

    async def block(credential: str) -> int:
        await limiter.failed(credential=credential, address=f"addr-{credential}")
        return await limiter.failed(credential=credential, address=f"addr-{credential}")

    clock.mono, clock.wall = 5_000.0, MINUTE
    assert asyncio.run(block("first")) == 60
    clock.mono, clock.wall = 5_030.0, MINUTE + 30
    assert asyncio.run(block("second")) == 60
    # Full, and both blocks live: the third is told to wait, but not remembered.
    clock.mono, clock.wall = 5_059.0, MINUTE + 59
    assert asyncio.run(block("third")) == 60
    assert [limiter.refused(c) for c in ("first", "second", "third")] == [1, 31, 0]
    # The first block ends at 5_060 exactly: then it makes room.
    clock.mono, clock.wall = 5_060.0, MINUTE + 60
    assert asyncio.run(block("fourth")) == 60
    assert [limiter.refused(c) for c in ("second", "fourth")] == [30, 60]
    # Ten seconds after the second block ended (at 5_090), it too makes room.
    clock.mono, clock.wall = 5_100.0, MINUTE + 100
    assert asyncio.run(block("fifth")) == 60
    assert [limiter.refused(c) for c in ("fourth", "fifth")] == [20, 60]


def test_the_storage_is_skipped_for_the_retry_period_after_a_failure(clock: Clock) -> None:
    limiter = _limiter(
        rate_limit_storage="redis://127.0.0.1:1",  # nothing listens: every call fails at once
        rate_limit_storage_retry_seconds=30,
        rate_limit_read="3/minute",
    )
    assert limiter.storage_up  # never failed yet
    assert asyncio.run(limiter.hit(identity="cli_a", klass="read")).allowed
    assert not limiter.storage_up  # failed over to local memory
    clock.mono = 5_010.0
    assert asyncio.run(limiter.hit(identity="cli_a", klass="read")).allowed  # storage not tried
    clock.mono = 5_029.999
    assert not limiter.storage_up
    clock.mono = 5_030.0
    assert limiter.storage_up  # time to try the storage again
    # Counted locally meanwhile: the limit still holds in this process.
    assert asyncio.run(limiter.hit(identity="cli_a", klass="read")).allowed
    assert not asyncio.run(limiter.hit(identity="cli_a", klass="read")).allowed


def test_a_storage_outage_is_logged_at_most_every_ten_seconds(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = _limiter(
        rate_limit_storage="redis://127.0.0.1:1",  # nothing listens: every call fails at once
        rate_limit_storage_retry_seconds=0.5,
    )
    caplog.set_level("WARNING", logger="gateway.ratelimit")
    logged = []
    for offset in (0, 5, 9.5, 10, 19, 20):  # each at least the retry period after the last
        clock.mono = 5_000.0 + offset
        caplog.clear()
        asyncio.run(limiter.hit(identity="cli_a", klass="read"))
        logged.append(
            any("rate-limit storage unavailable" in r.getMessage() for r in caplog.records)
        )
    assert logged == [True, False, False, True, False, True]


def test_a_new_limiter_trusts_its_storage_whatever_the_clock_reads(clock: Clock) -> None:
    # The monotonic clock's origin is unspecified: nothing has failed yet, so the storage is up.
    clock.mono = 0.5
    assert _limiter().storage_up


class SlowStorage:
    """A shared storage answering after `delay` real seconds."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.count = 0

    async def check(self) -> bool:
        await asyncio.sleep(self.delay)
        return True

    async def incr(self, key: str, expiry: int) -> int:
        await asyncio.sleep(self.delay)
        self.count += 1
        return self.count


def test_the_storage_is_given_twice_its_timeout(clock: Clock) -> None:
    """0.5 s timeout: answers in 0.3 s and 0.75 s (past the timeout, within twice it) are
    taken, one in 1.3 s (over 1 s) is not. Wide margins: a loaded machine's event loop may
    wake late."""
    limiter = _limiter(rate_limit_storage_timeout_seconds=0.5, rate_limit_read="3/minute")
    limiter.shared = True
    prompt, late, slow = SlowStorage(0.3), SlowStorage(0.75), SlowStorage(1.3)
    for storage in (prompt, late):
        limiter.storage = storage  # type: ignore[assignment]
        assert asyncio.run(limiter.check()) is True
        assert asyncio.run(limiter.hit(identity="cli_a", klass="read")).allowed
        assert (storage.count, limiter.storage_up) == (1, True)
    limiter.storage = slow  # type: ignore[assignment]
    assert asyncio.run(limiter.check()) is False
    assert asyncio.run(limiter.hit(identity="cli_a", klass="read")).allowed  # counted locally
    assert not limiter.storage_up


def test_a_storage_that_is_down_checks_false() -> None:
    limiter = _limiter(rate_limit_storage="redis://127.0.0.1:1")  # nothing listens
    assert asyncio.run(limiter.check()) is False


def test_a_redis_that_never_answers_is_asked_once() -> None:
    """A paused Redis accepts connections and never answers. The limiter's call is not
    retried (redis-py's default retries would reconnect and multiply the wait): one
    connection for a check, one for a hit."""
    connections: list[bytes] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(await reader.read(1))  # a command arrived, and no answer goes back
        await reader.read()  # until the client gives up and closes
        writer.close()

    async def asked() -> tuple[bool, bool, int]:
        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        limiter = _limiter(
            rate_limit_storage=f"redis://127.0.0.1:{port}", rate_limit_storage_timeout_seconds=0.2
        )
        checked = await limiter.check()
        limiter._retry_at = 0.0  # the check's failure does not stop the hit from asking
        decision = await limiter.hit(identity="cli_a", klass="read")
        await asyncio.sleep(0.3)  # a retry's connection, if one were made, has been accepted
        server.close()
        return checked, decision.allowed, len(connections)

    checked, allowed, asked_times = asyncio.run(asked())
    assert (checked, allowed) == (False, True)  # counted locally
    assert asked_times == 2


def test_failures_without_a_credential_count_by_address_alone(clock: Clock) -> None:
    limiter = _limiter(rate_limit_auth_failures="3/minute")

    async def failures() -> list[int]:
        return [await limiter.failed(credential=None, address="10.0.0.9") for _ in range(4)]

    assert asyncio.run(failures()) == [0, 0, 0, 60]
    assert limiter._blocked == {}  # no credential to refuse before its lookup


def test_a_block_holds_on_a_monotonic_clock_near_its_origin(clock: Clock) -> None:
    clock.mono = 10.0  # soon after boot: the block ends at 70, more than twice the clock
    limiter = _limiter(rate_limit_auth_failures="1/minute")

    async def block() -> int:
        await limiter.failed(credential="tsk_bad", address="10.0.0.1")
        return await limiter.failed(credential="tsk_bad", address="10.0.0.1")

    assert asyncio.run(block()) == 60
    assert limiter.refused("tsk_bad") == 60
    clock.mono = 40.0
    assert limiter.refused("tsk_bad") == 30
    clock.mono = 100.0  # well past the block's end: dropped, not refused for a second more
    assert limiter.refused("tsk_bad") == 0
    assert limiter._blocked == {}


def test_a_fixed_windows_reset_rounds_up_just_below_a_whole_second(clock: Clock) -> None:
    limiter = _limiter(rate_limit_read="3/minute")
    clock.wall = MINUTE + 29.98  # 30.02 s left
    assert _state(asyncio.run(limiter.hit(identity="cli_a", klass="read"))) == (
        True,
        '"read";r=2;t=31',
        31,
    )


def test_the_block_list_holds_ten_thousand_credentials(clock: Clock) -> None:
    limiter = _limiter(rate_limit_auth_failures="1/minute")
    limiter._blocked.update({f"{n:032x}": 9_000.0 for n in range(9_999)})  # all still live

    async def block(credential: str) -> int:
        await limiter.failed(credential=credential, address=f"addr-{credential}")
        return await limiter.failed(credential=credential, address=f"addr-{credential}")

    assert asyncio.run(block("the-10000th")) == 60
    assert len(limiter._blocked) == 10_000 and limiter.refused("the-10000th") == 60
    assert asyncio.run(block("one-more")) == 60  # told to wait, but not remembered
    assert len(limiter._blocked) == 10_000 and limiter.refused("one-more") == 0
    # Once every block has ended (the 9,999 at 9_000, the 10,000th's at 5_060), the full list
    # makes room for the next: it alone is left.
    clock.mono, clock.wall = 9_001.0, MINUTE + 4_001
    assert asyncio.run(block("after-they-ended")) == 60
    assert limiter.refused("after-they-ended") == 60 and len(limiter._blocked) == 1


def test_a_decision_cannot_be_changed(clock: Clock) -> None:
    decision = asyncio.run(_limiter().hit(identity="cli_a", klass="read"))
    with pytest.raises(dataclasses.FrozenInstanceError, match="allowed"):
        decision.allowed = False  # type: ignore[misc]
