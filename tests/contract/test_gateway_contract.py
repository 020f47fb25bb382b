# ruff: noqa: F811
"""The gateway's own routes (clients admin API, OAuth token endpoint) hold up to fuzzing; and
its merged document, fuzzed through the gateway in front of the four real services with the API
keys of every kind of client (and none): no 500s, every answer documented (status, content type,
headers, schema); the state machine follows the merged document's links."""

import uuid

import httpx
import pytest

from tests.contract.fuzz import (
    callers,
    follow_declared_links,
    follow_links,
    fuzz,
    fuzz_url,
    timeout,
    url_schema,
)
from tests.funding.test_fee_subsidies import ITEM
from tests.gateway.conftest import (  # noqa: F401 - fixtures
    RunningGateway,
    credit_upstream,
    gateway_database,
    gw,
    jwks,
    registry_upstream,
    shared_stack,
    start_gateway,
    upstream_transport,
)
from tests.registry.factories import filing
from tests.vouchers.test_programmes import TERMS

ENTERPRISE = "91140105MA0KDE119Q"
# One example per operation of the merged document (about 200 operations) and kind: each
# service's own module fuzzes it harder; `make fuzz` (CONTRACT_EXAMPLES) raises the count.
# The suite fuzzes as four kinds (the CI budget), `make fuzz` as every one.
KINDS = ("admin", "department", "bank", "provider", "enterprise", "portal", "public")

pytestmark = timeout()


def _headers(stack: RunningGateway, kind: str) -> dict[str, str]:
    if kind == "public":
        return {}
    if kind == "portal":
        return stack.portal(ENTERPRISE)
    body = {"org": "sme_bureau"} if kind == "department" else {}
    return {"X-API-Key": stack.key_for(kind, **body)}


def test_gateway_own_routes_survive_fuzzing(gw: RunningGateway) -> None:
    exercised = fuzz_url(
        gw.url,
        headers=gw.admin_headers,
        max_examples=25,
        skip=lambda method, path: not path.startswith(("/admin/", "/oauth/")),
    )
    assert "POST /admin/v1/clients" in exercised
    assert "POST /oauth/token" in exercised


@pytest.mark.parametrize("kind", callers(KINDS, in_ci=("admin", "bank", "portal", "public")))
def test_the_merged_document_survives_fuzzing_as_each_kind(
    kind: str, shared_stack: RunningGateway
) -> None:
    schema = url_schema(shared_stack.url)
    # The admin API's and the token endpoint's own test above; here the services behind it.
    exercised = fuzz(
        schema,
        headers=_headers(shared_stack, kind),
        max_examples=1,
        skip=lambda method, path: path.startswith(("/admin/", "/oauth/")),
    )
    services = {path.split("/")[1] for operation in exercised for path in [operation.split()[1]]}
    assert {"registry", "credit", "vouchers", "funding"} <= services


def test_the_merged_links_point_at_merged_operations(shared_stack: RunningGateway) -> None:
    document = shared_stack.http.get("/openapi.json").json()
    operations = {
        operation["operationId"]
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    targets = {
        link["operationId"]
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        for answer in operation.get("responses", {}).values()
        for link in answer.get("links", {}).values()
    }
    assert {"registry_get_enterprise", "credit_get_consent", "vouchers_get_voucher_programme",
            "funding_get_base"} <= targets  # fmt: skip
    assert targets <= operations
    follow_links(url_schema(shared_stack.url), headers=_headers(shared_stack, "admin"))


def test_the_merged_links_lead_from_a_real_create_to_its_reads(
    shared_stack: RunningGateway,
) -> None:
    """The state machine's random creates seldom succeed; here real creates through the gateway
    (an enterprise filed, a voucher programme made, a fee listed) and every link their 201 declares followed
    with the parameters it names: each read answers 200, documented."""
    schema = url_schema(shared_stack.url)
    admin = {"X-API-Key": shared_stack.key_for("admin")}

    def created(path: str, body: dict[str, object]) -> httpx.Response:
        answer = shared_stack.http.post(
            path, json=body, headers={**admin, "Idempotency-Key": uuid.uuid4().hex}
        )
        assert answer.status_code == 201, answer.text
        return answer

    filed = created("/registry/v1/enterprises", filing(987_001))
    assert follow_declared_links(
        schema, operation_id="registry_file_enterprise", status=201, answer=filed, headers=admin
    ) == {
        "registry_get_enterprise": 200,
        "registry_get_enterprise_history": 200,
        "registry_get_enterprise_indicators": 200,
    }
    made = created("/vouchers/v1/programmes", {**TERMS, "name": "链接测试创新券"})
    assert follow_declared_links(
        schema,
        operation_id="vouchers_create_voucher_programme",
        status=201,
        answer=made,
        headers=admin,
    ) == {"vouchers_get_voucher_programme": 200}
    listed = created("/funding/v1/fee-list", {**ITEM, "code": "link-test-inspection"})
    assert follow_declared_links(
        schema, operation_id="funding_list_fee_item", status=201, answer=listed, headers=admin
    ) == {"funding_get_fee_item": 200}
