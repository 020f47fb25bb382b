"""The enterprise, import and reference routes hold up to fuzzing: no 500s, documented answers."""

from fastapi.testclient import TestClient

from services.registry.app import create_app
from services.registry.settings import RegistrySettings
from tests.contract.fuzz import fuzz_app
from tests.registry.conftest import RegistryHeaders

MINE = ("/v1/enterprises", "/v1/imports", "/v1/districts", "/v1/industries")


def test_registry_routes_survive_fuzzing(
    registry_settings: RegistrySettings, registry_headers: RegistryHeaders
) -> None:
    app = create_app(registry_settings)
    headers = registry_headers(kind="admin")
    with TestClient(app):
        exercised = fuzz_app(
            app,
            headers=headers,
            max_examples=15,
            skip=lambda method, path: not path.startswith(MINE) or "/indicators" in path,
        )
    assert "POST /v1/enterprises" in exercised
    assert "PATCH /v1/enterprises/{uscc}" in exercised
    assert "POST /v1/imports" in exercised
