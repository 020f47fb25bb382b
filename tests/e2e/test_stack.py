"""The harness itself: five real processes behind one gateway, and a service killed and back."""

import httpx

from tests.e2e.stack import SERVICES, Stack
from tests.e2e.waiting import eventually

DEMO_USCC = "91140105MA0KDE119Q"


def test_the_merged_openapi_lists_every_service(e2e_stack: Stack) -> None:
    def merged() -> dict[str, object]:
        document = httpx.get(f"{e2e_stack.url}/openapi.json", timeout=10).json()
        prefixes = {path.split("/")[1] for path in document["paths"]}
        assert set(SERVICES) <= prefixes, prefixes
        return dict(document)

    document = eventually(merged, timeout=30)
    assert "/registry/v1/enterprises" in document["paths"]
    assert "/vouchers/v1/settlements/runs" in document["paths"]


def test_demo_keys_call_through_the_gateway(e2e_stack: Stack) -> None:
    def get(path: str, kind: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {e2e_stack.keys[kind]}"} if kind else {}
        return httpx.get(f"{e2e_stack.url}{path}", headers=headers, timeout=10)

    listed = get("/registry/v1/enterprises?limit=100", "department")
    assert listed.status_code == 200, listed.text
    assert DEMO_USCC in [item["uscc"] for item in listed.json()["items"]]  # `prepare` seeded it
    mine = get("/registry/v1/enterprises", "enterprise")
    assert [item["uscc"] for item in mine.json()["items"]] == [DEMO_USCC]
    refused = get("/registry/v1/enterprises", "bank")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden_client_kind"
    assert get("/registry/v1/enterprises").status_code == 401
    # the services themselves take only the gateway's internal tokens, never an API key
    direct = httpx.get(
        f"{e2e_stack.service_url('registry')}/v1/enterprises",
        headers={"Authorization": f"Bearer {e2e_stack.keys['admin']}"},
        timeout=10,
    )
    assert direct.status_code == 401, direct.text


def test_the_stack_keeps_its_files_in_its_own_var_directory(e2e_stack: Stack) -> None:
    here = e2e_stack.directory
    assert (here / "keys" / "internal-jwks.json").is_file()
    assert (here / "keys" / "gateway-signing.pem").is_file()
    assert sorted(p.name for p in (here / "service-clients").iterdir()) == [
        "credit.json",
        "funding.json",
        "vouchers.json",
    ]
    url, schema = e2e_stack.database("registry")
    assert (
        url == f"sqlite:///{here / 'registry.db'}"
        if schema is None
        else schema.endswith("_registry")
    )


def test_a_killed_service_comes_back_on_its_port_with_its_data(e2e_stack: Stack) -> None:
    headers = {"Authorization": f"Bearer {e2e_stack.keys['department']}"}
    demo = f"{e2e_stack.url}/registry/v1/enterprises/{DEMO_USCC}"
    assert httpx.get(demo, headers=headers, timeout=10).status_code == 200

    e2e_stack.kill("registry")
    down = httpx.get(demo, headers=headers, timeout=10)
    assert down.status_code == 503, down.text
    assert down.headers["content-type"].startswith("application/problem+json")
    e2e_stack.start("registry")

    def back() -> None:
        again = httpx.get(demo, headers=headers, timeout=10)
        assert again.status_code == 200, again.text  # the gateway's breaker may still be open

    eventually(back, timeout=15)
