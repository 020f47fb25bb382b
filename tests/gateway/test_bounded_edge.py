"""Bounded requests and answers bound to their requests, through a running gateway."""

import asyncio
import base64
import hashlib
import io
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest

from gateway.auth.scopes import rule_for
from tests.gateway.conftest import (
    TRANSPORTS,
    RunningGateway,
    StartGateway,
    Upstream,
    threaded_upstream,
)
from tests.gateway.test_proxy_bounds import call_asgi

MIB = 1 << 20


@pytest.fixture(params=TRANSPORTS)
def upstream_transport(request: pytest.FixtureRequest) -> str:
    """Every test here runs on both upstream transports."""
    return str(request.param)


def _chunks(total: int, size: int = 256 * 1024):  # type: ignore[no-untyped-def]
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


def test_a_chunked_body_over_the_limit_is_413_while_streaming(gw: RunningGateway) -> None:
    headers = {"X-API-Key": gw.key_for("admin")}
    answer = gw.http.post("/registry/v1/echo", content=_chunks(8 * MIB), headers=headers)
    assert answer.status_code == 413, answer.text
    assert answer.json()["code"] == "payload_too_large"
    # Up to the limit, a chunked body still passes whole; one byte more does not.
    fine = gw.http.post("/registry/v1/echo", content=_chunks(MIB), headers=headers)
    assert fine.status_code == 200 and fine.json()["body_length"] == MIB
    over = gw.http.post("/registry/v1/echo", content=_chunks(MIB + 1), headers=headers)
    assert over.status_code == 413 and over.json()["code"] == "payload_too_large"


def test_a_body_of_exactly_its_limit_passes_and_one_byte_more_is_413(
    start_gateway: StartGateway,
) -> None:
    gw = start_gateway(body_limits={"/registry/v1/echo": 1000})  # one message, with its length
    headers = {"X-API-Key": gw.key_for("admin")}
    fine = gw.http.post("/registry/v1/echo", content=b"x" * 1000, headers=headers)
    assert fine.status_code == 200 and fine.json()["body_length"] == 1000
    over = gw.http.post("/registry/v1/echo", content=b"x" * 1001, headers=headers)
    assert over.status_code == 413 and over.json()["code"] == "payload_too_large"


def test_a_one_byte_body_reaches_the_service_whole(gw: RunningGateway) -> None:
    """The smallest body is still a body: forwarded with its byte and its Content-Length."""
    headers = {"X-API-Key": gw.key_for("admin")}
    answer = gw.http.post("/registry/v1/echo", content=b"x", headers=headers)
    assert answer.status_code == 200
    seen = answer.json()
    assert (seen["body_length"], seen["headers"].get("content-length")) == (1, "1")
    assert seen["body_sha256"] == hashlib.sha256(b"x").hexdigest()


@pytest.mark.parametrize("length", [b"5 ", b" 5", b"5\t"])
def test_a_content_length_with_whitespace_around_it_still_carries_its_body(
    gw: RunningGateway, length: bytes
) -> None:
    """Whitespace around a field value is not part of it (RFC 9110 5.5); the gateway's server
    (httptools) passes some of it on, and the body must not be taken for none."""
    url = urlsplit(gw.url)
    with socket.create_connection((url.hostname, url.port)) as sock:
        sock.sendall(
            b"POST /registry/v1/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"X-API-Key: " + gw.key_for("admin").encode() + b"\r\n"
            b"Content-Length: " + length + b"\r\n\r\nhello"
        )
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    seen = json.loads(body)
    assert (seen["body_length"], seen["headers"].get("content-length")) == (5, "5")
    assert seen["body_sha256"] == hashlib.sha256(b"hello").hexdigest()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_a_request_without_a_body_reaches_the_service_as_one(
    gw: RunningGateway, method: str
) -> None:
    """Whatever the transport: no body, and a zero Content-Length where the method defines a
    meaning for content (RFC 9110 8.6), so the service never waits for one."""
    answer = gw.http.request(
        method, "/registry/v1/echo", headers={"X-API-Key": gw.key_for("admin")}
    )
    assert answer.status_code == 200
    seen = answer.json()
    assert (seen["method"], seen["body_length"]) == (method, 0)
    assert seen["headers"].get("content-length") == "0"
    assert "transfer-encoding" not in seen["headers"]


