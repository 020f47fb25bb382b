"""The harness itself: five real processes behind one gateway, prepared like `make run` in
their own var directory, and a service killed and started again.

One test: under `pytest -n 2` a module's tests may land on both workers, each starting a stack.
"""

import httpx
import pytest

from tests.e2e.stack import SERVICES, Stack
from tests.e2e.waiting import eventually

DEMO_USCC = "91140105MA0KDE119Q"  # filed by `prepare`'s registry demo data


@pytest.mark.timeout(300)  # the module's stack starts within the test's time
def test_a_stack_serves_every_service_and_a_killed_one_comes_back(e2e_stack: Stack) -> None:
    stack = e2e_stack

    def get(path: str, kind: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {stack.keys[kind]}"} if kind else {}
        return httpx.get(f"{stack.url}{path}", headers=headers, timeout=10)

    # The merged OpenAPI lists the four services (the gateway fetches their documents).
    def merged() -> set[str]:
        prefixes = {path.split("/")[1] for path in get("/openapi.json").json()["paths"]}
        assert set(SERVICES) <= prefixes, prefixes
        return prefixes

    eventually(merged)

    # The demo keys work through the gateway; the services take only its internal tokens.
    listed = get("/registry/v1/enterprises?limit=100", "department")
    assert listed.status_code == 200, listed.text
    assert DEMO_USCC in [item["uscc"] for item in listed.json()["items"]]
    mine = get("/registry/v1/enterprises", "enterprise")
    assert [item["uscc"] for item in mine.json()["items"]] == [DEMO_USCC]
    refused = get("/registry/v1/enterprises", "bank")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden_client_kind"
    assert get("/registry/v1/enterprises").status_code == 401
    direct = httpx.get(
        f"{stack.service_url('registry')}/v1/enterprises",
        headers={"Authorization": f"Bearer {stack.keys['admin']}"},
        timeout=10,
    )
    assert direct.status_code == 401 and direct.json()["code"] == "invalid_token", direct.text

    # Everything `prepare` wrote is in the stack's own directory (TSME_VAR_DIR).
    here = stack.directory
    assert (here / "keys" / "internal-jwks.json").is_file()
    assert (here / "keys" / "gateway-signing.pem").is_file()
    clients = sorted(path.name for path in (here / "service-clients").iterdir())
    assert clients == ["credit.json", "funding.json", "vouchers.json"]
    url, schema = stack.database("registry")
    if schema is None:
        assert url == f"sqlite:///{here / 'registry.db'}"
    else:
        assert schema.endswith("_registry")

    # Killed, the registry answers 503 problems through the gateway; started again, on the same
    # port and database, it answers with its data.
    demo = f"/registry/v1/enterprises/{DEMO_USCC}"
    stack.kill("registry")
    down = get(demo, "department")
    assert down.status_code == 503, down.text
    assert down.headers["content-type"].startswith("application/problem+json")
    stack.start("registry")

    def back() -> None:  # the gateway's breaker may be open a moment longer
        again = get(demo, "department")
        assert again.status_code == 200, again.text

    eventually(back)
