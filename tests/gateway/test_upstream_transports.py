"""Both upstream transports driven directly: the connection gate's hand-over, a refused
connection's error, and closing (an aiohttp session left open is reported by the loop)."""

import asyncio
import contextlib
import gc
import gzip
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import pytest

from gateway.proxy.pool import ConnectFailed, Disconnected, UpstreamTimeout
from gateway.proxy.transport import Gate, InvalidHeader, Saturated, transport_for
from gateway.settings import GatewaySettings
from tests.gateway.conftest import TRANSPORTS, raw_upstream
from tests.servers import free_port


def test_a_waiter_cancelled_as_it_is_handed_a_slot_passes_the_slot_on() -> None:
    """A caller that leaves (its request cancelled) in the same turn as a slot is handed to it
    must not take the slot with it: the next caller gets it at once."""

    async def scenario() -> None:
        gate = Gate(limit=1, queue=2, wait=5)
        await gate.acquire()
        leaving = asyncio.create_task(gate.acquire())
        await asyncio.sleep(0)  # now waiting in line
        gate.release()  # hands the slot to the waiter...
        leaving.cancel()  # ...which is cancelled before it runs again
        with pytest.raises(asyncio.CancelledError):
            await leaving
        await asyncio.wait_for(gate.acquire(), 1)  # the slot is free, not queued for 5 s
        assert gate.active == 1

    asyncio.run(scenario())


def test_a_released_slot_is_one_slot() -> None:
    """Holding and releasing in turn never lets more than `limit` hold at once."""

    async def scenario() -> None:
        gate = Gate(limit=1, queue=0, wait=1)
        for _ in range(2):
            await gate.acquire()
            gate.release()
        await gate.acquire()
        with pytest.raises(Saturated):  # the one slot is held, and no one may wait
            await gate.acquire()
        assert gate.active == 1

    asyncio.run(scenario())


def test_bounds_past_256_hold_too() -> None:
    """Past the integers CPython caches (where an `is` in place of `<` or `>=` would fail), 300
    holders and 300 waiters are the most the gate takes."""

    async def scenario() -> None:
        gate = Gate(limit=300, queue=300, wait=5)
        for _ in range(300):
            await gate.acquire()
        waiting = [asyncio.create_task(gate.acquire()) for _ in range(300)]
        await asyncio.sleep(0)
        with pytest.raises(Saturated):
            await gate.acquire()
        assert gate.active == 300
        for _ in range(300):
            gate.release()  # each hands its slot to the next waiter in line
        await asyncio.gather(*waiting)
        assert gate.active == 300

    asyncio.run(scenario())


@pytest.mark.parametrize("name", TRANSPORTS)
def test_a_refused_connection_is_reported_as_refused(
    name: str, run: Callable[[Coroutine[Any, Any, None]], None]
) -> None:
    async def scenario() -> None:
        settings = GatewaySettings(environment="test", upstream_transport=name)
        port = free_port()
        transport = transport_for(settings, "127.0.0.1", port)
        # The reason as the event loop words it (asyncio, uvloop), without the errno prefix.
        reason = rf"(Connect call failed \('127\.0\.0\.1', {port}\)|Connection refused)"
        with pytest.raises(ConnectFailed, match=rf"^cannot connect to upstream: {reason}$"):
            async with transport.send("GET", b"/v1/items", [], None):
                pass
        await transport.close()

    run(scenario())


@pytest.mark.parametrize("name", TRANSPORTS)
def test_a_transport_closes_whether_or_not_it_was_used(
    name: str, run: Callable[[Coroutine[Any, Any, None]], None]
) -> None:
    """Closing an unused transport is a no-op; closing a used one closes its client, so nothing
    is reported unclosed when it is collected."""

    async def scenario() -> None:
        closed = asyncio.Event()

        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
            await writer.drain()
            if await reader.read(1) == b"":  # the transport closed the connection
                closed.set()
            writer.close()

        settings = GatewaySettings(environment="test", upstream_transport=name)
        async with raw_upstream(answer) as port:
            await transport_for(settings, "127.0.0.1", port).close()
            used = transport_for(settings, "127.0.0.1", port)
            async with used.send("GET", b"/v1/items", [], None) as answer_:
                assert (answer_.status, await answer_.read(5)) == (200, b"ok")
            await used.close()
            await asyncio.wait_for(closed.wait(), 3)
            assert used.in_flight() == 0
            del used, answer_
            gc.collect()

    run(scenario())


