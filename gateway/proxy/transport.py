"""How the proxy reaches an upstream: send a request, stream its answer, close.

Two implementations sit behind `Transport`, chosen by `GATEWAY_UPSTREAM_TRANSPORT`: the
hand-written HTTP/1.1 pool (`native`, gateway/proxy/pool.py) and aiohttp's client (`aiohttp`).
Both get the same two guards from the base class, before anything is written upstream:
header names and values with CR, LF or NUL are refused, and at most `max_connections`
exchanges run at once per upstream, with up to `max_queued` more waiting at most `max_wait`
seconds for a slot; beyond that the request is refused as saturated.
"""

import asyncio
import math
import re
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

import aiohttp
from yarl import URL

from gateway.proxy.pool import (
    ConnectFailed,
    Disconnected,
    Headers,
    UpstreamError,
    UpstreamPool,
    UpstreamTimeout,
)
from gateway.settings import GatewaySettings

Body = bytes | AsyncIterator[bytes] | None
TRANSPORTS = ("native", "aiohttp")
_UNSAFE = re.compile(rb"[\r\n\x00]")


class InvalidHeader(ValueError):
    """A header name or value (or the request target) holds CR, LF or NUL."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field  # "header 'x-name'" or "request target"


class Saturated(Exception):
    """Every connection to the upstream is busy and the queue is full or waited too long."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class Answer(Protocol):
    """An upstream answer: status and headers at once; the body as it arrives."""

    status: int
    headers: Headers
    content_length: int | None
    complete: bool

    async def read(self, timeout: float) -> bytes:
        """The whole body."""
        ...

    def stream(self, timeout: float) -> AsyncIterator[bytes]:
        """The body in chunks, as it arrives."""
        ...

    def abort(self) -> None:
        """Release the answer; unless complete, its connection is closed, never reused."""
        ...


def check_headers(target: bytes, headers: Headers) -> None:
    """Refuse CR, LF and NUL anywhere they could end a line or the header block early."""
    if _UNSAFE.search(target) or b" " in target:
        raise InvalidHeader("request target")
    for name, value in headers:
        if _UNSAFE.search(name) or _UNSAFE.search(value):
            printable = name.decode("latin-1").encode("unicode_escape").decode()
            raise InvalidHeader(f"header '{printable}'")


class Gate:
    """At most `limit` holders at once; up to `queue` more wait at most `wait` seconds, FIFO."""

    def __init__(self, *, limit: int, queue: int, wait: float) -> None:
        self.limit = limit
        self.queue = queue
        self.wait = wait
        self.active = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self.retry_after = max(1, math.ceil(wait))

    async def acquire(self) -> None:
        """Take a slot, waiting in line if need be; `Saturated` if the line is full or slow."""
        if self.active < self.limit and not self._waiters:
            self.active += 1
            return
        if len(self._waiters) >= self.queue:
            raise Saturated(self.retry_after)
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        timer = loop.call_later(self.wait, _expire, waiter, self.retry_after)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self.release()  # handed a slot just as we gave up: pass it on
            elif waiter in self._waiters:  # `release` may have dropped it already
                self._waiters.remove(waiter)
            raise
        finally:
            timer.cancel()

    def release(self) -> None:
        """Hand the slot to the first live waiter, or free it."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.active -= 1


def _expire(waiter: asyncio.Future[None], retry_after: int) -> None:
    if not waiter.done():
        waiter.set_exception(Saturated(retry_after))


class Transport(ABC):
    """Requests to one upstream `host:port`, bounded and checked the same way whatever the client."""

    def __init__(self, *, max_connections: int, max_queued: int, max_wait: float) -> None:
        self.gate = Gate(limit=max_connections, queue=max_queued, wait=max_wait)

    @asynccontextmanager
    async def send(
        self,
        method: str,
        target: bytes,
        headers: Headers,
        body: Body,
        content_length: int | None = None,
    ) -> AsyncIterator[Answer]:
        """Send one request; yields its answer once the headers are in, and releases it after."""
        check_headers(target, headers)
        await self.gate.acquire()
        try:
            answer = await self._send(method, target, headers, body, content_length)
            try:
                yield answer
            finally:
                answer.abort()
        finally:
            self.gate.release()

    @abstractmethod
    def start(self) -> None:
        """Open what must be opened inside the running event loop."""

    @abstractmethod
    async def _send(
        self, method: str, target: bytes, headers: Headers, body: Body, content_length: int | None
    ) -> Answer:
        """Write the request; return once the answer's headers are in."""

    @abstractmethod
    def in_flight(self) -> int:
        """Exchanges whose answer is not finished yet."""

    @abstractmethod
    async def close(self) -> None:
        """Close every connection."""


class NativeTransport(Transport):
    """The hand-written keep-alive pool (gateway/proxy/pool.py)."""

    def __init__(
        self, pool: UpstreamPool, *, max_connections: int, max_queued: int, max_wait: float
    ) -> None:
        super().__init__(max_connections=max_connections, max_queued=max_queued, max_wait=max_wait)
        self.pool = pool

    def start(self) -> None:
        """Nothing to open ahead: connections are made on first use and kept alive."""

    async def _send(
        self, method: str, target: bytes, headers: Headers, body: Body, content_length: int | None
    ) -> Answer:
        return await self.pool.request(method, target, headers, body, content_length)

    def in_flight(self) -> int:
        return sum(1 for conn in list(self.pool._all) if conn.response is not None)

    async def close(self) -> None:
        await self.pool.close()


