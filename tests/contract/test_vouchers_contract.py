# ruff: noqa: F811
"""Every vouchers route holds up to fuzzing as each kind of caller, with an enterprise, an open
programme, an approved provider and a voucher in the database: no 500s, every answer documented
(status, content type, headers, schema); the state machine follows the document's links."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.contract.fuzz import app_schema, callers, follow_links, fuzz_app, timeout
from tests.vouchers.conftest import (  # noqa: F401 - fixtures
    DEFAULT_ORGS,
    SeedEnterprise,
    VouchersHeaders,
    seed_enterprise,
    vouchers_app,
    vouchers_client,
    vouchers_headers,
    vouchers_settings,
)
from tests.vouchers.seeding import add_programme, add_provider, issue

ENTERPRISE = DEFAULT_ORGS["enterprise"]
# (kind, org, examples per operation); kind None: no credentials at all. The suite fuzzes as
# four of them (the CI budget); `make fuzz` as every one.
CALLERS = {
    "admin": ("admin", None, 5),
    "department": ("department", "tax_bureau", 2),
    "enterprise": ("enterprise", ENTERPRISE, 3),
    "portal": ("portal", ENTERPRISE, 1),
    "provider": ("provider", "prv_demo", 3),
    "bank": ("bank", "JSB", 1),
    "public": (None, None, 1),
}

pytestmark = timeout()


@pytest.fixture
def stocked(
    vouchers_app: FastAPI, vouchers_client: TestClient, seed_enterprise: SeedEnterprise
) -> FastAPI:
    """The vouchers app with an enterprise holding a voucher of an open programme, and a provider."""
    seed_enterprise(ENTERPRISE)
    database = vouchers_app.state.database
    programme = add_programme(database)
    add_provider(database, id="prv_demo")
    with database.transaction() as session:
        issue(session, programme, ENTERPRISE)
    return vouchers_app


@pytest.mark.parametrize(
    "caller", callers(CALLERS, in_ci=("admin", "enterprise", "provider", "public"))
)
def test_every_vouchers_route_survives_fuzzing(
    caller: str, stocked: FastAPI, vouchers_headers: VouchersHeaders
) -> None:
    kind, org, count = CALLERS[caller]
    headers = {} if kind is None else vouchers_headers(kind=kind, org=org)
    exercised = fuzz_app(stocked, headers=headers, max_examples=count)
    assert set(exercised) == {
        f"{method.upper()} {path}"
        for path, item in stocked.openapi()["paths"].items()
        for method in item
    }


def test_the_vouchers_links_hold_in_the_state_machine(
    stocked: FastAPI, vouchers_headers: VouchersHeaders
) -> None:
    follow_links(app_schema(stocked), headers=vouchers_headers(kind="admin"))