@pytest.mark.parametrize("name", TRANSPORTS)
def test_a_compressed_answer_is_passed_on_compressed(
    name: str, run: Callable[[Coroutine[Any, Any, None]], None]
) -> None:
    """The body keeps its content-encoding: the bytes the caller gets are the upstream's."""
    compressed = gzip.compress(b'{"items": []}' * 100)

    async def scenario() -> None:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            head = b"HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: %d\r\n\r\n"
            writer.write(head % len(compressed) + compressed)
            await writer.drain()
            await reader.read(1)  # until the transport closes the connection
            writer.close()

        settings = GatewaySettings(environment="test", upstream_transport=name)
        async with raw_upstream(answer) as port:
            transport = transport_for(settings, "127.0.0.1", port)
            async with transport.send("GET", b"/v1/items", [], None) as answer_:
                assert (b"content-encoding", b"gzip") in answer_.headers
                assert await answer_.read(5) == compressed
            await transport.close()

    run(scenario())


@pytest.mark.parametrize("name", TRANSPORTS)
def test_consecutive_requests_share_one_kept_alive_connection(
    name: str, run: Callable[[Coroutine[Any, Any, None]], None]
) -> None:
    async def scenario() -> None:
        connections = 0

        async def answer_each(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal connections
            connections += 1
            with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
                while head := await reader.readuntil(b"\r\n\r\n"):
                    writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
                    await writer.drain()
                    if head.startswith(b"GET /v1/slow "):
                        await asyncio.sleep(0.2)
                    writer.write(b"ok")
                    await writer.drain()
            writer.close()

        settings = GatewaySettings(environment="test", upstream_transport=name)
        async with raw_upstream(answer_each) as port:
            transport = transport_for(settings, "127.0.0.1", port)
            for _ in range(3):
                async with transport.send("GET", b"/v1/items", [], None) as answer:
                    assert (answer.status, await answer.read(5)) == (200, b"ok")
            assert connections == 1
            async with transport.send("GET", b"/v1/slow", [], None) as answer:
                assert answer.status == 200  # abandoned before its body came: not reused
            async with transport.send("GET", b"/v1/items", [], None) as answer:
                assert (answer.status, await answer.read(5)) == (200, b"ok")
            await transport.close()
        assert connections == 2

    run(scenario())


@pytest.mark.parametrize("name", TRANSPORTS)
@pytest.mark.parametrize("streamed", [True, False], ids=["stream", "read"])
@pytest.mark.parametrize(
    ("ending", "error"),
    [("close", Disconnected), ("stall", UpstreamTimeout)],
    ids=["cut", "stalled"],
)
def test_a_body_that_stops_half_way_fails_as_begun(
    name: str,
    streamed: bool,
    ending: str,
    error: type[Exception],
    run: Callable[[Coroutine[Any, Any, None]], None],
) -> None:
    """The parts that arrived are passed on (when streamed); then reading fails: the upstream
    closed, as a dropped connection that had begun answering (never retried), or went silent
    past the read timeout."""

    async def scenario() -> None:
        async def half(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhalf.")
            await writer.drain()
            if ending == "stall":
                await reader.read(1)  # until the transport gives up and closes
            writer.close()

        settings = GatewaySettings(
            environment="test", upstream_transport=name, read_timeout_seconds=0.3
        )
        async with raw_upstream(half) as port:
            transport = transport_for(settings, "127.0.0.1", port)
            received = b""
            with pytest.raises(error) as failed:
                async with transport.send("GET", b"/v1/items", [], None) as answer:
                    if streamed:
                        async for part in answer.stream(0.3):
                            received += part
                    else:
                        received = await answer.read(0.3)
            assert received == (b"half." if streamed else b"")
            if isinstance(failed.value, Disconnected):
                assert failed.value.before_response is False
            await transport.close()

    run(scenario())


@pytest.mark.parametrize("name", TRANSPORTS)
@pytest.mark.parametrize(
    ("target", "headers", "named"),
    [
        (b"/v1/a b", [], "request target"),
        (b"/v1/a\r\nx: 1", [], "request target"),
        (b"/v1/items", [(b"x-note", b"a\nb")], "header 'x-note'"),
        (b"/v1/items", [(b"x-no\rte", b"1")], r"header 'x-no\rte'"),  # shown escaped
    ],
)
def test_a_request_that_would_break_the_request_line_or_headers_is_refused(
    name: str, target: bytes, headers: list[tuple[bytes, bytes]], named: str
) -> None:
    """A space in the target, or CR/LF/NUL anywhere, is refused before any connection."""

    async def scenario() -> None:
        settings = GatewaySettings(environment="test", upstream_transport=name)
        transport = transport_for(settings, "127.0.0.1", free_port())
        with pytest.raises(InvalidHeader) as refused:
            async with transport.send("GET", target, headers, None):
                pass
        assert refused.value.field == named
        assert transport.gate.active == 0
        await transport.close()

    asyncio.run(scenario())


@pytest.mark.parametrize("name", TRANSPORTS)
@pytest.mark.parametrize("streamed", [True, False], ids=["streamed", "bytes"])
def test_a_body_of_known_length_is_sent_with_that_length_not_chunked(
    name: str, streamed: bool, run: Callable[[Coroutine[Any, Any, None]], None]
) -> None:
    async def scenario() -> None:
        heads: list[bytes] = []

        async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            heads.append((await reader.readuntil(b"\r\n\r\n")).lower())
            body = await reader.readexactly(5)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n" + body)
            await writer.drain()
            await reader.read(1)  # until the transport closes the connection
            writer.close()

        async def parts() -> AsyncIterator[bytes]:
            yield b"ab"
            yield b"cde"

        settings = GatewaySettings(environment="test", upstream_transport=name)
        async with raw_upstream(echo) as port:
            transport = transport_for(settings, "127.0.0.1", port)
            body = parts() if streamed else b"abcde"
            async with transport.send("PUT", b"/v1/items/1", [], body, 5) as answer:
                assert (answer.status, await answer.read(5)) == (200, b"abcde")
            await transport.close()
        assert heads[0].count(b"\r\ncontent-length: 5\r\n") == 1, heads[0]
        assert b"transfer-encoding" not in heads[0]

    run(scenario())


@pytest.mark.parametrize("name", TRANSPORTS)
def test_a_connection_dropped_before_any_answer_is_reported_as_such(
    name: str, run: Callable[[Coroutine[Any, Any, None]], None]
) -> None:
    """`before_response` is what lets the gateway retry a replayable request elsewhere."""

    async def scenario() -> None:
        async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.close()

        settings = GatewaySettings(environment="test", upstream_transport=name)
        async with raw_upstream(drop) as port:
            transport = transport_for(settings, "127.0.0.1", port)
            with pytest.raises(Disconnected) as failed:
                async with transport.send("GET", b"/v1/items", [], None):
                    pass
            assert failed.value.before_response is True
            await transport.close()

    run(scenario())


@pytest.mark.parametrize("name", TRANSPORTS)
def test_in_flight_counts_each_answer_not_yet_finished(
    name: str, run: Callable[[Coroutine[Any, Any, None]], None]
) -> None:
    """The count the leak tests rely on: 0 before any request, 1 per answer still arriving."""

    async def scenario() -> None:
        finish = asyncio.Event()

        async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
                while await reader.readuntil(b"\r\n\r\n"):
                    writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
                    await writer.drain()
                    await finish.wait()
                    writer.write(b"ok")
                    await writer.drain()
            writer.close()

        settings = GatewaySettings(environment="test", upstream_transport=name)
        async with raw_upstream(slow) as port:
            transport = transport_for(settings, "127.0.0.1", port)
            assert transport.in_flight() == 0
            async with transport.send("GET", b"/v1/items", [], None) as answer:
                assert transport.in_flight() == 1
                finish.set()
                assert await answer.read(5) == b"ok"
            assert transport.in_flight() == 0
            await transport.close()

    run(scenario())
