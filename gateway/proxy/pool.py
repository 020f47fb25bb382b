"""A lean HTTP/1.1 client for the hot path: pooled keep-alive connections, httptools parsing.

Per forwarded request it does one write to the upstream, no URL objects, no header multidicts,
no cookie or trace machinery, and hands back the body as the parser produced it. It is one of
the two `Transport`s (gateway/proxy/transport.py); `make bench` compares it with aiohttp.

Invariants (keep them when changing anything below):
1. It is only used through `Transport.send`, which has already refused CR, LF and NUL in the
   target, header names and values, and holds one of the upstream's `max_connections` slots
   for the whole exchange: connections in use never outnumber the slots (idle ones are reused
   before a new one is opened, and at most `max_idle` are kept).
2. A connection carries one exchange at a time. It returns to the idle list only when its
   answer is complete, the request was fully written, and both sides allow keep-alive.
3. Anything else (timeout, parse error, caller gone, answer abandoned half-read, an answer
   arriving before the request body is fully sent, a HEAD answer) closes the connection: a
   half-read answer or half-sent request must never meet the next exchange.
4. An idle connection is reused only within `keepalive` seconds (below the upstream's own idle
   timeout), so a reused connection does not race the upstream's close.
5. Buffered body bytes per answer stay below `_MAX_BUFFER` unless the caller asked for the whole
   body (`read`): reading pauses until the consumer takes chunks.
"""

import asyncio
import time
from collections.abc import AsyncIterator

import httptools

Headers = list[tuple[bytes, bytes]]


class UpstreamError(Exception):
    """The upstream could not be reached or did not answer properly."""


class ConnectFailed(UpstreamError):
    """The connection was refused or could not be opened."""


class UpstreamTimeout(UpstreamError):
    """No (complete) answer within the timeout."""


class Disconnected(UpstreamError):
    """The connection closed before the answer was complete."""

    def __init__(self, message: str, *, before_response: bool) -> None:
        super().__init__(message)
        self.before_response = before_response