def test_a_body_that_arrives_in_parts_keeps_its_length_whatever_headers_follow(
    gw: RunningGateway,
) -> None:
    """Forwarded with its Content-Length, not re-chunked, even when headers the gateway strips
    (sorting before or after Transfer-Encoding) come after it."""
    size = 8 * 64 * 1024

    def slowly():  # type: ignore[no-untyped-def]
        for _ in range(8):
            time.sleep(0.01)  # so the gateway reads the body in parts
            yield b"x" * (64 * 1024)

    headers = [
        ("X-API-Key", gw.key_for("admin")),
        ("Content-Length", str(size)),
        ("X-Real-IP", "203.0.113.9"),
        ("X-Client-Id", "spoofed"),
        ("Cookie", "a=b"),
    ]
    answer = gw.http.post("/registry/v1/echo", content=slowly(), headers=headers)
    assert answer.status_code == 200, answer.text
    seen = answer.json()
    assert seen["body_length"] == size
    assert seen["headers"]["content-length"] == str(size)
    assert "transfer-encoding" not in seen["headers"] and "x-real-ip" not in seen["headers"]


def test_a_declared_body_over_the_limit_never_reaches_the_service(
    gw: RunningGateway, registry_upstream: Upstream
) -> None:
    headers = {"X-API-Key": gw.key_for("admin")}
    query = f"call={uuid.uuid4().hex}"
    answer = gw.http.post(f"/registry/v1/echo?{query}", content=b"x" * (2 * MIB), headers=headers)
    assert answer.status_code == 413 and answer.json()["code"] == "payload_too_large"
    assert registry_upstream.arrived(query) == 0


def test_route_classes_have_their_own_configurable_limits(start_gateway: StartGateway) -> None:
    gw = start_gateway(max_body_bytes=64 * 1024, body_limits={"/registry/v1/echo": 3 * MIB})
    headers = {"X-API-Key": gw.key_for("admin")}
    big = gw.http.post("/registry/v1/echo", content=_chunks(2 * MIB), headers=headers)
    assert big.status_code == 200 and big.json()["body_length"] == 2 * MIB
    other = gw.http.post("/credit/v1/echo", content=_chunks(100 * 1024), headers=headers)
    assert other.status_code == 413 and other.json()["code"] == "payload_too_large"
    # The gateway's own routes are bounded too (the admin API, the token endpoint).
    own = gw.http.post(
        "/admin/v1/clients", content=b"{" + b" " * (100 * 1024) + b"}", headers=gw.admin_headers
    )
    assert own.status_code == 413 and own.json()["code"] == "payload_too_large"


def test_long_paths_answer_414_before_any_lookup(gw: RunningGateway) -> None:
    long_path = "/registry/v1/enterprises/" + "a" * 60_000
    answers = [gw.http.get(long_path + str(n)).status_code for n in range(20)]
    assert answers == [414] * 20
    problem = gw.http.get(long_path).json()
    assert problem["code"] == "uri_too_long" and "a" * 100 not in json.dumps(problem)
    assert gw.http.get("/admin/v1/clients?q=" + "b" * 8000).status_code == 414
    # The route table is matched by pattern, never cached by the caller's path.
    assert not hasattr(rule_for, "cache_info")
    assert rule_for("registry", "/v1/enterprises/x").name == "registry.enterprises"  # type: ignore[union-attr]


def test_anonymous_refusals_count_against_the_address(start_gateway: StartGateway) -> None:
    gw = start_gateway(rate_limit_public="5/minute")
    statuses = [gw.http.get("/registry/v1/echo").status_code for _ in range(8)]
    assert statuses == [401] * 5 + [429] * 3
    # A valid key from the same address is not refused.
    assert gw.http.get("/registry/v1/echo", headers={"X-API-Key": gw.key_for("bank")}).is_success


