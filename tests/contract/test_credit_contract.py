# ruff: noqa: F811
"""Every credit route holds up to fuzzing as each kind of caller, over the demo's data (an
enterprise, its consent to a bank, tax records): no 500s, every answer documented (status,
content type, headers, schema); the state machine follows the document's links."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.credit.demo import DEMO_ENTERPRISE_USCC
from services.credit.demo import load as load_demo
from tests.contract.fuzz import app_schema, callers, follow_links, fuzz_app, timeout
from tests.credit.conftest import (  # noqa: F401 - fixtures
    CreditHeaders,
    SeedEnterprise,
    credit_app,
    credit_client,
    credit_headers,
    credit_settings,
    seed_enterprise,
)

# (kind, org, examples per operation); kind None: no credentials at all. The suite fuzzes as
# four of them (the CI budget); `make fuzz` as every one.
CALLERS = {
    "admin": ("admin", None, 4),
    "department": ("department", "tax_bureau", 3),
    "bank": ("bank", "JSB", 2),
    "enterprise": ("enterprise", DEMO_ENTERPRISE_USCC, 2),
    "portal": ("portal", DEMO_ENTERPRISE_USCC, 1),
    "provider": ("provider", "prv_demo", 1),
    "public": (None, None, 1),
}

pytestmark = timeout()


@pytest.fixture
def demo(
    credit_app: FastAPI, credit_client: TestClient, seed_enterprise: SeedEnterprise
) -> FastAPI:
    """The credit app with the demo enterprise, its consent and its records."""
    seed_enterprise(DEMO_ENTERPRISE_USCC)
    assert load_demo(credit_app.state.database)
    return credit_app


@pytest.mark.parametrize(
    "caller", callers(CALLERS, in_ci=("admin", "bank", "enterprise", "public"))
)
def test_every_credit_route_survives_fuzzing(
    caller: str, demo: FastAPI, credit_headers: CreditHeaders
) -> None:
    kind, org, count = CALLERS[caller]
    headers = {} if kind is None else credit_headers(kind=kind, org=org)
    exercised = fuzz_app(demo, headers=headers, max_examples=count)
    assert set(exercised) == {
        f"{method.upper()} {path}"
        for path, item in demo.openapi()["paths"].items()
        for method in item
    }


def test_the_credit_links_hold_in_the_state_machine(
    demo: FastAPI, credit_headers: CreditHeaders
) -> None:
    schema = app_schema(demo)
    links = {
        link["operationId"]
        for item in demo.openapi()["paths"].values()
        for operation in item.values()
        for answer in operation["responses"].values()
        for link in answer.get("links", {}).values()
    }
    assert {"get_consent", "get_credit_objection", "get_rule_set"} <= links
    follow_links(schema, headers=credit_headers(kind="admin"))
