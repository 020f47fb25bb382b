"""Every service builds from the kernel: migrations to head, health, feed, metrics, OpenAPI."""

import importlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support import migrated_settings

SERVICES = {
    "registry": "RegistrySettings",
    "funding": "FundingSettings",
    "credit": "CreditSettings",
    "vouchers": "VouchersSettings",
}


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_service_boots_with_kernel_routes(
    service: str, database_target, jwks_json: str, auth_headers
) -> None:
    app_module = importlib.import_module(f"services.{service}.app")
    settings_cls = getattr(
        importlib.import_module(f"services.{service}.settings"), SERVICES[service]
    )
    migrations: Path = app_module.MIGRATIONS
    settings = migrated_settings(
        settings_cls, target=database_target, jwks_json=jwks_json, migrations=migrations
    )
    with TestClient(app_module.create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        feed = client.get(
            "/v1/events", headers=auth_headers(service, kind="service", scopes=["events:read"])
        )
        assert feed.status_code == 200 and "items" in feed.json()
        assert (
            client.get(
                "/v1/events", headers=auth_headers("elsewhere", scopes=["events:read"])
            ).status_code
            == 401
        )
        assert "http_requests_total" in client.get("/metrics").text
        spec = client.get("/openapi.json").json()
        operation_ids = [
            op["operationId"] for path in spec["paths"].values() for op in path.values()
        ]
        assert len(operation_ids) == len(set(operation_ids))
        assert {"healthz", "readyz", "list_events"} <= set(operation_ids)