@pytest.mark.parametrize("method", ["GET", "POST"])  # asked again, and asked once
def test_an_answer_echoing_another_request_id_is_502_and_dropped(
    gw: RunningGateway, method: str
) -> None:
    headers = {"X-API-Key": gw.key_for("admin")}
    answer = gw.http.request(method, "/registry/v1/misbound", headers=headers)
    assert answer.status_code == 502, answer.text
    assert answer.json()["code"] == "upstream_answer_mismatch"
    transport = gw.gateway.upstreams["registry"].transport
    assert transport.in_flight() == 0
    # The next caller gets its own answer on a fresh connection.
    mine = gw.http.get("/registry/v1/echo", headers={**headers, "X-Request-ID": "req_mine_12345"})
    assert mine.status_code == 200 and mine.headers["x-request-id"] == "req_mine_12345"


def test_an_answer_without_a_request_id_is_relayed_whatever_headers_it_has(
    gw: RunningGateway,
) -> None:
    """The echo check reads `x-request-id` alone, not the first header sorting near it (here
    `x-served-by`, which sorts after it and comes first)."""
    answer = gw.http.get("/registry/v1/served", headers={"X-API-Key": gw.key_for("bank")})
    assert answer.status_code == 200, answer.text
    assert answer.headers["x-served-by"] == "node-1"
    assert answer.headers["x-request-id"].startswith("req_")


def test_cookies_and_internal_headers_never_reach_the_caller(gw: RunningGateway) -> None:
    answer = gw.http.get("/registry/v1/cookies", headers={"X-API-Key": gw.key_for("bank")})
    assert answer.status_code == 200
    assert "set-cookie" not in answer.headers and "x-powered-by" not in answer.headers


def test_an_upstream_redirect_never_names_the_internal_address(gw: RunningGateway) -> None:
    # The echo service still redirects a trailing slash (FastAPI's default).
    answer = gw.http.get("/registry/v1/echo/", headers={"X-API-Key": gw.key_for("bank")})
    assert answer.status_code == 307
    location = answer.headers["location"]
    internal = urlsplit(gw.settings.registry_url).netloc
    assert internal not in location and location == "/registry/v1/echo"
    assert answer.headers["content-length"] == "0"  # the upstream's other headers are kept


@pytest.mark.parametrize(
    ("to", "passed_on"),
    [
        ("/registry/v1/echo?page=2", "/registry/v1/echo?page=2"),  # a path: kept as it is
        ("{internal}/v1/echo", "/registry/v1/echo"),  # the service's own address: made public
        ("//elsewhere.example/v1/items", None),  # protocol-relative: another host, dropped
        ("https://elsewhere.example/", None),  # another site: dropped
    ],
)
def test_a_redirect_location_is_kept_made_public_or_dropped(
    gw: RunningGateway, to: str, passed_on: str | None
) -> None:
    target = to.format(internal=gw.settings.registry_url.rstrip("/"))
    answer = gw.http.get(
        "/registry/v1/redirect", params={"to": target}, headers={"X-API-Key": gw.key_for("bank")}
    )
    assert answer.status_code == 302
    assert answer.headers.get("location") == passed_on
    assert answer.headers["x-note"] == "kept"  # a redirect's other headers pass as they are


@pytest.mark.parametrize("status", [201, 299, 300, 399, 400])
@pytest.mark.parametrize(
    ("to", "passed_on"),
    [
        ("{internal}/v1/echo", "/registry/v1/echo"),  # the service's own address: made public
        ("https://elsewhere.example/items/1", None),  # another site: dropped
    ],
)
def test_every_answer_has_its_location_made_public_and_its_body_passed(
    gw: RunningGateway, status: int, to: str, passed_on: str | None
) -> None:
    """Not only a redirect's: a 201's link or a problem's pointer is followed too."""
    answer = gw.http.get(
        "/registry/v1/answer",
        params={
            "status": status,
            "location": to.format(internal=gw.settings.registry_url.rstrip("/")),
        },
        headers={"X-API-Key": gw.key_for("bank")},
    )
    assert answer.status_code == status
    assert answer.headers.get("location") == passed_on
    assert answer.content == f"answer {status}".encode()


