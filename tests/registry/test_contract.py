"""Every registry route holds up to fuzzing as an admin and as an enterprise: no 500s, every
answer documented (status, content type, schema)."""

import pytest
from fastapi.testclient import TestClient

from services.registry.app import create_app
from services.registry.settings import RegistrySettings
from tests.contract.fuzz import fuzz_app
from tests.registry.conftest import RegistryHeaders


@pytest.mark.parametrize("kind", ["admin", "enterprise"])
def test_every_registry_route_survives_fuzzing(
    kind: str, registry_settings: RegistrySettings, registry_headers: RegistryHeaders
) -> None:
    app = create_app(registry_settings)
    with TestClient(app):
        org = "91140105MA0KDE119Q" if kind == "enterprise" else None
        exercised = fuzz_app(app, headers=registry_headers(kind=kind, org=org), max_examples=20)
    spec_operations = {
        f"{method.upper()} {path}"
        for path, item in app.openapi()["paths"].items()
        for method in item
    }
    assert set(exercised) == spec_operations
