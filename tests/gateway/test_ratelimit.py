"""Rate limits: RateLimit headers, 429 with Retry-After, recovery; Redis shares counts."""

import asyncio
import shutil
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.gateway.conftest import RunningGateway, StartGateway
from tests.servers import free_port


def _wait_for_next_window() -> None:
    time.sleep(1.0 - (time.time() % 1.0) + 0.02)


def test_limit_then_429_then_recovery(gw: RunningGateway) -> None:
    key = gw.key_for("bank", rate_limits={"read": "3/second"})
    headers = {"X-API-Key": key}
    _wait_for_next_window()
    remaining = []
    for _ in range(3):
        response = gw.http.get("/registry/v1/echo", headers=headers)
        assert response.status_code == 200
        assert response.headers["ratelimit-policy"] == '"read";q=3;w=1'
        remaining.append(response.headers["ratelimit"].split(";")[1])
    assert remaining == ["r=2", "r=1", "r=0"]
    limited = gw.http.get("/registry/v1/echo", headers=headers)
    assert limited.status_code == 429
    assert limited.headers["content-type"].startswith("application/problem+json")
    assert limited.json()["code"] == "rate_limited"
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.headers["ratelimit"].startswith('"read";r=0;t=')
    # writes have their own budget
    assert gw.http.post("/registry/v1/echo", json={}, headers=headers).status_code != 429
    _wait_for_next_window()
    assert gw.http.get("/registry/v1/echo", headers=headers).status_code == 200


def test_limits_are_per_client(gw: RunningGateway) -> None:
    # a minute's window: a loaded machine cannot spread three requests across it
    first = {"X-API-Key": gw.key_for("bank", rate_limits={"read": "2/minute"})}
    second = {"X-API-Key": gw.key_for("bank", rate_limits={"read": "2/minute"})}
    for _ in range(2):
        gw.http.get("/registry/v1/echo", headers=first)
    assert gw.http.get("/registry/v1/echo", headers=first).status_code == 429
    assert gw.http.get("/registry/v1/echo", headers=second).status_code == 200


def test_invalid_limit_is_422(gw: RunningGateway) -> None:
    response = gw.http.post(
        "/admin/v1/clients",
        json={"name": "x", "kind": "bank", "org": "B", "rate_limits": {"read": "lots"}},
        headers=gw.admin_headers,
    )
    assert response.status_code == 422 and response.json()["code"] == "validation_failed"


@pytest.fixture
def redis_url() -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                import redis

                redis.Redis(port=port).ping()
                break
            except Exception:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=5)


def test_redis_storage_is_shared_by_replicas(start_gateway: StartGateway, redis_url: str) -> None:
    first = start_gateway(rate_limit_storage=redis_url)
    # a minute's window, so the six requests fall in one window however slow the machine
    created = first.create_client("bank", rate_limits={"read": "4/minute"})
    # the second replica reads the same database and the same Redis
    second = start_gateway(
        rate_limit_storage=redis_url,
        database_url=first.settings.database_url,
        database_schema=first.settings.database_schema,
    )
    headers = {"X-API-Key": created["api_key"]["key"]}
    statuses = [
        replica.http.get("/registry/v1/echo", headers=headers).status_code
        for replica in (first, second) * 3
    ]
    assert statuses[:4] == [200] * 4 and statuses[4:] == [429, 429]
    metrics = httpx.get(f"{second.url}/metrics", headers=second.admin_headers).text
    assert "gateway_rate_limit_storage_up 1.0" in metrics


def test_route_classes_with_equal_windows_keep_their_own_counters(
    start_gateway: StartGateway,
) -> None:
    # Equal limits and windows per class, so only the class in the counter's key keeps a
    # client's writes and token requests (both moving windows) apart; reads count in fixed
    # windows, which the next test shares with the public class.
    gw = start_gateway(rate_limit_token="3/hour")
    created = gw.create_client(
        "admin",
        issue_client_secret=True,
        rate_limits={"read": "3/hour", "write": "3/hour"},
    )
    headers = {"X-API-Key": created["api_key"]["key"]}
    auth = (created["client"]["id"], created["client_secret"])
    grant = {"grant_type": "client_credentials"}
    tokens = [gw.http.post("/oauth/token", data=grant, auth=auth).status_code for _ in range(4)]
    assert tokens == [200, 200, 200, 429]
    writes = [
        gw.http.post("/registry/v1/echo", json={}, headers=headers).status_code for _ in range(4)
    ]
    assert writes == [200, 200, 200, 429]
    reads = [gw.http.get("/registry/v1/echo", headers=headers).status_code for _ in range(4)]
    assert reads == [200, 200, 200, 429]


def test_every_route_class_counts_apart_for_the_same_identity() -> None:
    from gateway.ratelimit.limiter import RateLimiter
    from gateway.settings import GatewaySettings

    settings = GatewaySettings(
        environment="test",
        rate_limit_read="2/day",
        rate_limit_write="2/day",
        rate_limit_public="2/day",
        rate_limit_token="2/day",
        rate_limit_auth_failures="2/day",
    )
    classes = ("read", "write", "public", "token", "auth_failure")

    async def exercise() -> None:
        limiter = RateLimiter(settings)
        for spent in classes:
            who = f"who-{spent}"
            for _ in range(2):
                assert (await limiter.hit(identity=who, klass=spent)).allowed
            assert not (await limiter.hit(identity=who, klass=spent)).allowed
            for other in classes:
                if other != spent:
                    fresh = await limiter.hit(identity=who, klass=other)
                    assert fresh.allowed, f"{other} counted the hits of {spent}"
                    assert fresh.state.startswith(f'"{other}";r=1;'.encode()), fresh.state

    asyncio.run(exercise())
