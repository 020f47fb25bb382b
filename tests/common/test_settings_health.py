"""Settings refuse insecure production; health, readiness and metrics answer."""

import pytest
from fastapi.testclient import TestClient

from services.common.db import Database
from services.common.settings import InsecureConfiguration
from services.registry.settings import RegistrySettings
from tests.common.kernel_app.app import KernelSettings, create_app
from tests.common.test_errors import assert_problem


def test_env_prefix_per_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRY_DATABASE_URL", "sqlite:///elsewhere.db")
    monkeypatch.setenv("FUNDING_DATABASE_URL", "sqlite:///not-mine.db")
    settings = RegistrySettings()
    assert settings.service_name == "registry"
    assert settings.resolved_database_url == "sqlite:///elsewhere.db"


def test_production_refuses_default_secrets_and_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRY_ENVIRONMENT", "production")
    with pytest.raises(InsecureConfiguration) as refused:
        RegistrySettings()
    message = str(refused.value)
    assert "id_number_key" in message and "internal_jwks" in message and "SQLite" in message


def test_production_starts_when_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRY_ENVIRONMENT", "production")
    monkeypatch.setenv("REGISTRY_DATABASE_URL", "postgresql://db.internal/registry")
    monkeypatch.setenv("REGISTRY_INTERNAL_JWKS", '{"keys": []}')
    monkeypatch.setenv("REGISTRY_ID_NUMBER_KEY", "a-real-secret-from-the-vault")
    settings = RegistrySettings()
    assert settings.resolved_schema == "registry"


def test_healthz_and_readyz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "checks": {}}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "migrations": "ok"}


def test_readyz_is_503_before_migrations(new_database_target, jwks_json: str) -> None:
    target = new_database_target()
    settings = KernelSettings(
        environment="test",
        database_url=target.url,
        database_schema=target.schema,
        internal_jwks=jwks_json,
    )
    if settings.resolved_schema:  # PostgreSQL: the schema must exist for the probe to connect
        database = Database(settings.resolved_database_url)
        with database.engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{settings.resolved_schema}"')
            connection.commit()
        database.dispose()
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        body = assert_problem(client.get("/readyz"), 503, "not_ready")
        assert "migrations" in body["detail"]


def test_metrics_count_requests(client: TestClient, reader: dict) -> None:
    client.get("/v1/widgets", headers=reader)
    text = client.get("/metrics").text
    assert (
        'http_requests_total{method="GET",route="/v1/widgets",service="kernel",status="200"}'
        in text
    )
    assert "http_request_duration_seconds_bucket" in text
