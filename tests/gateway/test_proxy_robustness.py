"""The upstream pool and proxy handler under hostile or unlucky conditions (review findings)."""

import asyncio
import logging
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response

from gateway.proxy.breaker import CircuitBreaker
from gateway.proxy.clientip import client_ip
from tests.gateway.conftest import (
    TRANSPORTS,
    RunningGateway,
    StartGateway,
    Upstream,
    threaded_upstream,
)
from tests.servers import serve


@pytest.fixture(params=TRANSPORTS)
def upstream_transport(request: pytest.FixtureRequest) -> str:
    """Every test here runs on both upstream transports."""
    return str(request.param)


DEADLINE = 3.0


def wait_for(condition: Callable[[], bool], timeout: float = DEADLINE) -> bool:
    """Poll `condition` until it holds or `timeout` passes; returns its last value."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return condition()
        time.sleep(0.01)
    return True


def connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port))
    sock.settimeout(5)
    return sock


def read_response(sock: socket.socket) -> bytes:
    """One Content-Length response (or whatever arrives before close / timeout)."""
    data = b""
    try:
        while True:
            if b"\r\n\r\n" in data:
                head, _, rest = data.partition(b"\r\n\r\n")
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:") and len(rest) >= int(
                        line.split(b":")[1]
                    ):
                        return data
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except TimeoutError:
        data += b"<timeout>"
    return data


def pending(gw: RunningGateway, service: str = "registry") -> int:
    """Upstream exchanges whose answer is not finished (their connection still attached)."""
    return int(gw.gateway.upstreams[service].transport.in_flight())


def slow_app() -> FastAPI:
    app = FastAPI()

    @app.get("/v1/public/slowbig")
    async def slowbig(seconds: float = 0.0, size: int = 3_000_000) -> Response:
        await asyncio.sleep(seconds)
        return Response(b"x" * size, media_type="application/octet-stream")

    @app.post("/v1/public/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"n": len(await request.body())}

    return app


@pytest.fixture
def slow_upstream() -> Iterator[str]:
    with serve(slow_app()) as url:
        yield url


# 1 ------------------------------------------------------------------------------------------


def test_early_answer_does_not_let_the_rest_of_the_body_smuggle_a_request(
    start_gateway: StartGateway, registry_upstream: Upstream
) -> None:
    """The upstream answers a POST (404) before its body is in: that connection must not go
    back to the pool, or the body's remainder becomes the start of the next caller's request."""
    gw = start_gateway(read_timeout_seconds=2)
    upstream = urlsplit(registry_upstream.url)
    assert gw.http.get("/registry/v1/public/ping").status_code == 200  # one idle connection
    request_id = "req-victim-000001"
    traceparent = "00-" + "a" * 32 + "-" + "b" * 16 + "-01"
    victim = (
        b"GET /registry/v1/public/ping HTTP/1.1\r\nHost: gw\r\nX-Request-ID: "
        + request_id.encode()
        + b"\r\ntraceparent: "
        + traceparent.encode()
        + b"\r\n\r\n"
    )
    forwarded_victim = (
        b"GET /v1/public/ping HTTP/1.1\r\nhost: "
        + f"{upstream.hostname}:{upstream.port}".encode()
        + b"\r\nx-forwarded-for: 127.0.0.1\r\nx-forwarded-proto: http\r\nx-forwarded-host: gw"
        + b"\r\nx-request-id: "
        + request_id.encode()
        + b"\r\ntraceparent: "
        + traceparent.encode()
        + b"\r\n\r\n"
    )
    # Sized so that, were the connection reused, the victim's request would be swallowed as
    # body and this would be the request the upstream answers on the victim's behalf.
    smuggled = b"GET /v1/echo?SMUGGLED=1 HTTP/1.1\r\nhost: x\r\nx-pad: "
    smuggled += b"p" * (len(forwarded_victim) - len(smuggled) - 4) + b"\r\n\r\n"
    head, tail = b"a" * 100, b"c" * 100
    hits = registry_upstream.hits
    with connect(gw.url) as attacker, connect(gw.url) as caller:
        attacker.sendall(
            b"POST /registry/v1/public/nonexistent HTTP/1.1\r\nHost: gw\r\nContent-Length: "
            + str(len(head) + len(forwarded_victim) + len(tail)).encode()
            + b"\r\n\r\n"
            + head
        )
        # The upstream has the request and has answered it (404) with the body half sent.
        assert wait_for(lambda: registry_upstream.hits > hits)
        assert wait_for(lambda: not pending(gw))
        caller.sendall(victim)
        # The victim's request is out to the upstream (or already answered) ...
        assert wait_for(lambda: bool(pending(gw)) or bool(select.select([caller], [], [], 0)[0]))
        attacker.sendall(tail + smuggled)  # ... when the rest of the attacker's body follows.
        answer = read_response(caller)
        read_response(attacker)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert answer.endswith(b'{"status":"ok"}'), answer[-300:]
    assert b"SMUGGLED" not in answer


# 2 ------------------------------------------------------------------------------------------


def test_aborted_upload_closes_the_upstream_connection(gw: RunningGateway) -> None:
    key = gw.key_for("admin")
    with connect(gw.url) as sock:
        sock.sendall(
            b"POST /registry/v1/echo HTTP/1.1\r\nHost: gw\r\nX-API-Key: "
            + key.encode()
            + b"\r\nContent-Length: 100000\r\n\r\n"
            + b"x" * 1000
        )
        assert wait_for(lambda: bool(pending(gw)))  # the upload is under way upstream
    # The caller is gone: the half-sent request's connection is dropped, not left waiting.
    assert wait_for(lambda: not pending(gw)), pending(gw)
    response = gw.http.get("/registry/v1/echo", headers={"X-API-Key": key})
    assert response.status_code == 200


# 3 ------------------------------------------------------------------------------------------


def test_breaker_recovers_when_the_half_open_probe_is_aborted(
    start_gateway: StartGateway,
) -> None:
    gw = start_gateway(
        read_timeout_seconds=0.3, breaker_failure_threshold=1, breaker_reset_seconds=0.5
    )
    key = gw.key_for("admin")
    headers = {"X-API-Key": key}
    breaker = gw.gateway.upstreams["registry"].breaker
    response = gw.http.get("/registry/v1/slow", params={"seconds": 1}, headers=headers)
    assert response.status_code == 504 and breaker.is_open
    opened_at = breaker.opened_at
    assert wait_for(lambda: time.monotonic() - opened_at >= breaker.reset_seconds)
    with connect(gw.url) as sock:  # the probe: an upload its caller abandons
        sock.sendall(
            b"POST /registry/v1/echo HTTP/1.1\r\nHost: gw\r\nX-API-Key: "
            + key.encode()
            + b"\r\nContent-Length: 1000\r\n\r\n"
            + b"x" * 10
        )
        assert wait_for(lambda: breaker.probing)
    assert wait_for(lambda: not breaker.probing)
    response = gw.http.get("/registry/v1/echo", headers=headers)
    assert response.status_code == 200, response.text
    assert not breaker.is_open


def test_breaker_lets_a_new_probe_through_when_one_never_reports(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    monkeypatch.setattr("gateway.proxy.breaker.time.monotonic", lambda: now[0])
    breaker = CircuitBreaker(threshold=1, reset_seconds=5)
    assert breaker.failure()
    now[0] += 5
    assert breaker.admit() == 0  # the probe, which never reports
    now[0] += 1
    assert breaker.admit() > 0  # one probe at a time
    now[0] += 5
    assert breaker.admit() == 0  # the lost probe is stale: another may go
    breaker.success()
    assert not breaker.is_open


# 4 ------------------------------------------------------------------------------------------


def test_timed_out_answer_does_not_keep_its_connection(
    start_gateway: StartGateway, slow_upstream: str
) -> None:
    gw = start_gateway(
        registry_url=slow_upstream, read_timeout_seconds=0.3, breaker_failure_threshold=100
    )
    response = gw.http.get("/registry/v1/public/slowbig", params={"seconds": 0.6})
    assert response.status_code == 504
    # A late 3 MB answer must not find the connection still attached and pause it forever.
    assert wait_for(lambda: not pending(gw)), pending(gw)


# 5 ------------------------------------------------------------------------------------------


def test_buffered_response_larger_than_the_pool_buffer(
    start_gateway: StartGateway, slow_upstream: str
) -> None:
    gw = start_gateway(
        registry_url=slow_upstream, read_timeout_seconds=1, max_buffered_response_bytes=4_000_000
    )
    response = gw.http.get("/registry/v1/public/slowbig", params={"size": 3_000_000})
    assert response.status_code == 200
    assert len(response.content) == 3_000_000


# 6 ------------------------------------------------------------------------------------------


def test_client_ip_is_the_rightmost_untrusted_forwarded_address() -> None:
    trusted = {"10.0.0.5", "10.0.0.6"}
    assert client_ip("10.0.0.5", "203.0.113.7", trusted) == "203.0.113.7"
    assert client_ip("10.0.0.5", "6.6.6.6, 203.0.113.7, 10.0.0.6", trusted) == "203.0.113.7"
    assert client_ip("198.51.100.1", "203.0.113.7", trusted) == "198.51.100.1"
    assert client_ip("10.0.0.5", None, trusted) == "10.0.0.5"
    assert client_ip("10.0.0.5", "10.0.0.6", trusted) == "10.0.0.5"


def test_public_and_token_limits_key_on_the_client_behind_a_trusted_proxy(
    start_gateway: StartGateway,
) -> None:
    gw = start_gateway(
        trusted_proxies=["127.0.0.1"],
        rate_limit_public="2/hour",
        rate_limit_auth_failures="2/hour",
    )
    distinct = [
        gw.http.get(
            "/registry/v1/public/ping", headers={"X-Forwarded-For": f"203.0.113.{i}"}
        ).status_code
        for i in range(4)
    ]
    assert distinct == [200, 200, 200, 200]
    # The left part of the header is the caller's to forge: it does not make a new client.
    same = [
        gw.http.get(
            "/registry/v1/public/ping", headers={"X-Forwarded-For": f"9.9.9.{i}, 198.51.100.1"}
        ).status_code
        for i in range(3)
    ]
    assert same == [200, 200, 429]
    tokens = [
        gw.http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"X-Forwarded-For": f"203.0.113.{i}"},
        ).status_code
        for i in range(4)
    ]
    assert tokens == [401] * 4
    forged = [
        gw.http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"X-Forwarded-For": f"9.9.9.{i}, 198.51.100.2"},
        ).status_code
        for i in range(3)
    ]
    assert forged == [401, 401, 429]


# 7 ------------------------------------------------------------------------------------------


def test_failed_authentications_are_limited_before_the_lookup(
    start_gateway: StartGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    gw = start_gateway(rate_limit_auth_failures="3/hour")
    good = {"X-API-Key": gw.key_for("bank")}
    assert gw.http.get("/registry/v1/echo", headers=good).status_code == 200  # now cached
    authenticator = gw.gateway.proxy.authenticator
    calls = [0]
    real = authenticator.authenticate

    async def counting(credential: str) -> Any:
        calls[0] += 1
        return await real(credential)

    monkeypatch.setattr(authenticator, "authenticate", counting)
    prefix = gw.settings.api_key_prefix
    bogus = {"X-API-Key": f"{prefix}_bogus"}
    answers = [gw.http.get("/registry/v1/echo", headers=bogus) for _ in range(7)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429, 429, 429, 429]
    assert int(answers[-1].headers["retry-after"]) >= 1
    assert answers[-1].json()["code"] == "too_many_auth_failures"
    assert calls[0] == 4  # once refused, the same credential costs no lookup
    # The address is over its budget too: other failing keys from it answer 429 ...
    other = gw.http.get("/registry/v1/echo", headers={"X-API-Key": f"{prefix}_other"})
    assert other.status_code == 429 and other.json()["code"] == "too_many_auth_failures"
    # ... while a valid key from the same address still passes.
    assert gw.http.get("/registry/v1/echo", headers=good).status_code == 200


# 8 ------------------------------------------------------------------------------------------

RAW_ANSWERS = {
    b"/v1/public/early": b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
    b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nreal-body",
    b"/v1/public/eof": b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello-until-eof",
    b"/v1/public/trunc": b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello",
    b"/v1/public/ping": b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\npong",
}
CLOSE_AFTER = {b"/v1/public/eof", b"/v1/public/trunc"}


@pytest.fixture
def raw_upstream() -> Iterator[str]:
    """A hand-written HTTP/1.1 server answering fixed bytes per path."""

    def handle(conn: socket.socket, stop: threading.Event) -> None:
        buffer = b""
        with conn:
            while not stop.is_set():
                data = conn.recv(65536)
                if not data:
                    return
                buffer += data
                while b"\r\n\r\n" in buffer:
                    head, _, buffer = buffer.partition(b"\r\n\r\n")
                    path = head.split(b" ")[1].split(b"?")[0]
                    conn.sendall(
                        RAW_ANSWERS.get(
                            path, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
                        )
                    )
                    if path in CLOSE_AFTER:
                        return

    with threaded_upstream(handle) as url:
        yield url


def test_interim_and_close_delimited_answers(
    start_gateway: StartGateway, raw_upstream: str
) -> None:
    gw = start_gateway(
        registry_url=raw_upstream, read_timeout_seconds=1, breaker_failure_threshold=100
    )
    early = gw.http.get("/registry/v1/public/early")
    assert (early.status_code, early.content) == (200, b"real-body")
    assert "link" not in early.headers  # the 103's headers are not the answer's
    eof = gw.http.get("/registry/v1/public/eof")
    assert (eof.status_code, eof.content) == (200, b"hello-until-eof")
    trunc = gw.http.get("/registry/v1/public/trunc")  # short of its length
    assert trunc.status_code == 502 and trunc.json()["code"] == "upstream_connection_failed"
    assert trunc.json()["detail"] == "The registry service dropped the connection."
    metrics = gw.http.get("/metrics", headers=gw.admin_headers).text
    assert 'gateway_upstream_errors_total{reason="disconnected",upstream="registry"} 1.0' in metrics
    assert 'reason="refused"' not in metrics
    for _ in range(2):
        ping = gw.http.get("/registry/v1/public/ping")
        assert (ping.status_code, ping.content) == (200, b"pong")


def test_an_answer_cut_short_after_it_began_is_counted_as_a_502_and_not_an_error(
    start_gateway: StartGateway, raw_upstream: str, caplog: pytest.LogCaptureFixture
) -> None:
    # past the buffer, the answer is streamed: its head is out before the upstream fails
    gw = start_gateway(registry_url=raw_upstream, max_buffered_response_bytes=4)
    with pytest.raises(httpx.RemoteProtocolError, match=r"received 5 bytes, expected 10"):
        gw.http.get("/registry/v1/public/trunc")
    ping = gw.http.get("/registry/v1/public/ping")
    assert (ping.status_code, ping.content) == (200, b"pong")
    metrics = gw.http.get("/metrics", headers=gw.admin_headers).text
    statuses = [
        line.split('status="')[1].split('"')[0]
        for line in metrics.splitlines()
        if line.startswith("gateway_requests_total{") and "public" in line
    ]
    assert sorted(statuses) == ["200", "502"]
    # the caller could only be cut off: nothing went wrong in the gateway itself
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


@dataclass
class PacedUpstream:
    """Answers `/v1/public/halves` with a 16-byte body: 8 bytes, then 8 more once `go_on` is
    set (`went_on` is set just before they go); 404 to anything else."""

    url: str
    go_on: threading.Event
    went_on: threading.Event


@pytest.fixture
def paced_upstream() -> Iterator[PacedUpstream]:
    go_on, went_on = threading.Event(), threading.Event()

    def handle(conn: socket.socket, _: threading.Event) -> None:
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                data = conn.recv(65536)
                if not data:
                    return
                head += data
            if b" /v1/public/halves " not in head.split(b"\r\n", 1)[0]:
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                return
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n" + b"a" * 8)
            go_on.wait(DEADLINE)
            went_on.set()
            conn.sendall(b"b" * 8)

    with threaded_upstream(handle) as url:
        try:
            yield PacedUpstream(url, go_on, went_on)
        finally:
            go_on.set()


def test_an_answer_longer_than_the_buffer_reaches_the_caller_before_it_ends(
    start_gateway: StartGateway, paced_upstream: PacedUpstream
) -> None:
    gw = start_gateway(registry_url=paced_upstream.url, max_buffered_response_bytes=15)
    with gw.http.stream("GET", "/registry/v1/public/halves") as answer:
        # the head (and the first half) are here while the upstream still holds the rest
        assert answer.status_code == 200 and not paced_upstream.went_on.is_set()
        assert answer.headers["content-length"] == "16"  # streamed, with the length it has
        assert "transfer-encoding" not in answer.headers
        paced_upstream.go_on.set()
        assert answer.read() == b"a" * 8 + b"b" * 8


def test_an_answer_as_long_as_the_buffer_is_sent_whole_once_complete(
    start_gateway: StartGateway, paced_upstream: PacedUpstream
) -> None:
    gw = start_gateway(registry_url=paced_upstream.url, max_buffered_response_bytes=16)
    later = threading.Timer(0.3, paced_upstream.go_on.set)
    later.start()
    with gw.http.stream("GET", "/registry/v1/public/halves") as answer:
        # nothing reached the caller until the upstream had sent it all
        assert answer.status_code == 200 and paced_upstream.went_on.is_set()
        assert answer.read() == b"a" * 8 + b"b" * 8
    later.join()


# 9 ------------------------------------------------------------------------------------------


def test_percent_encoded_service_segment_is_not_forwarded(gw: RunningGateway) -> None:
    key = gw.key_for("bank")
    with connect(gw.url) as sock:
        sock.sendall(
            b"GET /%72egistry/v1/echo HTTP/1.1\r\nHost: gw\r\nX-API-Key: "
            + key.encode()
            + b"\r\nConnection: close\r\n\r\n"
        )
        answer = read_response(sock)
    assert answer.startswith(b"HTTP/1.1 404"), answer[:200]
    assert b'"code":"not_found"' in answer
    assert gw.http.get("/registry/v1/echo", headers={"X-API-Key": key}).status_code == 200
