"""The upstream transports' guards: a bounded number of connections, and no CR/LF/NUL upstream."""

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.gateway.conftest import TRANSPORTS, RunningGateway, StartGateway
from tests.servers import free_port


@pytest.fixture(params=TRANSPORTS)
def upstream_transport(request: pytest.FixtureRequest) -> str:
    """Every test here runs on both upstream transports."""
    return str(request.param)


@dataclass
class CountingUpstream:
    """A keep-alive HTTP/1.1 server that counts the connections proxied requests arrive on,
    keeps every byte it receives, and holds `/v1/public/hold` until `release` is set."""

    url: str
    release: threading.Event = field(default_factory=threading.Event)
    received: bytearray = field(default_factory=bytearray)
    proxied_connections: set[int] = field(default_factory=set)
    holding: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def counting_upstream() -> Iterator[CountingUpstream]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", free_port()))
    listener.listen(100)
    listener.settimeout(0.1)
    upstream = CountingUpstream(f"http://127.0.0.1:{listener.getsockname()[1]}")
    stop = threading.Event()

    def handle(conn: socket.socket, number: int) -> None:
        buffer = b""
        conn.settimeout(0.1)
        with conn:
            while not stop.is_set():
                try:
                    data = conn.recv(65536)
                except TimeoutError:
                    continue
                if not data:
                    return
                with upstream.lock:
                    upstream.received += data
                buffer += data
                while b"\r\n\r\n" in buffer:
                    head, _, buffer = buffer.partition(b"\r\n\r\n")
                    path = head.split(b" ")[1].split(b"?")[0]
                    if not path.startswith(b"/v1/"):
                        conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                        continue
                    with upstream.lock:
                        upstream.proxied_connections.add(number)
                    if path == b"/v1/public/hold":
                        with upstream.lock:
                            upstream.holding += 1
                        upstream.release.wait(10)
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    def accept() -> None:
        number = 0
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            number += 1
            threading.Thread(target=handle, args=(conn, number), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield upstream
    finally:
        upstream.release.set()
        stop.set()
        thread.join(timeout=2)
        listener.close()


def wait_for(condition: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return bool(condition())
        time.sleep(0.01)
    return True


def get(url: str) -> httpx.Response:
    with httpx.Client(timeout=15) as client:
        return client.get(url)


def test_requests_beyond_the_bound_get_503_and_open_no_connection(
    start_gateway: StartGateway, counting_upstream: CountingUpstream
) -> None:
    gw = start_gateway(
        registry_url=counting_upstream.url,
        upstream_max_connections=2,
        upstream_max_queued=2,
        upstream_max_wait_seconds=10,
        read_timeout_seconds=10,
    )
    url = f"{gw.url}/registry/v1/public/hold"
    with ThreadPoolExecutor(max_workers=8) as pool:
        calls: list[Future[httpx.Response]] = [pool.submit(get, url) for _ in range(8)]
        # Two are upstream, two wait in the queue, the other four are refused at once.
        assert wait_for(lambda: counting_upstream.holding == 2)
        assert wait_for(lambda: sum(call.done() for call in calls) == 4)
        refused = [call.result() for call in calls if call.done()]
        counting_upstream.release.set()
        answers = [call.result() for call in calls]
    assert sorted(answer.status_code for answer in answers) == [200] * 4 + [503] * 4
    for answer in refused:
        assert answer.status_code == 503
        assert answer.json()["code"] == "upstream_saturated"
        assert answer.headers["retry-after"] == "10"  # the longest wait, in whole seconds
    # The queued two went out on the same two connections once they were free.
    assert counting_upstream.holding == 4
    assert len(counting_upstream.proxied_connections) == 2


@pytest.mark.parametrize("wait", [0.3, 0], ids=["waits", "never_waits"])
def test_a_request_that_gets_no_connection_in_time_gets_503(
    start_gateway: StartGateway, counting_upstream: CountingUpstream, wait: float
) -> None:
    gw = start_gateway(
        registry_url=counting_upstream.url,
        upstream_max_connections=1,
        upstream_max_queued=5,
        upstream_max_wait_seconds=wait,
        read_timeout_seconds=10,
    )
    with ThreadPoolExecutor(max_workers=2) as pool:
        held = pool.submit(get, f"{gw.url}/registry/v1/public/hold")
        assert wait_for(lambda: counting_upstream.holding == 1)
        started = time.monotonic()
        queued = get(f"{gw.url}/registry/v1/public/ping")
        waited = time.monotonic() - started
        # The waiter that gave up held no slot and freed none: the next one waits and fails too.
        queued_again = get(f"{gw.url}/registry/v1/public/ping")
        counting_upstream.release.set()
        assert held.result().status_code == 200
    for answer in (queued, queued_again):
        assert answer.status_code == 503 and answer.json()["code"] == "upstream_saturated"
        # Whole seconds, at least 1: never "0", which asks for an immediate retry.
        assert answer.headers["retry-after"] == "1"
    assert wait - 0.05 <= waited < 3
    assert len(counting_upstream.proxied_connections) == 1
    assert get(f"{gw.url}/registry/v1/public/ping").status_code == 200  # the slot came back


async def call_asgi(
    app: Any,
    headers: list[tuple[bytes, bytes]],
    *,
    method: str = "GET",
    path: str = "/registry/v1/public/ping",
    host: bytes | None = b"gw",
    http_version: str = "1.1",
    pieces: list[tuple[bytes, bool]] | None = None,
) -> tuple[int, bytes]:
    """One call through the gateway's ASGI app, as a server that let these headers through
    would make it: the body arrives as `pieces` (bytes, more to come), none by default."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": http_version,
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [*([(b"host", host)] if host is not None else []), *headers],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }
    arriving = list(pieces or [(b"", False)])
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if not arriving:
            await asyncio.sleep(3600)  # the client waits for the answer
        body, more = arriving.pop(0)
        return {"type": "http.request", "body": body, "more_body": more}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body


def through(gw: RunningGateway, headers: list[tuple[bytes, bytes]]) -> tuple[int, Any]:
    status, body = asyncio.run_coroutine_threadsafe(call_asgi(gw.app, headers), gw.loop).result(10)
    return status, httpx.Response(status, content=body).json() if body != b"ok" else body


@pytest.mark.parametrize(
    ("header", "named"),
    [
        ((b"x-note", b"a\r\nx-injected: 1"), "x-note"),
        ((b"x-note", b"a\nx-injected: 1"), "x-note"),
        ((b"x-note", b"a\x00b"), "x-note"),
        ((b"x-injected: 1\r\nx-note", b"a"), "x-injected: 1\\r\\nx-note"),
    ],
)
def test_header_with_cr_lf_or_nul_is_refused_and_never_sent(
    start_gateway: StartGateway,
    counting_upstream: CountingUpstream,
    header: tuple[bytes, bytes],
    named: str,
) -> None:
    gw = start_gateway(registry_url=counting_upstream.url)
    status, problem = through(gw, [header])
    assert status == 400, problem
    assert problem["code"] == "invalid_header"
    assert f"'{named}'" in problem["detail"]
    assert b"x-injected" not in counting_upstream.received
    assert not counting_upstream.proxied_connections
    # The same call with a clean header goes through: the refusal was the header's.
    assert through(gw, [(b"x-note", b"a")]) == (200, b"ok")
    assert b"x-note: a\r\n" in counting_upstream.received.lower()