class Response:
    """An upstream answer: status and headers at once; the body as it arrives."""

    __slots__ = (
        "_conn",
        "_error",
        "_timer",
        "_waiter",
        "buffered",
        "chunked",
        "chunks",
        "complete",
        "content_length",
        "head_only",
        "headers",
        "headers_done",
        "limit",
        "status",
    )

    def __init__(self, conn: "_Connection", head_only: bool) -> None:
        self._conn = conn
        self.status = 0
        self.headers: Headers = []
        self.content_length: int | None = None
        self.chunks: list[bytes] = []
        self.buffered = 0
        self.limit = _MAX_BUFFER  # pause reading above this many buffered bytes
        self.chunked = False
        self.headers_done = False
        self.complete = False
        self.head_only = head_only
        self._waiter: asyncio.Future[None] | None = None
        self._error: UpstreamError | None = None
        self._timer: asyncio.TimerHandle | None = None

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _fail(self, error: UpstreamError) -> None:
        if self._error is None and not self.complete:
            self._error = error
            self._wake()

    async def _wait(self, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        self._waiter = loop.create_future()
        timer = loop.call_later(timeout, self._fail, UpstreamTimeout("upstream read timeout"))
        try:
            await self._waiter
        finally:
            timer.cancel()
            self._waiter = None
        if self._error is not None:
            raise self._error

    async def wait_headers(self, timeout: float) -> None:
        """Until the status line and headers are in."""
        while not self.headers_done:
            if self._error is not None:
                raise self._error
            await self._wait(timeout)

    def abort(self) -> None:
        """Abandon this answer: unless complete, its connection is closed, never reused."""
        if not self.complete:
            self._conn._abort(Disconnected("response abandoned", before_response=False))

    async def read(self, timeout: float) -> bytes:
        """The whole body (the caller bounds it: no buffer limit applies)."""
        self.limit = 1 << 62
        self._conn.resume()
        while not self.complete:
            if self._error is not None:
                raise self._error
            await self._wait(timeout)
        return b"".join(self.chunks) if len(self.chunks) != 1 else self.chunks[0]

    async def stream(self, timeout: float) -> AsyncIterator[bytes]:
        """The body in chunks, as it arrives (reading resumes as chunks are taken)."""
        while True:
            if self.chunks:
                chunks, self.chunks = self.chunks, []
                self.buffered = 0
                self._conn.resume()
                for chunk in chunks:
                    yield chunk
                continue
            if self.complete:
                return
            if self._error is not None:
                raise self._error
            await self._wait(timeout)


_MAX_BUFFER = 1 << 20


class _Connection(asyncio.Protocol):
    """One keep-alive connection; it carries one request at a time."""

    def __init__(self, pool: "UpstreamPool") -> None:
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.response: Response | None = None
        self.closed = False
        self.paused = False
        self.idle_since = 0.0
        self._drain: asyncio.Future[None] | None = None
        self.sending = False  # the request is still being written
        self.informational = False  # parsing a 1xx interim answer

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._abort(Disconnected(f"bad answer from upstream: {exc}", before_response=False))

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        response = self.response
        if (
            response is not None
            and exc is None
            and response.headers_done
            and response.content_length is None
            and not response.chunked
        ):
            # A close-delimited body (no length, not chunked): the close is its end.
            response.complete = True
            self.response = None
            response._wake()
            response = None
        if response is not None:
            response._fail(
                Disconnected(
                    "upstream closed the connection", before_response=not response.headers_done
                )
            )
            self.response = None
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)
        self.pool._forget(self)

    def pause_writing(self) -> None:
        self._drain = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)
        self._drain = None

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        assert self.response is not None
        self.response.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        response = self.response
        assert response is not None
        status = self.parser.get_status_code()
        if 100 <= status < 200 and status != 101:
            # An interim answer (100 Continue, 103 Early Hints): wait for the final one.
            self.informational = True
            response.headers = []
            return
        response.status = status
        response.headers_done = True
        for name, value in response.headers:
            if name == b"content-length":
                response.content_length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                response.chunked = True
        if response.head_only:
            # httptools cannot know a HEAD answer has no body: finish here, drop the connection.
            response.complete = True
            self.response = None
            self.closed = True
            if self.transport is not None:
                self.transport.close()
        response._wake()

    def on_body(self, body: bytes) -> None:
        response = self.response
        if response is None:
            return
        response.chunks.append(body)
        response.buffered += len(body)
        if response.buffered > response.limit and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()
        response._wake()

    def on_message_complete(self) -> None:
        if self.informational:
            self.informational = False
            return
        response = self.response
        if response is None:
            return
        response.complete = True
        self.response = None
        response._wake()
        if self.sending:
            # Answered before the request was fully sent: the rest of the body must never
            # reach the upstream as the start of another request. Stop and drop the connection.
            self.closed = True
            if self.transport is not None:
                self.transport.abort()
            return
        self.pool._release(self, self.parser.should_keep_alive() and not self.closed)

    def resume(self) -> None:
        """Read again after the consumer took buffered chunks."""
        if self.paused and self.transport is not None and not self.closed:
            self.paused = False
            self.transport.resume_reading()

    def _abort(self, error: UpstreamError) -> None:
        if self.response is not None:
            self.response._fail(error)
            self.response = None
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    async def drain(self) -> None:
        """Wait while the transport's write buffer is full."""
        if self._drain is not None:
            await self._drain


