"""Forwarding details: bodies streamed both ways, query strings, hop-by-hop headers, logs."""

import hashlib
import json
import os
import time
from types import SimpleNamespace

import pytest

from gateway.proxy import handler
from tests.gateway.conftest import TRANSPORTS, RunningGateway, StartGateway


@pytest.fixture(params=TRANSPORTS)
def upstream_transport(request: pytest.FixtureRequest) -> str:
    """Every test here runs on both upstream transports."""
    return str(request.param)


def test_request_body_and_query_are_forwarded(start_gateway: StartGateway) -> None:
    gw = start_gateway(body_limits={"/registry/v1/echo": 4 << 20})  # the default is 1 MiB
    headers = {"X-API-Key": gw.key_for("admin")}
    body = os.urandom(3_000_000)

    def chunks():  # type: ignore[no-untyped-def]
        for start in range(0, len(body), 100_000):
            yield body[start : start + 100_000]

    streamed = gw.http.post("/registry/v1/echo?a=1&b=%20x", content=chunks(), headers=headers)
    assert streamed.status_code == 200, streamed.text
    seen = streamed.json()
    assert (
        seen["body_length"] == len(body) and seen["body_sha256"] == hashlib.sha256(body).hexdigest()
    )
    assert seen["query"] == "a=1&b=%20x" and seen["path"] == "/v1/echo"
    small = gw.http.put("/registry/v1/echo", json={"x": 1}, headers=headers).json()
    assert small["method"] == "PUT" and small["body_length"] == len(
        json.dumps({"x": 1}).replace(" ", "")
    )


def test_large_response_is_streamed(gw: RunningGateway) -> None:
    headers = {"X-API-Key": gw.key_for("bank")}
    response = gw.http.get("/registry/v1/big", params={"size": 5_000_000}, headers=headers)
    assert response.status_code == 200 and len(response.content) == 5_000_000
    assert response.headers["x-request-id"]


def test_hop_by_hop_headers_are_dropped(gw: RunningGateway) -> None:
    headers = {
        "X-API-Key": gw.key_for("bank"),
        "Connection": "keep-alive, X-Secret-Hop",
        "X-Secret-Hop": "1",
        "Keep-Alive": "timeout=5",
        "TE": "trailers",
        "X-Custom": "kept",
        "Accept-Language": "zh-CN",  # names sorting before content-length pass too
        "Cache-Control": "no-cache",
    }
    seen = gw.http.get("/registry/v1/echo", headers=headers).json()["headers"]
    for name in ("x-secret-hop", "keep-alive", "te"):
        assert name not in seen
    assert seen["x-custom"] == "kept"
    assert (seen["accept-language"], seen["cache-control"]) == ("zh-CN", "no-cache")


def test_utf8_header_value_arrives_byte_exact(gw: RunningGateway) -> None:
    value = "太原 café".encode()
    headers = [(b"x-api-key", gw.key_for("bank").encode()), (b"x-note", value)]
    seen = gw.http.get("/registry/v1/echo", headers=headers).json()["headers"]
    assert seen["x-note"].encode("latin-1") == value  # the echo decodes header bytes as latin-1


def test_a_header_value_that_is_not_utf8_is_forwarded_not_refused(gw: RunningGateway) -> None:
    """Legacy obs-text (here Latin-1) is let through; aiohttp can only write it back as UTF-8."""
    headers = [(b"x-api-key", gw.key_for("bank").encode()), (b"x-note", b"caf\xe9")]
    answer = gw.http.get("/registry/v1/echo", headers=headers)
    assert answer.status_code == 200
    assert answer.json()["headers"]["x-note"].encode("latin-1") in (b"caf\xe9", "café".encode())


def test_head_and_keepalive_reuse(gw: RunningGateway) -> None:
    headers = {"X-API-Key": gw.key_for("bank")}
    assert gw.http.head("/registry/v1/echo", headers=headers).status_code in (200, 405)
    for _ in range(5):
        assert gw.http.get("/registry/v1/echo", headers=headers).status_code == 200


def test_access_log_is_json(start_gateway, capfd) -> None:  # type: ignore[no-untyped-def]
    gw = start_gateway(access_log=True)
    headers = {"X-API-Key": gw.key_for("bank"), "X-Request-ID": "req-log-test-1"}
    started = time.perf_counter()
    slow = gw.http.get("/registry/v1/slow", params={"seconds": 0.05}, headers=headers)
    wall_ms = (time.perf_counter() - started) * 1000
    metrics = gw.http.get("/metrics", headers=gw.admin_headers).text
    observed = next(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith('gateway_request_duration_seconds_sum{route="registry.other"}')
    )
    long_path = "/registry/v1/echo/" + "x" * 300
    gw.http.get(long_path, headers={**headers, "X-Request-ID": "req-log-test-2"})
    gw.gateway.proxy.access_log.flush()
    lines = [
        json.loads(line)
        for line in capfd.readouterr().err.splitlines()
        if '"gateway.access"' in line
    ]
    entry = next(line for line in lines if line.get("request_id") == "req-log-test-1")
    assert slow.status_code == entry["status"] == 200
    assert entry["kind"] == "bank" and entry["route"] == "registry.other"
    assert entry["client"].startswith("cli_") and entry["on_behalf_of"] is None
    assert entry["method"] == "GET" and entry["path"] == "/registry/v1/slow"
    # the gateway's own time for the call, in milliseconds: within what the caller waited, and
    # the time the latency histogram was given
    assert 50 <= entry["latency_ms"] <= wall_ms
    assert entry["latency_ms"] == round(observed * 1000, 2)
    long_entry = next(line for line in lines if line.get("request_id") == "req-log-test-2")
    assert long_entry["path"] == long_path[:256]  # a caller-chosen value, cut to 256 characters


def test_access_log_latency_is_in_milliseconds_to_two_decimals(  # type: ignore[no-untyped-def]
    start_gateway, capfd, monkeypatch: pytest.MonkeyPatch
) -> None:
    gw = start_gateway(access_log=True)
    headers = {"X-API-Key": gw.key_for("bank"), "X-Request-ID": "req-log-clock-1"}
    readings = iter([1000.0, 1000.0123456])  # the call's start, then its end
    monkeypatch.setattr(handler, "time", SimpleNamespace(perf_counter=lambda: next(readings)))
    assert gw.http.get("/registry/v1/echo", headers=headers).status_code == 200
    gw.gateway.proxy.access_log.flush()
    entry = next(
        json.loads(line)
        for line in capfd.readouterr().err.splitlines()
        if "req-log-clock-1" in line
    )
    assert entry["latency_ms"] == 12.35


def test_idle_connections_are_not_reused_past_keepalive(start_gateway) -> None:  # type: ignore[no-untyped-def]
    gw = start_gateway(upstream_keepalive_seconds=0.2)
    headers = {"X-API-Key": gw.key_for("bank")}
    assert gw.http.get("/registry/v1/echo", headers=headers).status_code == 200
    time.sleep(0.3)
    for _ in range(3):
        assert gw.http.get("/registry/v1/echo", headers=headers).status_code == 200


def test_post_is_never_retried(gw: RunningGateway) -> None:
    headers = {"X-API-Key": gw.key_for("admin")}
    response = gw.http.post("/funding/v1/budgets", json={"amount_fen": 1}, headers=headers)
    assert response.status_code == 503  # refused, once: POST is not replayed
