"""One authorization dependency: 401/403 problems, and the requirements written into the OpenAPI."""

from typing import Annotated

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient

from services.common.app import create_service_app
from services.common.identity import ClientKind, Principal, authorize
from tests.common.kernel_app.app import MIGRATIONS, KernelSettings
from tests.common.test_errors import assert_problem
from tests.conftest import TokenHeaders

Reader = Annotated[Principal, Depends(authorize(scopes=["things:read"]))]
Staff = Annotated[Principal, Depends(authorize(kinds=[ClientKind.ADMIN, ClientKind.DEPARTMENT]))]
Both = Annotated[
    Principal,
    Depends(authorize(scopes=["things:write", "things:read"], kinds=[ClientKind.DEPARTMENT])),
]

router = APIRouter()


@router.get("/v1/things", name="list_things")
def list_things(client: Reader) -> dict[str, str]:
    return {"kind": client.kind}


@router.get("/v1/things/stats", name="thing_stats")
def thing_stats(_client: Reader, _staff: Staff) -> dict[str, str]:
    return {}


@router.post("/v1/things", name="create_thing")
def create_thing(_client: Both) -> dict[str, str]:
    return {}


PortalOrStaff = Annotated[
    Principal, Depends(authorize(kinds=[ClientKind.PORTAL, ClientKind.DEPARTMENT]))
]


@router.get("/v1/things/shared", name="shared_things")
def shared_things(_staff: Staff, _either: PortalOrStaff) -> dict[str, str]:
    return {"ok": "yes"}


@router.get("/v1/public/things", name="public_things")
def public_things() -> dict[str, str]:
    return {}


@pytest.fixture
def things(kernel_settings: KernelSettings) -> TestClient:
    app = create_service_app(
        settings=kernel_settings,
        title="authorize test app",
        description="authorize()",
        routers=[router],
        migrations=MIGRATIONS,
    )
    return TestClient(app, raise_server_exceptions=False)


def test_scopes_and_kinds_are_enforced(things: TestClient, auth_headers: TokenHeaders) -> None:
    assert_problem(things.get("/v1/things"), 401, "missing_token")
    bank = auth_headers("kernel", kind="bank", org="B1", scopes=["things:read"])
    assert things.get("/v1/things", headers=bank).json() == {"kind": "bank"}
    body = assert_problem(
        things.get("/v1/things", headers=auth_headers("kernel", kind="admin")),
        403,
        "insufficient_scope",
    )
    assert "things:read" in body["detail"]
    assert_problem(things.get("/v1/things/stats", headers=bank), 403, "forbidden_client_kind")
    department = auth_headers("kernel", kind="department", scopes=["things:read"])
    assert things.get("/v1/things/stats", headers=department).status_code == 200
    # every scope is needed, and the kind as well
    assert_problem(things.post("/v1/things", headers=department), 403, "insufficient_scope")
    writer = ["things:read", "things:write"]
    admin = auth_headers("kernel", kind="admin", scopes=writer)
    assert_problem(things.post("/v1/things", headers=admin), 403, "forbidden_client_kind")
    both = auth_headers("kernel", kind="department", scopes=writer)
    assert things.post("/v1/things", headers=both).status_code == 200


def test_a_token_naming_an_unknown_kind_is_refused(
    things: TestClient, auth_headers: TokenHeaders
) -> None:
    forged_kind = auth_headers("kernel", kind="superuser", scopes=["things:read"])
    body = assert_problem(things.get("/v1/things", headers=forged_kind), 401, "invalid_token")
    assert "superuser" in body["detail"]


def test_requirements_are_written_into_the_openapi(things: TestClient) -> None:
    paths = things.get("/openapi.json").json()["paths"]
    listed = paths["/v1/things"]["get"]
    assert listed["x-required-scopes"] == ["things:read"] and "x-client-kinds" not in listed
    stats = paths["/v1/things/stats"]["get"]
    assert stats["x-required-scopes"] == ["things:read"]
    assert stats["x-client-kinds"] == ["admin", "department"]
    created = paths["/v1/things"]["post"]
    assert created["x-required-scopes"] == ["things:read", "things:write"]
    assert created["x-client-kinds"] == ["department"]
    public = paths["/v1/public/things"]["get"]
    assert "x-required-scopes" not in public and "security" not in public
    assert paths["/v1/events"]["get"]["x-required-scopes"] == ["events:read"]


def test_authorize_needs_something_to_check() -> None:
    with pytest.raises(ValueError, match="needs scopes, kinds or both"):
        authorize()
    with pytest.raises(ValueError, match="'superuser' is not a valid ClientKind"):
        authorize(kinds=["superuser"])  # type: ignore[list-item]


def test_stacked_kind_requirements_document_their_intersection(
    things: TestClient, auth_headers: TokenHeaders
) -> None:
    shared = things.get("/openapi.json").json()["paths"]["/v1/things/shared"]["get"]
    assert shared["x-client-kinds"] == ["department"]  # admin|department ∩ portal|department
    assert (
        things.get(
            "/v1/things/shared", headers=auth_headers("kernel", kind="department")
        ).status_code
        == 200
    )
    for kind in ("admin", "portal"):
        refused = things.get("/v1/things/shared", headers=auth_headers("kernel", kind=kind))
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden_client_kind"


def test_an_authorization_names_its_scopes_and_kinds_when_shown() -> None:
    both = authorize(scopes=["a:read", "a:read", "b:write"], kinds=["bank", "admin"])
    kinds = [ClientKind.ADMIN, ClientKind.BANK]
    assert repr(both) == f"authorize(scopes=['a:read', 'b:write'], kinds={kinds})"
    assert repr(authorize(scopes=["a:read"])) == "authorize(scopes=['a:read'], kinds=None)"
