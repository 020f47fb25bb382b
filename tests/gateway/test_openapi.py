"""One merged OpenAPI 3.1 document (clients generated from it: test_generated_client.py)."""

import time
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from tests.gateway.conftest import RunningGateway, StartGateway
from tests.gateway.upstream import echo_app
from tests.servers import serve


def _document(gw: RunningGateway, needs: str, timeout: float = 5) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        document = gw.http.get("/openapi.json").json()
        if needs in document["paths"] or time.monotonic() > deadline:
            return dict(document)
        time.sleep(0.05)


def test_merged_document_is_valid_openapi_31(gw: RunningGateway) -> None:
    document = _document(gw, "/credit/v1/whoami")
    validate(document)
    assert document["openapi"].startswith("3.1")
    paths = document["paths"]
    for path in (
        "/registry/v1/echo",
        "/credit/v1/whoami",
        "/admin/v1/clients",
        "/oauth/token",
        "/.well-known/jwks.json",
    ):
        assert path in paths, path
    assert "/registry/readyz" not in paths
    operation_ids = [
        op["operationId"]
        for item in paths.values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    ]
    assert len(operation_ids) == len(set(operation_ids))
    assert {
        "registry_echo",
        "credit_echo",
        "registry_whoami",
        "create_client",
        "create_token",
    } <= set(operation_ids)
    schemas = document["components"]["schemas"]
    assert "Echo" in schemas and "Problem" in schemas  # identical everywhere: kept once
    assert {"RegistryIdentity", "CreditIdentity"} <= set(schemas) and "Identity" not in schemas
    assert "consent_checked" in schemas["CreditIdentity"]["properties"]
    whoami = paths["/credit/v1/whoami"]["get"]
    assert (
        whoami["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        == "#/components/schemas/CreditIdentity"
    )
    schemes = document["components"]["securitySchemes"]
    assert set(schemes) == {"ApiKey", "BearerAuth", "OAuth2"}
    assert schemes["OAuth2"]["flows"]["clientCredentials"]["tokenUrl"].endswith("/oauth/token")
    assert paths["/registry/v1/echo"]["get"]["security"][2] == {"OAuth2": ["registry:read"]}
    assert paths["/registry/v1/public/ping"]["get"]["security"] == []
    assert paths["/admin/v1/clients"]["post"]["responses"]["403"]["content"][
        "application/problem+json"
    ]


def test_last_good_copy_when_a_service_is_down(
    start_gateway: StartGateway, jwks: dict[str, Any], tmp_path: Path
) -> None:
    cache = str(tmp_path / "openapi-cache")
    with serve(echo_app("vouchers", jwks)) as url:
        gw = start_gateway(vouchers_url=url, openapi_cache_dir=cache, openapi_refresh_seconds=0.1)
        assert "/vouchers/v1/echo" in _document(gw, "/vouchers/v1/echo")["paths"]
    deadline = time.monotonic() + 10  # refreshes (every 0.1 s) fail from now on
    while gw.gateway.specs.fetched_ok["vouchers"] is not False and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gw.gateway.specs.fetched_ok["vouchers"] is False
    assert "/vouchers/v1/echo" in gw.http.get("/openapi.json").json()["paths"]
    # a fresh gateway, the service still down, serves the copy it finds on disk
    restarted = start_gateway(vouchers_url=url, openapi_cache_dir=cache)
    assert "/vouchers/v1/echo" in restarted.http.get("/openapi.json").json()["paths"]


def test_a_service_that_comes_up_late_joins_the_document_soon(
    start_gateway: StartGateway, jwks: dict[str, Any]
) -> None:
    from tests.servers import free_port

    port = free_port()
    gw = start_gateway(vouchers_url=f"http://127.0.0.1:{port}", openapi_refresh_seconds=3600)
    assert "/vouchers/v1/echo" not in gw.http.get("/openapi.json").json()["paths"]
    with serve(echo_app("vouchers", jwks), port):
        # Retried with backoff while a service is missing, not after the hour-long period.
        assert "/vouchers/v1/echo" in _document(gw, "/vouchers/v1/echo", timeout=10)["paths"]


def test_a_spec_that_arrives_during_a_merge_is_not_lost(
    start_gateway: StartGateway, jwks: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request builds the merge in a worker thread while the refresher, in the event loop,
    takes in a new spec: the build it finishes is of the old specs and must not be kept."""
    import contextlib
    import threading

    from gateway.openapi import aggregator
    from tests.servers import free_port

    port = free_port()
    gw = start_gateway(vouchers_url=f"http://127.0.0.1:{port}", openapi_refresh_seconds=3600)
    building, release = threading.Event(), threading.Event()
    merge = aggregator.merge

    def slow_merge(*args: Any, **kwargs: Any) -> dict[str, Any]:
        building.set()
        assert release.wait(30)
        return merge(*args, **kwargs)

    monkeypatch.setattr(aggregator, "merge", slow_merge)
    first: list[dict[str, Any]] = []
    reader = threading.Thread(target=lambda: first.append(gw.http.get("/openapi.json").json()))
    reader.start()
    with contextlib.ExitStack() as stack:
        stack.callback(release.set)  # the held build is released whatever fails here
        assert building.wait(10)  # before the service is up
        stack.enter_context(serve(echo_app("vouchers", jwks), port))
        deadline = time.monotonic() + 10  # the refresher takes the spec in mid-build
        while "vouchers" not in gw.gateway.specs.specs and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "vouchers" in gw.gateway.specs.specs
        release.set()
        reader.join(10)
        assert not reader.is_alive()
        monkeypatch.setattr(aggregator, "merge", merge)
        assert "/vouchers/v1/echo" not in first[0]["paths"]  # built from the specs it began with
        assert "/vouchers/v1/echo" in gw.http.get("/openapi.json").json()["paths"]


def test_missing_specs_are_retried_doubling_up_to_a_cap() -> None:
    from gateway.openapi.aggregator import MAX_RETRY_SECONDS, retry_delays

    delays, retry = [], 0.5
    for _ in range(8):
        delay, retry = retry_delays(retry, 3600)
        delays.append(delay)
    assert delays == [0.5, 1.0, 2.0, 4.0, MAX_RETRY_SECONDS, MAX_RETRY_SECONDS, 5.0, 5.0]
    assert retry_delays(0.5, 0.2) == (0.2, 0.2)  # never longer than the refresh period
