"""Limits at the edge: a hung Redis freezes nothing, throttles never lock out a valid partner."""

import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.gateway.conftest import RunningGateway, StartGateway
from tests.servers import free_port

GRANT = {"grant_type": "client_credentials"}


@pytest.fixture
def redis_server() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A redis-server of this test's own on a free port (it may pause it)."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        import redis

        deadline = time.monotonic() + 5
        while True:
            try:
                redis.Redis(port=port, socket_timeout=0.5).ping()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}", process
    finally:
        os.kill(process.pid, signal.SIGCONT)
        process.terminate()
        process.wait(timeout=5)


def _timed(call: "httpx.Client", method: str, url: str, **kwargs: object) -> tuple[int, float]:
    started = time.perf_counter()
    response = call.request(method, url, timeout=5, **kwargs)  # type: ignore[arg-type]
    return response.status_code, time.perf_counter() - started


def test_a_paused_redis_freezes_nothing(
    start_gateway: StartGateway, redis_server: tuple[str, subprocess.Popen[bytes]]
) -> None:
    url, process = redis_server
    gw = start_gateway(rate_limit_storage=url, rate_limit_auth_failures="3/hour")
    headers = {"X-API-Key": gw.key_for("bank")}
    writer = {"X-API-Key": gw.key_for("department")}
    assert gw.http.get("/registry/v1/echo", headers=headers).status_code == 200
    os.kill(process.pid, signal.SIGSTOP)
    try:
        answers = [_timed(gw.http, "GET", "/registry/v1/echo", headers=headers) for _ in range(5)]
        assert [status for status, _ in answers] == [200] * 5
        # a write (moving window, two storage calls) does not hang either
        answers.append(_timed(gw.http, "POST", "/registry/v1/enterprises", headers=writer, json={}))
        assert answers[-1][0] not in (429, 500, 503)
        assert max(seconds for _, seconds in answers) < 1.0, answers
        status, seconds = _timed(gw.http, "GET", "/readyz")
        assert status == 200 and seconds < 1.0
        # Failed-authentication throttling still works, counted in the process's memory.
        bogus = {"X-API-Key": f"{gw.settings.api_key_prefix}_bogus"}
        statuses = [gw.http.get("/registry/v1/echo", headers=bogus).status_code for _ in range(5)]
        assert statuses == [401, 401, 401, 429, 429]
        assert gw.http.get("/registry/v1/echo", headers=headers).status_code == 200
        metrics = gw.http.get("/metrics", headers=gw.admin_headers, timeout=5).text
        assert "gateway_rate_limit_storage_up 0.0" in metrics
    finally:
        os.kill(process.pid, signal.SIGCONT)


def test_bad_keys_from_an_address_never_lock_out_a_valid_key(gw: RunningGateway) -> None:
    key = gw.key_for("bank")  # never used yet: not in the gateway's cache
    prefix = gw.settings.api_key_prefix
    statuses = [
        gw.http.get("/registry/v1/echo", headers={"X-API-Key": f"{prefix}_bad{n:03d}"}).status_code
        for n in range(61)
    ]
    assert statuses[:60] == [401] * 60 and statuses[60] == 429
    assert gw.http.get("/registry/v1/echo", headers={"X-API-Key": key}).status_code == 200
    # the admin from the same address is not locked out either
    assert gw.http.get("/admin/v1/clients", headers=gw.admin_headers).status_code == 200


def test_bad_secrets_from_an_address_never_lock_out_a_valid_client(gw: RunningGateway) -> None:
    created = gw.create_client("bank", issue_client_secret=True)
    client = (created["client"]["id"], created["client_secret"])
    statuses = [
        gw.http.post("/oauth/token", data=GRANT, auth=(f"cli_{uuid.uuid4().hex}", "x")).status_code
        for _ in range(61)
    ]
    assert statuses[:60] == [401] * 60 and statuses[60] == 429
    assert gw.http.post("/oauth/token", data=GRANT, auth=client).status_code == 200


def test_admin_api_throttles_failed_authentications(start_gateway: StartGateway) -> None:
    gw = start_gateway(rate_limit_auth_failures="3/hour")
    bad = {"X-API-Key": "not-the-admin-key"}
    answers = [gw.http.get("/admin/v1/clients", headers=bad) for _ in range(5)]
    assert [answer.status_code for answer in answers] == [401, 401, 401, 429, 429]
    assert answers[-1].json()["code"] == "too_many_auth_failures"
    assert int(answers[-1].headers["retry-after"]) >= 1
    assert gw.http.get("/admin/v1/clients", headers=gw.admin_headers).status_code == 200


def test_admin_api_is_rate_limited(start_gateway: StartGateway) -> None:
    gw = start_gateway(rate_limit_read="3/minute")
    answers = [gw.http.get("/admin/v1/clients", headers=gw.admin_headers) for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    limited = answers[-1]
    assert limited.json()["code"] == "rate_limited"
    assert limited.headers["ratelimit-policy"] == '"read";q=3;w=60'
    assert int(limited.headers["retry-after"]) >= 1


def test_a_burst_across_a_window_boundary_cannot_exceed_the_write_limit(
    gw: RunningGateway,
) -> None:
    headers = {"X-API-Key": gw.key_for("department", rate_limits={"write": "5/2 second"})}
    path = "/registry/v1/enterprises"  # a write route of departments (the echo answers 404)
    # Start 0.3 s before a clock-aligned 2 s boundary, where a fixed window resets.
    time.sleep((1.7 - time.time() % 2.0) % 2.0)
    started = time.monotonic()
    statuses = [gw.http.post(path, headers=headers, json={}).status_code]
    statuses += [gw.http.post(path, headers=headers, json={}).status_code for _ in range(4)]
    time.sleep(max(0.0, 0.35 - (time.monotonic() - started)))  # across the boundary
    statuses += [gw.http.post(path, headers=headers, json={}).status_code for _ in range(5)]
    elapsed = time.monotonic() - started
    assert elapsed < 2.0, "the burst must fit in one window length to show anything"
    assert 429 not in statuses[:5], statuses
    assert statuses[5:] == [429] * 5, statuses