class UpstreamPool:
    """Keep-alive connections to one upstream `host:port`."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        max_idle: int,
        connect_timeout: float,
        read_timeout: float,
        keepalive: float,
    ) -> None:
        self.keepalive = keepalive
        self.host = host
        self.port = port
        self.host_header = f"{host}:{port}".encode()
        self.max_idle = max_idle
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._idle: list[_Connection] = []
        self._all: set[_Connection] = set()

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            _, conn = await asyncio.wait_for(
                loop.create_connection(lambda: _Connection(self), self.host, self.port),
                self.connect_timeout,
            )
        except TimeoutError as exc:
            raise UpstreamTimeout("upstream connect timeout") from exc
        except OSError as exc:
            raise ConnectFailed(f"cannot connect to upstream: {exc.strerror or exc}") from exc
        self._all.add(conn)
        return conn

    def _release(self, conn: _Connection, keep: bool) -> None:
        if keep and len(self._idle) < self.max_idle:
            conn.idle_since = time.monotonic()
            self._idle.append(conn)
        elif conn.transport is not None:
            conn.closed = True
            conn.transport.close()

    def _forget(self, conn: _Connection) -> None:
        self._all.discard(conn)
        if conn in self._idle:
            self._idle.remove(conn)

    async def request(
        self,
        method: str,
        target: bytes,
        headers: Headers,
        body: bytes | AsyncIterator[bytes] | None,
        content_length: int | None = None,
    ) -> Response:
        """Send one request; returns once the answer's headers are in."""
        conn: _Connection | None = None
        if self._idle:
            fresh_after = time.monotonic() - self.keepalive
            while self._idle:
                candidate = self._idle.pop()
                if candidate.closed:
                    continue
                if candidate.idle_since < fresh_after:
                    # Idle longer than the upstream may keep it (uvicorn: 5 s): don't race its close.
                    candidate.closed = True
                    if candidate.transport is not None:
                        candidate.transport.close()
                    continue
                conn = candidate
                break
        if conn is None:
            conn = await self._connect()
        transport = conn.transport
        assert transport is not None
        response = Response(conn, head_only=method == "HEAD")
        conn.response = response
        parts: list[bytes] = [
            method.encode(),
            b" ",
            target,
            b" HTTP/1.1\r\nhost: ",
            self.host_header,
        ]
        for name, value in headers:
            parts += (b"\r\n", name, b": ", value)
        try:
            if isinstance(body, bytes):
                if body or method not in ("GET", "HEAD", "OPTIONS"):
                    parts += (b"\r\ncontent-length: ", str(len(body)).encode())
                parts += (b"\r\n\r\n", body)
                transport.write(b"".join(parts))
            elif body is None:
                parts.append(b"\r\n\r\n")
                transport.write(b"".join(parts))
            else:
                # Reused only once the request is fully sent (see on_message_complete).
                conn.sending = True
                if content_length is not None:
                    parts += (b"\r\ncontent-length: ", str(content_length).encode(), b"\r\n\r\n")
                    transport.write(b"".join(parts))
                    remaining = content_length
                    async for chunk in body:
                        if conn.closed or remaining <= 0:
                            break
                        if len(chunk) > remaining:
                            chunk = chunk[:remaining]
                        remaining -= len(chunk)
                        transport.write(chunk)
                        if not remaining:
                            conn.sending = False  # all sent: an answer may now free the connection
                        await conn.drain()
                else:
                    parts.append(b"\r\ntransfer-encoding: chunked\r\n\r\n")
                    transport.write(b"".join(parts))
                    async for chunk in body:
                        if conn.closed:
                            break
                        transport.write(b"%x\r\n%b\r\n" % (len(chunk), chunk))
                        await conn.drain()
                    if not conn.closed:
                        transport.write(b"0\r\n\r\n")
                if conn.sending:
                    conn.sending = False
                    if not conn.closed and content_length is not None:
                        # The caller sent less than it announced: the request is incomplete.
                        conn._abort(Disconnected("request body incomplete", before_response=True))
            await response.wait_headers(self.read_timeout)
        except BaseException:
            # Caller gone, body failed, timeout, cancellation: the connection may hold half a
            # request or a pending answer; it must never be reused.
            if conn.sending or conn.response is response:
                conn.sending = False
                conn._abort(Disconnected("request abandoned", before_response=True))
            raise
        return response

    async def close(self) -> None:
        """Close every connection."""
        for conn in list(self._all):
            if conn.transport is not None:
                conn.transport.close()
        self._idle.clear()
        self._all.clear()

    def __repr__(self) -> str:
        return f"UpstreamPool({self.host}:{self.port}, idle={len(self._idle)})"


def parse_base(url: str) -> tuple[str, int, bytes]:
    """(host, port, path prefix) of an `http://host:port/prefix` base URL."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"upstream URL must be http://host[:port][/prefix], not {url!r}")
    return parts.hostname, parts.port or 80, parts.path.rstrip("/").encode()
