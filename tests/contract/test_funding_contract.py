# ruff: noqa: F811
"""Every funding route holds up to fuzzing as each kind of caller, over the demo's data (the
2015 budget, bases with KPIs and acceptance): no 500s, every answer documented (status, content
type, schema). Few examples per operation and kind keep it fast; the bases and disbursement
routes are fuzzed harder in their own contract tests (tests/funding/test_*_contract.py, beside
their set-up helpers); the state machine follows the document's links."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.funding.demo import load as load_demo
from tests.contract.fuzz import app_schema, callers, follow_links, fuzz_app, timeout
from tests.funding.conftest import (  # noqa: F401 - fixtures
    FundingHeaders,
    funding_app,
    funding_client,
    funding_headers,
    funding_settings,
)

# (kind, org, examples per operation); None: no credentials at all. A portal and a provider
# only under `make fuzz` (the CI budget).
CALLERS = {
    "office": ("admin", None, 8),
    "district": ("department", "xiaodian", 4),
    "department": ("department", "sme_bureau", 4),
    "bank": ("bank", "JSB", 3),
    "enterprise": ("enterprise", "911401050000003183", 3),
    "anonymous": (None, None, 3),
    "portal": ("portal", "911401050000003183", 2),
    "provider": ("provider", "prv_demo", 2),
}

pytestmark = timeout()


@pytest.mark.parametrize(
    "caller", callers(CALLERS, in_ci=tuple(set(CALLERS) - {"portal", "provider"}))
)
def test_every_funding_route_survives_fuzzing(
    caller: str, funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    load_demo(funding_app.state.database)
    kind, org, examples = CALLERS[caller]
    headers = {} if kind is None else funding_headers(kind=kind, org=org)
    exercised = fuzz_app(funding_app, headers=headers, max_examples=examples)
    assert set(exercised) == {
        f"{method.upper()} {path}"
        for path, item in funding_app.openapi()["paths"].items()
        for method in item
    }


def test_the_funding_links_hold_in_the_state_machine(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    load_demo(funding_app.state.database)
    follow_links(app_schema(funding_app), headers=funding_headers(kind="admin"))
