"""The native upstream pool's connections, seen from a raw upstream on the same event loop: a
connection the upstream closes is forgotten without an error, a HEAD answer drops its
connection, and an answer nobody reads stops being read into memory."""

import asyncio
import contextlib
import itertools
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, cast

import pytest

from gateway.proxy.pool import _MAX_BUFFER, Disconnected, Response, UpstreamPool
from tests.gateway.conftest import RawHandler, raw_upstream


@asynccontextmanager
async def upstream_pool(
    handler: RawHandler, max_idle: int = 4, keepalive: float = 30
) -> AsyncIterator[UpstreamPool]:
    """A pool to a raw upstream served by `handler`; on exit the pool is closed and each of the
    upstream's handlers has finished."""
    async with raw_upstream(handler) as port:
        pool = UpstreamPool(
            "127.0.0.1",
            port,
            max_idle=max_idle,
            connect_timeout=2,
            read_timeout=5,
            keepalive=keepalive,
        )
        try:
            yield pool
        finally:
            await pool.close()


async def _read_head(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n\r\n")


def _answer_then_close(answer: bytes, close_when: asyncio.Event | None = None) -> RawHandler:
    """An upstream that reads one request's head, sends `answer` (raw bytes) and closes the
    connection: at once, or once `close_when` is set."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_head(reader)
        writer.write(answer)
        await writer.drain()
        if close_when is not None:
            await close_when.wait()
        writer.close()

    return handler


def _answer_then_see_close(
    answer: bytes, seen_close: asyncio.Event | None = None, heads: list[bytes] | None = None
) -> RawHandler:
    """An upstream that reads one request's head (kept in `heads`), sends `answer` (raw bytes)
    and waits for the pool to close the connection (then sets `seen_close`)."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await _read_head(reader)
        if heads is not None:
            heads.append(head)
        writer.write(answer)
        await writer.drain()
        if await reader.read(1) == b"" and seen_close is not None:
            seen_close.set()
        writer.close()

    return handler


async def _get(pool: UpstreamPool) -> tuple[int, bytes]:
    """A GET through the pool: its status and whole body."""
    response = await pool.request("GET", b"/v1/items", [], None)
    return response.status, await response.read(5)


def test_an_idle_connection_the_upstream_closes_is_forgotten_without_an_error(
    run: Callable[[Coroutine[Any, Any, None]], None],
) -> None:
    async def scenario() -> None:
        close_now = asyncio.Event()  # as uvicorn closes once its keep-alive runs out
        answer = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
        async with upstream_pool(_answer_then_close(answer, close_now)) as pool:
            response = await pool.request("GET", b"/v1/items", [], None)
            assert await response.read(5) == b"ok"
            assert repr(pool) == f"UpstreamPool(127.0.0.1:{pool.port}, idle=1)"
            close_now.set()
            for _ in range(100):
                if repr(pool).endswith("idle=0)"):
                    break
                await asyncio.sleep(0.01)
            assert repr(pool) == f"UpstreamPool(127.0.0.1:{pool.port}, idle=0)"
            # and the next request opens a new connection that works
            assert await _get(pool) == (200, b"ok")

    run(scenario())


def test_a_head_answer_closes_its_connection(
    run: Callable[[Coroutine[Any, Any, None]], None],
) -> None:
    """A HEAD answer announces a length it does not send, so its connection cannot carry the
    next exchange: the pool closes it, and the upstream sees the close at once."""

    async def scenario() -> None:
        seen_close, heads = asyncio.Event(), list[bytes]()
        answer = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n"
        async with upstream_pool(_answer_then_see_close(answer, seen_close, heads)) as pool:
            response = await pool.request("HEAD", b"/v1/items", [], None)
            assert (response.status, await response.read(5)) == (200, b"")
            await asyncio.wait_for(seen_close.wait(), 3)
            assert heads[0].startswith(b"HEAD /v1/items ")
            assert repr(pool) == f"UpstreamPool(127.0.0.1:{pool.port}, idle=0)"

    run(scenario())


def test_an_answer_nobody_reads_is_not_read_into_memory(
    run: Callable[[Coroutine[Any, Any, None]], None],
) -> None:
    """Reading pauses once the buffered body passes the limit, and resumes as chunks are taken:
    the whole body still arrives, in order."""
    size = 16 * _MAX_BUFFER
    body = bytes(range(256)) * (size // 256)

    async def scenario() -> None:
        async def big(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await _read_head(reader)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % size + body)
            await writer.drain()
            await reader.read(1)  # until the pool closes the connection
            writer.close()

        async def held_once_reading_stops(response: Response) -> int:
            held = -1
            while held != response.buffered:
                held = response.buffered
                await asyncio.sleep(0.2)
            return held

        async with upstream_pool(big) as pool:
            response = await pool.request("GET", b"/v1/big", [], None)
            held = await held_once_reading_stops(response)
            # The pool's bound: reading stops within one read past 1 MiB buffered.
            assert 1 << 20 < held < 2 << 20, f"{held} bytes buffered unread"
            parts = cast(AsyncGenerator[bytes, None], response.stream(5))  # an async generator
            received = [await anext(parts)]  # takes what is buffered: reading resumes...
            held = await held_once_reading_stops(response)
            assert _MAX_BUFFER < held < 2 * _MAX_BUFFER, f"{held} bytes buffered unread"  # ...and
            received += [chunk async for chunk in parts]  # pauses again past the limit
            assert b"".join(received) == body

    run(scenario())


def test_an_abandoned_answer_drops_its_connection_at_once(
    run: Callable[[Coroutine[Any, Any, None]], None],
) -> None:
    """Half a body is still to come, so the connection cannot carry another exchange: the
    upstream sees it closed as soon as the caller abandons the answer."""

    async def scenario() -> None:
        seen_close = asyncio.Event()
        half = b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhalf."
        async with upstream_pool(_answer_then_see_close(half, seen_close)) as pool:
            response = await pool.request("GET", b"/v1/items", [], None)
            response.abort()
            await asyncio.wait_for(seen_close.wait(), 3)
            assert repr(pool) == f"UpstreamPool(127.0.0.1:{pool.port}, idle=0)"
            with pytest.raises(Disconnected, match="response abandoned") as failed:
                await response.read(1)
            assert failed.value.before_response is False  # the answer had begun

    run(scenario())


@pytest.mark.parametrize("status", [99, 101])
def test_an_answer_outside_the_interim_range_is_final(
    run: Callable[[Coroutine[Any, Any, None]], None], status: int
) -> None:
    """Only 100 to 199 but 101 are passed over: the caller gets any other status at once."""

    async def scenario() -> None:
        answer = b"HTTP/1.1 %03d Odd\r\ncontent-length: 0\r\n\r\n" % status
        async with upstream_pool(_answer_then_close(answer)) as pool:
            response = await asyncio.wait_for(pool.request("GET", b"/v1/items", [], None), 3)
            assert response.status == status

    run(scenario())


@pytest.mark.parametrize("interim", [100, 102, 103, 199])
def test_interim_answers_are_passed_over_for_the_final_one(
    run: Callable[[Coroutine[Any, Any, None]], None], interim: int
) -> None:
    """Every 1xx but 101 is informational, up to 199: the caller gets the final answer."""

    async def scenario() -> None:
        interim_then_final = (
            b"HTTP/1.1 %d Interim\r\nlink: </a>\r\n\r\n" % interim
            + b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
        )
        async with upstream_pool(_answer_then_see_close(interim_then_final)) as pool:
            response = await pool.request("GET", b"/v1/items", [], None)
            assert (response.status, await response.read(5)) == (200, b"ok")
            assert response.headers == [(b"content-length", b"2")]

    run(scenario())


def test_a_streamed_body_of_a_known_length_is_sent_to_its_last_byte(
    run: Callable[[Coroutine[Any, Any, None]], None],
) -> None:
    """A body announced with its length and streamed in parts reaches the upstream whole, the
    last part being a single byte."""

    async def scenario() -> None:
        async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            head = await _read_head(reader)
            assert b"content-length: 3\r\n" in head.lower(), head
            body = await reader.readexactly(3)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\n" + body)
            await writer.drain()
            await reader.read(1)
            writer.close()

        async def parts() -> AsyncIterator[bytes]:
            for part in (b"ab", b"c"):
                yield part

        async with upstream_pool(echo) as pool:
            response = await pool.request("POST", b"/v1/echo", [], parts(), content_length=3)
            assert (response.status, await response.read(5)) == (200, b"abc")

    run(scenario())


async def _buffered_reaches(response: Response, size: int) -> int:
    """The answer's buffered byte count once it reaches `size` (or after 3 s)."""
    for _ in range(300):
        if response.buffered >= size:
            break
        await asyncio.sleep(0.01)
    return response.buffered


def test_reading_pauses_only_once_the_buffered_body_passes_the_limit(
    run: Callable[[Coroutine[Any, Any, None]], None],
) -> None:
    """With exactly the limit buffered, reading goes on: a byte sent after it is still read (and
    then reading pauses)."""

    async def scenario() -> None:
        more = asyncio.Event()

        async def two_sends(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await _read_head(reader)
            head = b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % (_MAX_BUFFER + 2)
            writer.write(head + b"x" * _MAX_BUFFER)
            await writer.drain()
            await more.wait()
            writer.write(b"y")
            await writer.drain()
            await reader.read(1)  # until the pool closes the connection
            writer.close()

        async with upstream_pool(two_sends) as pool:
            response = await pool.request("GET", b"/v1/big", [], None)
            assert await _buffered_reaches(response, _MAX_BUFFER) == _MAX_BUFFER
            more.set()
            assert await _buffered_reaches(response, _MAX_BUFFER + 1) == _MAX_BUFFER + 1
            response.abort()

    run(scenario())


def test_parts_taken_from_a_stream_no_longer_count_toward_the_limit(
    run: Callable[[Coroutine[Any, Any, None]], None],
) -> None:
    """Once the consumer took the first part, exactly the limit more may be buffered before
    reading pauses: a byte sent after them is still read."""

    async def scenario() -> None:
        taken, more = asyncio.Event(), asyncio.Event()

        async def three_sends(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await _read_head(reader)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\na" % (_MAX_BUFFER + 2))
            await taken.wait()
            writer.write(b"x" * _MAX_BUFFER)
            await more.wait()
            writer.write(b"y")
            await reader.read(1)  # until the pool closes the connection
            writer.close()

        async with upstream_pool(three_sends) as pool:
            response = await pool.request("GET", b"/v1/big", [], None)
            parts = cast(AsyncGenerator[bytes, None], response.stream(5))  # an async generator
            assert await anext(parts) == b"a"
            taken.set()
            assert await _buffered_reaches(response, _MAX_BUFFER) == _MAX_BUFFER
            more.set()
            assert await _buffered_reaches(response, _MAX_BUFFER + 1) == _MAX_BUFFER + 1
            response.abort()
            await parts.aclose()

    run(scenario())


def test_a_malformed_answer_fails_the_request_as_a_bad_answer(
    run: Callable[[Coroutine[Any, Any, None]], None],
) -> None:
    async def scenario() -> None:
        async with upstream_pool(_answer_then_close(b"NOT HTTP AT ALL\r\n\r\n")) as pool:
            with pytest.raises(Disconnected, match="bad answer from upstream") as failed:
                await pool.request("GET", b"/v1/items", [], None)
            assert failed.value.before_response is False

    run(scenario())


def test_a_close_delimited_body_ends_at_the_close_whatever_its_headers_say(
    run: Callable[[Coroutine[Any, Any, None]], None],
) -> None:
    """Without a length or chunked transfer-encoding the body ends when the upstream closes;
    other headers that mention "chunked" do not make it chunked."""

    async def scenario() -> None:
        # other headers naming "chunked", sorting before and after transfer-encoding
        answer = b"HTTP/1.1 200 OK\r\na-note: chunked\r\nx-note: not chunked\r\n\r\nhello"
        async with upstream_pool(_answer_then_close(answer)) as pool:
            assert await _get(pool) == (200, b"hello")

    run(scenario())


async def _ok_after_a_moment(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """An upstream answering each request "ok" after 50 ms, so that requests sent together
    overlap and each needs its own connection."""
    while await _read_head(reader):
        await asyncio.sleep(0.05)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
        await writer.drain()


def test_a_body_that_arrives_in_two_parts_is_read_whole(
    run: Callable[[Coroutine[Any, Any, None]], None],
) -> None:
    async def scenario() -> None:
        async def two_parts(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await _read_head(reader)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nfirst")
            await writer.drain()
            await asyncio.sleep(0.05)  # so the parts arrive apart
            writer.write(b"-last")
            await writer.drain()
            await reader.read(1)  # until the pool closes the connection
            writer.close()

        async with upstream_pool(two_parts) as pool:
            assert await _get(pool) == (200, b"first-last")

    run(scenario())


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok",
        b"HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok",
    ],
    ids=["connection_close", "http_1_0"],
)
def test_an_answer_that_ends_its_connection_is_not_kept_idle(
    run: Callable[[Coroutine[Any, Any, None]], None], answer: bytes
) -> None:
    """The upstream said it will not take another request on this connection: the pool closes
    it, and the next request opens a new one."""

    async def scenario() -> None:
        async with upstream_pool(_answer_then_see_close(answer)) as pool:
            assert await _get(pool) == (200, b"ok")
            assert repr(pool) == f"UpstreamPool(127.0.0.1:{pool.port}, idle=0)"
            assert await asyncio.wait_for(_get(pool), 3) == (200, b"ok")

    run(scenario())


@pytest.mark.parametrize("encoding", [b"chunked", b"gzip, Chunked"])
def test_a_chunked_body_cut_short_by_a_close_fails(
    run: Callable[[Coroutine[Any, Any, None]], None], encoding: bytes
) -> None:
    """Only a body without length or chunking ends at the close: a chunked one that has not
    sent its last chunk was cut short, and reading it fails."""

    async def scenario() -> None:
        head = b"HTTP/1.1 200 OK\r\ntransfer-encoding: %b\r\n\r\n" % encoding
        async with upstream_pool(_answer_then_close(head + b"5\r\nhalf.\r\n")) as pool:
            response = await pool.request("GET", b"/v1/items", [], None)
            with pytest.raises(Disconnected, match="upstream closed the connection") as failed:
                await response.read(5)
            assert failed.value.before_response is False

    run(scenario())


def test_at_most_max_idle_connections_are_kept(
    run: Callable[[Coroutine[Any, Any, None]], None],
) -> None:
    """Four exchanges at once need four connections; once they are done, two are kept idle and
    the upstream sees the other two closed (before the pool itself is)."""

    async def scenario() -> None:
        closed = asyncio.Semaphore(0)

        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await _until_closed(_ok_after_a_moment)(reader, writer)
            closed.release()

        async with upstream_pool(answer, max_idle=2) as pool:
            assert await asyncio.gather(*(_get(pool) for _ in range(4))) == [(200, b"ok")] * 4
            assert repr(pool) == f"UpstreamPool(127.0.0.1:{pool.port}, idle=2)"
            for _ in range(2):
                await asyncio.wait_for(closed.acquire(), 3)

    run(scenario())


def test_more_than_256_idle_connections_are_bounded_too(
    run: Callable[[Coroutine[Any, Any, None]], None],
) -> None:
    """A bound past the integers CPython caches still holds (an `is` in place of `<` would not)."""

    async def scenario() -> None:
        async with upstream_pool(_until_closed(_ok_after_a_moment), max_idle=257) as pool:
            answers = await asyncio.gather(*(_get(pool) for _ in range(258)))
            assert answers == [(200, b"ok")] * 258
            assert repr(pool) == f"UpstreamPool(127.0.0.1:{pool.port}, idle=257)"

    run(scenario())


def test_a_request_takes_one_idle_connection_and_leaves_the_others_idle(
    run: Callable[[Coroutine[Any, Any, None]], None],
) -> None:
    async def scenario() -> None:
        connections = 0

        async def counted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal connections
            connections += 1
            await _ok_after_a_moment(reader, writer)

        async with upstream_pool(_until_closed(counted)) as pool:
            assert await asyncio.gather(*(_get(pool) for _ in range(3))) == [(200, b"ok")] * 3
            assert repr(pool) == f"UpstreamPool(127.0.0.1:{pool.port}, idle=3)"
            assert await _get(pool) == (200, b"ok")
            assert repr(pool) == f"UpstreamPool(127.0.0.1:{pool.port}, idle=3)"
            assert connections == 3

    run(scenario())


def test_a_connection_idle_past_the_keepalive_is_closed_not_reused(
    run: Callable[[Coroutine[Any, Any, None]], None],
) -> None:
    """The next request opens a new connection, and the upstream sees every stale one closed
    before the pool itself is closed."""

    async def scenario() -> None:
        closes = asyncio.Queue[int]()
        connections = itertools.count(1)

        async def numbered(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            number = next(connections)
            with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
                while await _read_head(reader):
                    writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n%d." % number)
                    await writer.drain()
            closes.put_nowait(number)
            writer.close()

        async with upstream_pool(numbered, keepalive=0.1) as pool:
            assert sorted(await asyncio.gather(_get(pool), _get(pool))) == [
                (200, b"1."),
                (200, b"2."),
            ]
            await asyncio.sleep(0.2)
            assert await _get(pool) == (200, b"3.")
            stale = [await asyncio.wait_for(closes.get(), 3) for _ in range(2)]
            assert sorted(stale) == [1, 2]  # both, not only the first one looked at

    run(scenario())


@pytest.mark.parametrize("announced", [True, False], ids=["with_length", "chunked"])
def test_a_request_body_waiting_to_be_written_goes_on_when_the_upstream_reads_again(
    run: Callable[[Coroutine[Any, Any, None]], None], announced: bool
) -> None:
    """An upstream that pauses before reading fills the write buffer, so sending waits; once
    it reads again, the rest of the body is sent and the answer comes."""
    size = 32 * _MAX_BUFFER

    async def scenario() -> None:
        async def read_late(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            head = await _read_head(reader)
            await asyncio.sleep(0.3)  # the pool's writes back up meanwhile
            if announced:
                received = len(await reader.readexactly(size))
            else:
                received = 0
                while (line := await reader.readuntil(b"\r\n")) != b"0\r\n":
                    received += len(await reader.readexactly(int(line, 16) + 2)) - 2
                await reader.readexactly(2)
            assert (b"content-length: %d" % size in head) is announced
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % len(b"%d" % received))
            writer.write(b"%d" % received)
            await writer.drain()
            await reader.read(1)  # until the pool closes the connection
            writer.close()

        async def parts() -> AsyncIterator[bytes]:
            for _ in range(32):
                yield b"x" * _MAX_BUFFER

        async with upstream_pool(read_late) as pool:
            length = size if announced else None
            sending = pool.request("POST", b"/v1/echo", [], parts(), content_length=length)
            response = await asyncio.wait_for(sending, 5)
            assert (response.status, await response.read(5)) == (200, b"%d" % size)

    run(scenario())


def _until_closed(handler: RawHandler) -> RawHandler:
    """`handler`, ending quietly when the pool closes the connection."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await handler(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    return serve


@pytest.mark.parametrize("announced", [True, False], ids=["with_length", "chunked"])
def test_a_request_body_waiting_to_be_written_ends_when_the_upstream_closes(
    run: Callable[[Coroutine[Any, Any, None]], None], announced: bool
) -> None:
    """An upstream that stops reading fills the write buffer, so sending waits; when it then
    closes, the waiting send is woken and the request fails at once: it neither hangs nor goes on
    reading the caller's body (here an endless one, when chunked)."""

    async def scenario() -> None:
        async def stop_reading(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await _read_head(reader)
            await asyncio.sleep(0.3)  # the body stays unread: the pool's writes back up
            writer.transport.abort()

        async def parts() -> AsyncIterator[bytes]:
            for _ in range(64) if announced else itertools.count():
                await asyncio.sleep(0)  # as a caller's body does: it lets the timeout fire
                yield b"x" * _MAX_BUFFER

        length = 64 * _MAX_BUFFER if announced else None
        async with upstream_pool(stop_reading) as pool:
            sending = pool.request("POST", b"/v1/echo", [], parts(), content_length=length)
            with pytest.raises(Disconnected, match="upstream closed the connection"):
                await asyncio.wait_for(sending, 5)

    run(scenario())


def test_a_head_answer_stops_the_request_body_it_did_not_wait_for(
    run: Callable[[Coroutine[Any, Any, None]], None],
) -> None:
    """An upstream may answer a HEAD before reading its body; that answer ends the exchange and
    drops the connection, so the rest of the body is not sent."""

    async def scenario() -> None:
        received = 0
        length = 64 * _MAX_BUFFER

        async def answer_at_once(
            reader: asyncio.StreamReader, writer: asyncio.StreamWriter
        ) -> None:
            nonlocal received
            await _read_head(reader)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n")
            await writer.drain()
            while chunk := await reader.read(1 << 16):  # until the pool closes the connection
                received += len(chunk)
            writer.close()

        async def parts() -> AsyncIterator[bytes]:
            for _ in range(64):
                await asyncio.sleep(0)
                yield b"x" * _MAX_BUFFER

        async with upstream_pool(_until_closed(answer_at_once)) as pool:
            response = await pool.request("HEAD", b"/v1/items", [], parts(), content_length=length)
            assert (response.status, await response.read(5)) == (200, b"")
        assert 0 < received < length

    run(scenario())


async def _echo_each(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """An upstream that answers each request on a connection with its body (by its length)."""
    while head := await _read_head(reader):
        length = next(
            (int(line[15:]) for line in head.lower().split(b"\r\n")
             if line.startswith(b"content-length: ")),
            0,
        )  # fmt: skip
        body = await reader.readexactly(length)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%b" % (length, body))
        await writer.drain()


def test_an_answer_before_the_request_body_is_sent_drops_the_connection(
    run: Callable[[Coroutine[Any, Any, None]], None],
) -> None:
    """An upstream may refuse a request from its head alone (413, say). The rest of the body must
    not reach it as the start of another request, so the connection is dropped at once; the
    caller still gets the answer."""

    async def scenario() -> None:
        seen_close, go_on = asyncio.Event(), asyncio.Event()

        async def refuse_early(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await _read_head(reader)
            writer.write(b"HTTP/1.1 413 Content Too Large\r\ncontent-length: 0\r\n\r\n")
            await writer.drain()
            with contextlib.suppress(ConnectionResetError):  # an abort may reset it
                while await reader.read(1 << 16):
                    pass
            seen_close.set()
            writer.close()

        async def parts() -> AsyncIterator[bytes]:
            yield b"x" * 10
            await go_on.wait()
            yield b"x" * 990

        async with upstream_pool(refuse_early) as pool:
            sending = asyncio.create_task(
                pool.request("POST", b"/v1/echo", [], parts(), content_length=1000)
            )
            await asyncio.wait_for(seen_close.wait(), 3)
            go_on.set()
            response = await asyncio.wait_for(sending, 3)
            assert (response.status, await response.read(1)) == (413, b"")
            assert repr(pool) == f"UpstreamPool(127.0.0.1:{pool.port}, idle=0)"

    run(scenario())


def test_a_streamed_body_longer_than_announced_is_cut_at_its_length(
    run: Callable[[Coroutine[Any, Any, None]], None],
) -> None:
    """The upstream gets exactly the announced bytes, whatever the caller's parts hold beyond
    them (here an endless tail), and the connection stays fit for the next request."""

    async def scenario() -> None:
        async def parts() -> AsyncIterator[bytes]:
            yield b"abc"
            yield b"defgh"
            while True:
                await asyncio.sleep(0)
                yield b"tail"

        async with upstream_pool(_until_closed(_echo_each)) as pool:
            sending = pool.request("POST", b"/v1/echo", [], parts(), content_length=5)
            response = await asyncio.wait_for(sending, 3)
            assert (response.status, await response.read(5)) == (200, b"abcde")
            assert repr(pool) == f"UpstreamPool(127.0.0.1:{pool.port}, idle=1)"
            assert await _get(pool) == (200, b"")
            assert repr(pool) == f"UpstreamPool(127.0.0.1:{pool.port}, idle=1)"  # the same one

    run(scenario())


def test_a_streamed_body_shorter_than_announced_fails_at_once_and_drops_the_connection(
    run: Callable[[Coroutine[Any, Any, None]], None],
) -> None:
    """The upstream would wait for the missing bytes until the read timeout: the pool fails the
    request as soon as the caller's body ends, and aborts the half-sent request."""

    async def scenario() -> None:
        upstream_got: list[bytes] = []

        async def wait_for_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await _read_head(reader)
            try:
                await reader.readexactly(5)
            except asyncio.IncompleteReadError as exc:
                upstream_got.append(exc.partial)
            writer.close()

        async def parts() -> AsyncIterator[bytes]:
            yield b"abc"

        async with upstream_pool(_until_closed(wait_for_body)) as pool:
            sending = pool.request("POST", b"/v1/echo", [], parts(), content_length=5)
            with pytest.raises(Disconnected, match="request body incomplete") as failed:
                await asyncio.wait_for(sending, 3)  # the pool's read timeout is 5 s
            assert failed.value.before_response is True  # the upstream never answered
        assert upstream_got == [b"abc"]

    run(scenario())
