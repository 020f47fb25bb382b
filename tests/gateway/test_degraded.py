"""The gateway degrades gracefully: a rate-limit storage outage, a flood of junk keys."""

import asyncio
import contextlib
from typing import Any

import pytest

from gateway.auth import authenticator as auth_module
from tests.gateway.conftest import TRANSPORTS, RunningGateway, StartGateway
from tests.servers import free_port


@pytest.mark.parametrize("upstream_transport", TRANSPORTS)
def test_rate_limit_storage_down_fails_over_and_metrics_say_so(start_gateway: StartGateway) -> None:
    gw = start_gateway(rate_limit_storage=f"redis://127.0.0.1:{free_port()}")
    headers = {"X-API-Key": gw.key_for("bank")}
    # Every proxied call still answers: limits count in the process while the storage is down.
    assert [gw.http.get("/registry/v1/echo", headers=headers).status_code for _ in range(3)] == [
        200,
        200,
        200,
    ]
    # The gateway stays in rotation; the outage shows in its metrics.
    assert gw.http.get("/readyz").status_code == 200
    metrics = gw.http.get("/metrics", headers=gw.admin_headers).text
    assert "gateway_rate_limit_storage_up 0.0" in metrics


def test_junk_keys_do_not_evict_valid_ones(start_gateway: StartGateway, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # The valid key's entry must outlive 500 lookups on a loaded machine: only eviction may end it.
    gw = start_gateway(key_cache_ttl_seconds=60)
    monkeypatch.setattr(auth_module, "_MAX_UNKNOWN", 50)
    key = gw.key_for("bank")
    authenticator = gw.gateway.authenticator
    lookups = 0
    real = authenticator._db

    async def counting(function, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal lookups
        lookups += 1
        return await real(function, **kwargs)

    monkeypatch.setattr(authenticator, "_db", counting)

    async def scenario() -> None:
        await authenticator.authenticate(key)
        for n in range(500):
            with contextlib.suppress(auth_module.AuthError):
                await authenticator.authenticate(f"tsk_junk{n:040d}")
        before = lookups
        await authenticator.authenticate(key)  # still cached: no database lookup
        assert lookups == before

    asyncio.run(scenario())
    assert len(authenticator._unknown) <= 50


def test_lookup_racing_an_invalidation_is_not_cached(gw: RunningGateway, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    key = gw.key_for("bank")
    authenticator = gw.gateway.authenticator
    real = authenticator._db

    async def invalidated_meanwhile(function, **kwargs):  # type: ignore[no-untyped-def]
        result = await real(function, **kwargs)
        authenticator.invalidate()  # a revocation lands while the lookup is in flight
        return result

    monkeypatch.setattr(authenticator, "_db", invalidated_meanwhile)
    asyncio.run(authenticator.authenticate(key))
    assert authenticator._keys == {}


def test_a_client_lookup_racing_an_invalidation_is_not_cached(
    gw: RunningGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    client_id = gw.create_client("bank")["client"]["id"]
    authenticator = gw.gateway.authenticator
    real = authenticator._db

    async def invalidated_meanwhile(function: Any, **kwargs: Any) -> Any:
        result = await real(function, **kwargs)
        authenticator.invalidate()  # the client is changed while its lookup is in flight
        return result

    monkeypatch.setattr(authenticator, "_db", invalidated_meanwhile)
    found = asyncio.run(authenticator.client(client_id))
    assert found is not None and found.client_id == client_id
    assert client_id not in authenticator._clients


def test_an_internal_proxy_error_is_a_500_problem_and_the_next_call_passes(
    gw: RunningGateway,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    headers = {"X-API-Key": gw.key_for("bank")}
    tokens = gw.gateway.proxy.tokens
    real = tokens.authorization
    failures = [RuntimeError("signing failed: secret=hunter2")]

    def once(*args, **kwargs):  # type: ignore[no-untyped-def]
        if failures:
            raise failures.pop()
        return real(*args, **kwargs)

    monkeypatch.setattr(tokens, "authorization", once)
    caplog.set_level("ERROR")
    upstream = gw.gateway.upstreams["registry"]
    failed = gw.http.get("/registry/v1/echo", headers={**headers, "X-Request-ID": "req_boom_1"})
    assert failed.status_code == 500
    assert failed.headers["content-type"].startswith("application/problem+json")
    problem = failed.json()
    assert problem["code"] == "internal_error" and problem["status"] == 500
    assert problem["request_id"] == failed.headers["x-request-id"] == "req_boom_1"
    assert problem["instance"] == "/registry/v1/echo"
    assert "hunter2" not in failed.text
    assert any("proxy failure" in r.getMessage() for r in caplog.records)
    # The failure is the gateway's, not the upstream's: its breaker stays closed and the next
    # call goes through.
    assert upstream.breaker.admit() == 0
    after = gw.http.get("/registry/v1/echo", headers=headers)
    assert after.status_code == 200 and after.json()["path"] == "/v1/echo"
    metrics = gw.http.get("/metrics", headers=gw.admin_headers).text
    assert 'client_kind="bank",route="registry.other",status="500"' in metrics
