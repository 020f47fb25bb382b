"""Readiness checks what the gateway itself needs; metrics are not public."""

from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy import create_engine

from tests.gateway.conftest import ADMIN_KEY, RunningGateway, StartGateway
from tests.servers import free_port


def test_readyz_stays_ready_with_dead_upstreams_and_storage(start_gateway: StartGateway) -> None:
    # funding and vouchers point at closed ports; so does the rate-limit storage
    gw = start_gateway(rate_limit_storage=f"redis://127.0.0.1:{free_port()}")
    ready = gw.http.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "migrations": "ok", "signing_key": "ok"}
    # upstream health is in the breaker state and the metrics instead
    headers = {"X-API-Key": gw.key_for("bank")}
    statuses = {
        gw.http.get("/funding/v1/budgets", headers=headers).status_code
        for _ in range(gw.settings.breaker_failure_threshold)
    }
    assert statuses <= {502, 503}, statuses
    metrics = gw.http.get("/metrics", headers=gw.admin_headers).text
    assert 'gateway_circuit_open{upstream="funding"} 1.0' in metrics


@pytest.mark.parametrize(
    ("lost", "detail"),
    [
        (("database",), "database: unreachable: OperationalError"),
        (("signing_key",), "signing_key: missing"),
        (
            ("database", "signing_key"),
            "database: unreachable: OperationalError; signing_key: missing",
        ),
    ],
)
def test_readyz_is_503_naming_what_the_gateway_itself_lacks(
    start_gateway: StartGateway,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    lost: tuple[str, ...],
    detail: str,
) -> None:
    gw = start_gateway()
    gateway = gw.gateway
    if "database" in lost:  # a file in a directory that does not exist
        gone = create_engine(f"sqlite:///{tmp_path / 'gone' / 'g.db'}")
        monkeypatch.setattr(gateway.database, "engine", gone)
    if "signing_key" in lost:
        monkeypatch.setattr(gateway, "keyring", SimpleNamespace(jwks=lambda: {"keys": []}))
    down = gw.http.get("/readyz")
    assert down.status_code == 503, down.text
    assert down.headers["content-type"].startswith("application/problem+json")
    assert (down.json()["code"], down.json()["detail"]) == ("not_ready", detail)
    assert gw.http.get("/healthz").status_code == 200  # alive, only not ready


def test_metrics_are_not_served_anonymously(gw: RunningGateway) -> None:
    anonymous = gw.http.get("/metrics")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "missing_credentials"
    bank = gw.http.get("/metrics", headers={"X-API-Key": gw.key_for("bank")})
    assert bank.status_code == 403 and bank.json()["code"] == "insufficient_scope"
    admin = gw.http.get("/metrics", headers=gw.admin_headers)
    assert admin.status_code == 200 and "gateway_requests_total" in admin.text


def test_admin_listener_serves_admin_api_and_metrics_apart(start_gateway: StartGateway) -> None:
    port = free_port()
    gw = start_gateway(admin_listen=f"127.0.0.1:{port}")
    admin = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
    with admin:
        # the public listener no longer serves them, whatever the credential
        assert gw.http.get("/admin/v1/clients", headers=gw.admin_headers).status_code == 404
        assert gw.http.get("/metrics", headers=gw.admin_headers).status_code == 404
        # the admin listener does: the API with an admin credential, metrics without one
        assert admin.get("/admin/v1/clients").status_code == 401
        created = admin.post(
            "/admin/v1/clients",
            json={"name": "bank", "kind": "bank", "org": "ORG1"},
            headers={"X-API-Key": ADMIN_KEY},
        )
        assert created.status_code == 201, created.text
        key = created.json()["api_key"]["key"]
        assert gw.http.get("/registry/v1/echo", headers={"X-API-Key": key}).status_code == 200
        metrics = admin.get("/metrics")
        assert metrics.status_code == 200 and "gateway_requests_total" in metrics.text
        assert admin.get("/readyz").status_code == 200
        # and nothing else: no proxied routes, no token endpoint
        assert admin.get("/registry/v1/echo", headers={"X-API-Key": key}).status_code == 404
        assert (
            admin.post("/oauth/token", data={"grant_type": "client_credentials"}).status_code == 404
        )
