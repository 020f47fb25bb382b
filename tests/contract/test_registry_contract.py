# ruff: noqa: F811
"""Every registry route holds up to fuzzing as each kind of caller: no 500s, every answer
documented (status, content type, headers, schema); the state machine follows the links."""

import pytest
from fastapi.testclient import TestClient

from services.registry.app import create_app
from services.registry.settings import RegistrySettings
from tests.contract.fuzz import app_schema, follow_links, fuzz_app, timeout
from tests.registry.conftest import (  # noqa: F401 - fixtures
    RegistryHeaders,
    registry_headers,
    registry_settings,
)

ENTERPRISE = "91140105MA0KDE119Q"
# (kind, org, examples per operation); kind None: no credentials at all.
CALLERS = {
    "admin": ("admin", None, 8),
    "department": ("department", "sme_bureau", 5),
    "enterprise": ("enterprise", ENTERPRISE, 5),
    "portal": ("portal", ENTERPRISE, 2),
    "bank": ("bank", "JSB", 2),
    "public": (None, None, 2),
}

pytestmark = timeout()


@pytest.mark.parametrize("caller", sorted(CALLERS))
def test_every_registry_route_survives_fuzzing(
    caller: str, registry_settings: RegistrySettings, registry_headers: RegistryHeaders
) -> None:
    kind, org, count = CALLERS[caller]
    app = create_app(registry_settings)
    with TestClient(app):
        headers = {} if kind is None else registry_headers(kind=kind, org=org)
        exercised = fuzz_app(app, headers=headers, max_examples=count)
    spec_operations = {
        f"{method.upper()} {path}"
        for path, item in app.openapi()["paths"].items()
        for method in item
    }
    assert set(exercised) == spec_operations


def test_the_registry_links_hold_in_the_state_machine(
    registry_settings: RegistrySettings, registry_headers: RegistryHeaders
) -> None:
    app = create_app(registry_settings)
    with TestClient(app):
        follow_links(app_schema(app), headers=registry_headers(kind="department"))
    links = app.openapi()["paths"]["/v1/enterprises"]["post"]["responses"]["201"]["links"]
    assert links["get_enterprise"]["parameters"] == {"uscc": "$response.body#/uscc"}