class _AiohttpAnswer:
    """An aiohttp response seen through `Answer`, its errors mapped to `UpstreamError`s."""

    __slots__ = ("_response", "complete", "content_length", "headers", "status")

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self.status = response.status
        self.headers: Headers = [(k.lower(), v) for k, v in response.raw_headers]
        self.content_length = response.content_length
        self.complete = response.content.at_eof()

    async def read(self, timeout: float) -> bytes:
        try:
            body = await self._response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _mapped(exc, before_response=False) from exc
        self.complete = True
        return body

    async def stream(self, timeout: float) -> AsyncIterator[bytes]:
        content = self._response.content
        while True:
            try:
                chunk = await content.readany()
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise _mapped(exc, before_response=False) from exc
            if not chunk:
                self.complete = True
                return
            yield chunk

    def abort(self) -> None:
        if self.complete:
            self._response.release()
        else:
            self._response.close()


def _text(value: bytes) -> str:
    """A header value as aiohttp will write it back (UTF-8), so its bytes arrive unchanged."""
    if value.isascii():
        return value.decode("ascii")
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")  # not UTF-8 (legacy obs-text): cannot pass through as is


async def _watched(body: AsyncIterator[bytes], failed: list[BaseException]) -> AsyncIterator[bytes]:
    """`body`, noting in `failed` why it broke off (aiohttp reports it as a connection error)."""
    try:
        async for chunk in body:
            yield chunk
    except BaseException as exc:
        failed.append(exc)
        raise


def _mapped(exc: BaseException, *, before_response: bool) -> UpstreamError:
    if isinstance(exc, TimeoutError):
        return UpstreamTimeout("upstream read timeout")
    if isinstance(exc, aiohttp.ClientConnectorError):
        return ConnectFailed(f"cannot connect to upstream: {exc.strerror or exc}")
    return Disconnected(f"upstream connection failed: {exc}", before_response=before_response)


class AiohttpTransport(Transport):
    """aiohttp's ClientSession, trimmed for proxying: no cookies, no decompression, raw URLs."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        connect_timeout: float,
        read_timeout: float,
        keepalive: float,
        max_connections: int,
        max_queued: int,
        max_wait: float,
    ) -> None:
        super().__init__(max_connections=max_connections, max_queued=max_queued, max_wait=max_wait)
        self.base = f"http://{host}:{port}"
        self.host_header = f"{host}:{port}"
        self._keepalive = keepalive
        self._timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=connect_timeout, sock_read=read_timeout
        )
        self._session: aiohttp.ClientSession | None = None

    def start(self) -> None:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self.gate.limit, keepalive_timeout=self._keepalive, ttl_dns_cache=None
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self._timeout,
                auto_decompress=False,
                cookie_jar=aiohttp.DummyCookieJar(),
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            )

    async def _send(
        self, method: str, target: bytes, headers: Headers, body: Body, content_length: int | None
    ) -> Answer:
        self.start()
        assert self._session is not None
        sent = [("Host", self.host_header)]
        sent += [(k.decode("latin-1"), _text(v)) for k, v in headers]
        if content_length is not None and not isinstance(body, bytes):
            sent.append(("Content-Length", str(content_length)))
        data: Body = body if body or method not in ("GET", "HEAD", "OPTIONS") else None
        failed: list[BaseException] = []
        if data is not None and not isinstance(data, bytes):
            data = _watched(data, failed)
        try:
            response = await self._session.request(
                method,
                URL(self.base + target.decode("latin-1"), encoded=True),
                headers=sent,
                data=data,
                allow_redirects=False,
                compress=None,
            )
        except (aiohttp.ClientError, TimeoutError) as exc:
            if failed:
                # The caller's body failed (caller gone): that, not the upstream, ended it.
                raise failed[0] from exc
            raise _mapped(exc, before_response=True) from exc
        return _AiohttpAnswer(response)

    def in_flight(self) -> int:
        # The connector's connections in use (writing a request or holding an answer): the
        # connection-level truth, as for the native pool.
        if self._session is None:
            return 0
        return len(self._session.connector._acquired)  # type: ignore[union-attr]

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def transport_for(settings: GatewaySettings, host: str, port: int) -> Transport:
    """The transport `settings.upstream_transport` names, bounded as the settings say."""
    pool = UpstreamPool(
        host,
        port,
        max_idle=settings.upstream_pool_size,
        connect_timeout=settings.connect_timeout_seconds,
        read_timeout=settings.read_timeout_seconds,
        keepalive=settings.upstream_keepalive_seconds,
    )
    if settings.upstream_transport == "aiohttp":
        return AiohttpTransport(
            host,
            port,
            connect_timeout=pool.connect_timeout,
            read_timeout=pool.read_timeout,
            keepalive=pool.keepalive,
            max_connections=settings.upstream_max_connections,
            max_queued=settings.upstream_max_queued,
            max_wait=settings.upstream_max_wait_seconds,
        )
    return NativeTransport(
        pool,
        max_connections=settings.upstream_max_connections,
        max_queued=settings.upstream_max_queued,
        max_wait=settings.upstream_max_wait_seconds,
    )
