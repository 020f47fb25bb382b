"""The bridge-fund routes hold up to fuzzing as an admin, an enterprise and a bank: no 500s,
every answer documented (status, content type, schema)."""

import pytest
from fastapi.testclient import TestClient

from services.funding.app import create_app
from services.funding.settings import FundingSettings
from tests.contract.fuzz import fuzz_app
from tests.funding.conftest import FundingHeaders

MINE = ("/v1/bridge-fund", "/v1/bridge-loans")


@pytest.mark.parametrize("kind", ["admin", "enterprise", "bank"])
def test_the_bridge_routes_survive_fuzzing(
    kind: str, funding_settings: FundingSettings, funding_headers: FundingHeaders
) -> None:
    app = create_app(funding_settings)
    with TestClient(app):
        org = {"enterprise": "91140105MA0KDE119Q", "bank": "JSB"}.get(kind)
        exercised = fuzz_app(
            app,
            headers=funding_headers(kind=kind, org=org),
            max_examples=15,
            skip=lambda _method, path: not path.startswith(MINE),
        )
    assert set(exercised) == {
        f"{method.upper()} {path}"
        for path, item in app.openapi()["paths"].items()
        if path.startswith(MINE)
        for method in item
    }