@pytest.mark.parametrize(("method", "status"), [("GET", 204), ("GET", 304), ("HEAD", 200)])
def test_an_answer_that_has_no_body_by_its_status_or_method_arrives_without_one(
    gw: RunningGateway, method: str, status: int
) -> None:
    answer = gw.http.request(
        method,
        "/registry/v1/answer",
        params={"status": status, "location": "/registry/v1/echo"},
        headers={"X-API-Key": gw.key_for("bank")},
    )
    assert answer.status_code == status and answer.content == b""
    assert answer.headers["location"] == "/registry/v1/echo"
    if method == "HEAD":  # the length of the body a GET would have had
        assert answer.headers["content-length"] == str(len(f"answer {status}"))


def test_internal_tokens_live_sixty_seconds(gw: RunningGateway) -> None:
    assert gw.settings.internal_token_ttl_seconds == 60
    seen = gw.http.get("/registry/v1/echo", headers={"X-API-Key": gw.key_for("bank")}).json()
    token = seen["headers"]["authorization"].split(" ", 1)[1]
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert claims["exp"] - claims["iat"] == 60


def _gateway_logged_a_hang_up(caplog: pytest.LogCaptureFixture) -> bool:
    """The gateway's own line (the echo service's can come later, in the next test)."""
    return any(r.name == "gateway.proxy" and "hung up" in r.getMessage() for r in caplog.records)


def _wait_for(condition: Callable[[], bool], caplog: pytest.LogCaptureFixture) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, [r.getMessage() for r in caplog.records]
        time.sleep(0.05)


