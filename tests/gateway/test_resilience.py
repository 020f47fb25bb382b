"""Upstream failures: refused → 503 + Retry-After, slow → 504, open breaker → 503 at once."""

import socket
import time

import pytest

from tests.gateway.conftest import TRANSPORTS, RunningGateway, StartGateway, Upstream


@pytest.fixture(params=TRANSPORTS)
def upstream_transport(request: pytest.FixtureRequest) -> str:
    """Every test here runs on both upstream transports."""
    return str(request.param)


def test_upstream_down_is_503_with_retry_after(gw: RunningGateway) -> None:
    headers = {"X-API-Key": gw.key_for("admin")}
    response = gw.http.get("/funding/v1/budgets", headers=headers)
    assert response.status_code == 503
    assert response.json()["code"] == "upstream_unavailable"
    assert int(response.headers["retry-after"]) >= 1


def test_breaker_open_answers_503_within_100ms(start_gateway: StartGateway) -> None:
    gw = start_gateway(breaker_failure_threshold=3, breaker_reset_seconds=30)
    headers = {"X-API-Key": gw.key_for("admin")}
    for _ in range(3):
        assert gw.http.get("/vouchers/v1/vouchers", headers=headers).status_code == 503
    assert gw.gateway.upstreams["vouchers"].breaker.is_open
    started = time.perf_counter()
    response = gw.http.get("/vouchers/v1/vouchers", headers=headers)
    elapsed = time.perf_counter() - started
    assert response.status_code == 503 and elapsed < 0.1
    assert 1 <= int(response.headers["retry-after"]) <= 30


def test_slow_upstream_is_504_then_breaker_opens_then_recovers(
    start_gateway: StartGateway, registry_upstream: Upstream
) -> None:
    gw = start_gateway(
        read_timeout_seconds=0.3, breaker_failure_threshold=2, breaker_reset_seconds=1.0
    )
    headers = {"X-API-Key": gw.key_for("bank")}
    for _ in range(2):
        started = time.perf_counter()
        response = gw.http.get("/registry/v1/slow", params={"seconds": 2}, headers=headers)
        assert response.status_code == 504 and response.json()["code"] == "upstream_timeout"
        assert time.perf_counter() - started < 1.5
    hits = registry_upstream.hits
    started = time.perf_counter()
    fast_fail = gw.http.get("/registry/v1/echo", headers=headers)
    assert fast_fail.status_code == 503 and time.perf_counter() - started < 0.1
    assert registry_upstream.hits == hits  # the open breaker cost the service nothing
    time.sleep(1.05)
    probe = gw.http.get("/registry/v1/echo", headers=headers)  # half-open probe succeeds
    assert probe.status_code == 200
    assert not gw.gateway.upstreams["registry"].breaker.is_open


def test_blackholed_upstream_connect_timeout_is_504(start_gateway: StartGateway) -> None:
    """A listener that never answers: the read timeout turns into a 504."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        port = listener.getsockname()[1]
        gw = start_gateway(vouchers_url=f"http://127.0.0.1:{port}", read_timeout_seconds=0.3)
        headers = {"X-API-Key": gw.key_for("admin")}
        assert gw.http.get("/vouchers/v1/vouchers", headers=headers).status_code == 504
