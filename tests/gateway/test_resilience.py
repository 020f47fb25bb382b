"""Upstream failures: refused → 503 + Retry-After, slow → 504, open breaker → 503 at once."""

import socket
import time
import uuid

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
    assert response.json()["detail"] == "The funding service is unavailable; retry shortly."
    assert int(response.headers["retry-after"]) >= 1
    metrics = gw.http.get("/metrics", headers=gw.admin_headers).text
    assert 'gateway_upstream_errors_total{reason="refused",upstream="funding"} 1.0' in metrics
    assert 'reason="disconnected"' not in metrics
    assert 'gateway_circuit_open{upstream="funding"} 1.0' not in metrics  # one failure of five


def test_an_open_breaker_answers_503_at_once_with_the_wait_until_the_next_probe(
    start_gateway: StartGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    gw = start_gateway(breaker_failure_threshold=3, breaker_reset_seconds=30)
    headers = {"X-API-Key": gw.key_for("admin")}
    upstream = gw.gateway.upstreams["vouchers"]
    failures = [gw.http.get("/vouchers/v1/vouchers", headers=headers) for _ in range(3)]
    assert [f.status_code for f in failures] == [503, 503, 503]
    # the refusals before the threshold say "retry shortly"; the one that opens the breaker
    # says how long it stays open
    assert [f.headers["retry-after"] for f in failures[:2]] == ["1", "1"]
    assert 29 <= int(failures[2].headers["retry-after"]) <= 30
    assert upstream.breaker.is_open
    sends = []
    monkeypatch.setattr(upstream.transport, "send", lambda *a, **k: sends.append(a))
    response = gw.http.get("/vouchers/v1/vouchers", headers=headers)
    assert response.status_code == 503 and response.json()["code"] == "upstream_unavailable"
    assert 29 <= int(response.headers["retry-after"]) <= 30
    assert sends == []  # answered by the gateway: the service is not asked


def test_a_wait_under_half_a_second_is_announced_as_one_second_never_zero(
    start_gateway: StartGateway,
) -> None:
    gw = start_gateway(breaker_failure_threshold=1, breaker_reset_seconds=0.4)
    headers = {"X-API-Key": gw.key_for("admin")}
    opened = gw.http.get("/vouchers/v1/vouchers", headers=headers)  # opens it for 0.4 s
    refused = gw.http.get("/vouchers/v1/vouchers", headers=headers)  # while it is open
    assert [opened.status_code, refused.status_code] == [503, 503]
    assert gw.gateway.upstreams["vouchers"].breaker.is_open
    assert [opened.headers["retry-after"], refused.headers["retry-after"]] == ["1", "1"]


def test_slow_upstream_is_504_then_breaker_opens_then_recovers(
    start_gateway: StartGateway, registry_upstream: Upstream
) -> None:
    gw = start_gateway(
        read_timeout_seconds=0.3, breaker_failure_threshold=2, breaker_reset_seconds=1.0
    )
    headers = {"X-API-Key": gw.key_for("bank")}
    for _ in range(2):  # the service would answer 200 after 2 s: a 504 means the gateway gave up
        response = gw.http.get("/registry/v1/slow", params={"seconds": 2}, headers=headers)
        assert response.status_code == 504 and response.json()["code"] == "upstream_timeout"
    query = f"call={uuid.uuid4().hex}"
    fast_fail = gw.http.get(f"/registry/v1/echo?{query}", headers=headers)
    assert fast_fail.status_code == 503
    assert registry_upstream.arrived(query) == 0  # the open breaker cost the service nothing
    time.sleep(1.05)
    probe = gw.http.get("/registry/v1/echo", headers=headers)  # half-open probe succeeds
    assert probe.status_code == 200
    assert not gw.gateway.upstreams["registry"].breaker.is_open
    metrics = gw.http.get("/metrics", headers=gw.admin_headers).text
    assert 'gateway_circuit_open{upstream="registry"} 0.0' in metrics  # closed again


def test_blackholed_upstream_connect_timeout_is_504(start_gateway: StartGateway) -> None:
    """A listener that never answers: the read timeout turns into a 504."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        port = listener.getsockname()[1]
        gw = start_gateway(vouchers_url=f"http://127.0.0.1:{port}", read_timeout_seconds=0.3)
        headers = {"X-API-Key": gw.key_for("admin")}
        assert gw.http.get("/vouchers/v1/vouchers", headers=headers).status_code == 504