def test_a_caller_hanging_up_mid_body_is_a_499_at_info(
    gw: RunningGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    key = gw.key_for("admin")
    with socket.create_connection((urlsplit(gw.url).hostname, urlsplit(gw.url).port)) as sock:
        sock.sendall(
            b"POST /registry/v1/echo HTTP/1.1\r\nHost: x\r\nX-API-Key: " + key.encode() + b"\r\n"
            b"Content-Length: 100000\r\n\r\n" + b"x" * 1000
        )
        time.sleep(0.2)
    _wait_for(lambda: _gateway_logged_a_hang_up(caplog), caplog)
    # The gateway's line, and the echo service's own (the kernel's handler) when the gateway's
    # upstream request is cut short too: both INFO.
    assert {r.levelname for r in caplog.records if "hung up" in r.getMessage()} == {"INFO"}
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    metrics = gw.http.get("/metrics", headers=gw.admin_headers).text
    counted = [line for line in metrics.splitlines() if line.startswith("gateway_requests_total")]
    assert any('status="499"' in line for line in counted), counted
    assert not any('status="500"' in line for line in counted), counted


def test_a_caller_hanging_up_before_its_body_costs_the_service_nothing(
    gw: RunningGateway, registry_upstream: Upstream, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    key = gw.key_for("admin")
    # This call's own mark: an earlier test's cut-short request may still reach the service
    # (and log its own "hung up") while this one runs.
    query = f"call={uuid.uuid4().hex}"
    with socket.create_connection((urlsplit(gw.url).hostname, urlsplit(gw.url).port)) as sock:
        sock.sendall(
            b"POST /registry/v1/echo?" + query.encode() + b" HTTP/1.1\r\nHost: x\r\n"
            b"X-API-Key: " + key.encode() + b"\r\nContent-Length: 100\r\n\r\n"
        )
    _wait_for(
        lambda: _gateway_logged_a_hang_up(caplog) or registry_upstream.arrived(query) > 0, caplog
    )
    assert registry_upstream.arrived(query) == 0  # nothing was forwarded, not even an empty body
    assert _gateway_logged_a_hang_up(caplog)


def test_an_enterprise_client_needs_a_valid_uscc(gw: RunningGateway) -> None:
    refused = gw.http.post(
        "/admin/v1/clients",
        json={"name": "firm", "kind": "enterprise", "org": "91140105MA0KDE119X"},
        headers=gw.admin_headers,
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "body.org"
    assert refused.json()["code"] == "invalid_uscc"
    assert gw.create_client("enterprise", org="91140105MA0KDE119Q")["client"]["org"]


def test_the_merged_openapi_documents_the_gateways_own_answers(gw: RunningGateway) -> None:
    spec = gw.http.get("/openapi.json").json()
    operation = spec["paths"]["/registry/v1/echo"]["get"]
    assert {"414", "429", "502", "503", "504"} <= set(operation["responses"])
    with_body = [
        op
        for path in spec["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "requestBody" in op and "responses" in op
    ]
    for op in with_body:
        if op.get("operationId", "").startswith(("registry", "credit")):
            assert "413" in op["responses"], op.get("operationId")


def test_logged_paths_are_truncated(start_gateway: StartGateway) -> None:
    gw = start_gateway(access_log=True)
    lines = io.StringIO()
    access_log = gw.gateway.proxy.access_log
    access_log.stream = lines
    path = "/registry/v1/enterprises/" + "z" * 3000
    assert gw.http.get(path).status_code == 401
    access_log.flush()
    logged = [json.loads(line) for line in lines.getvalue().splitlines()]
    assert logged and all(len(entry["path"]) <= 256 for entry in logged)
    assert logged[-1]["path"].startswith("/registry/v1/enterprises/zzz")


@pytest.fixture
def double_answering_upstream() -> Iterator[str]:
    """A raw HTTP/1.1 upstream that answers `/v1/double` twice: its own answer, then, when the
    next request arrives on the kept-alive connection, a late one before that request's own."""

    def answer(conn: socket.socket, request_id: bytes, body: bytes) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-request-id: "
            + request_id
            + b"\r\ncontent-length: %d\r\n\r\n" % len(body)
            + body
        )

    def serve_one(conn: socket.socket, stop: threading.Event) -> None:
        buffer = b""
        late = False
        with conn:
            while not stop.is_set():
                while b"\r\n\r\n" not in buffer:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                fields = dict(
                    line.split(b": ", 1) for line in head.split(b"\r\n")[1:] if b": " in line
                )
                request_id = {k.lower(): v for k, v in fields.items()}.get(b"x-request-id", b"-")
                if late:  # the earlier request's second answer, just as the next one arrives
                    answer(conn, b"req_late_answer_0001", b'{"for": "req_late_answer_0001"}')
                    late = False
                answer(conn, request_id, b'{"for": "%s"}' % request_id)
                late = b"/v1/double" in head.split(b"\r\n", 1)[0]

    with threaded_upstream(serve_one) as url:
        yield url


def test_a_late_answer_never_reaches_the_next_caller(
    start_gateway: StartGateway, double_answering_upstream: str
) -> None:
    gw = start_gateway(registry_url=double_answering_upstream, retry_attempts=1)
    first = {"X-API-Key": gw.key_for("bank"), "X-Request-ID": "req_first_caller_01"}
    second = {"X-API-Key": gw.key_for("bank"), "X-Request-ID": "req_second_caller_02"}
    answered = gw.http.get("/registry/v1/double", headers=first)
    assert answered.status_code == 200 and answered.json() == {"for": "req_first_caller_01"}
    for _ in range(3):
        mine = gw.http.get("/registry/v1/mine", headers=second)
        assert mine.status_code == 200, mine.text
        assert mine.json() == {"for": "req_second_caller_02"}


def test_a_body_in_uneven_pieces_from_a_client_without_host_reaches_the_service_whole(
    gw: RunningGateway,
) -> None:
    """An HTTP/1.0 client sends no Host: nothing is invented for X-Forwarded-Host. Its body
    comes as the server hands it over, empty pieces included (first, and in the middle)."""
    call = call_asgi(
        gw.app,
        [(b"x-api-key", gw.key_for("admin").encode()), (b"content-length", b"5")],
        method="POST",
        path="/registry/v1/echo",
        host=None,
        http_version="1.0",
        pieces=[(b"", True), (b"hel", True), (b"", True), (b"lo", False)],
    )
    status, body = asyncio.run_coroutine_threadsafe(call, gw.loop).result(10)
    assert status == 200, body
    seen = json.loads(body)
    assert seen["body_sha256"] == hashlib.sha256(b"hello").hexdigest()
    assert seen["body_length"] == 5
    assert "x-forwarded-host" not in seen["headers"]
    assert seen["headers"]["x-forwarded-proto"] == "http"
