"""The gateway's route → scope table agrees with what every service's operations require.

Each service writes its requirements into its OpenAPI (`x-required-scopes`, `x-client-kinds`);
this test walks every `/v1/` operation of every service that exists, so a new route of credit,
vouchers or funding is checked the day it appears.
"""

import importlib
import re
from pathlib import Path
from typing import Any

import pytest

from gateway.auth.scopes import DEFAULT_SCOPES, PUBLIC, SCOPES, rule_for
from gateway.settings import SERVICES
from services.common.identity import ClientKind
from services.manage import COMPONENTS
from tests.gateway.conftest import RunningGateway

_METHODS = ("get", "put", "post", "delete", "patch")
_PARAM = re.compile(r"\{[^}]+\}")


def service_document(name: str, jwks_json: str, tmp_path: Path) -> dict[str, Any]:
    """The OpenAPI document service `name` serves."""
    component = next(c for c in COMPONENTS if c.name == name)
    module, cls = component.settings.rsplit(":", 1)
    settings = getattr(importlib.import_module(module), cls)(
        environment="test",
        database_url=f"sqlite:///{tmp_path / (name + '.db')}",
        internal_jwks=jwks_json,
        log_json=False,
    )
    app = importlib.import_module(f"services.{name}.app").create_app(settings)
    document: dict[str, Any] = app.openapi()
    return document


def disagreements(service: str, document: dict[str, Any]) -> list[str]:
    """Every operation whose requirement the gateway's table does not match."""
    found = []
    for path, item in document["paths"].items():
        if not path.startswith("/v1/"):
            continue  # the gateway forwards only /{service}/v1/…
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            where = f"{service} {method.upper()} {path}"
            rule = rule_for(service, _PARAM.sub("p1", path))
            edge = rule.scope_for(method.upper()) if rule is not None else None
            scopes = operation.get("x-required-scopes")
            kinds = operation.get("x-client-kinds")
            if not operation.get("security"):
                if edge != PUBLIC:
                    found.append(f"{where}: public in the service, gateway asks {edge!r}")
                continue
            if not scopes:
                found.append(f"{where}: authenticated but requires no scope (use authorize)")
                continue
            if [edge] != scopes:
                found.append(f"{where}: service requires {scopes}, gateway asks {edge!r}")
            unknown = [scope for scope in scopes if scope not in SCOPES]
            if unknown:
                found.append(f"{where}: scopes not in the gateway's catalogue: {unknown}")
            admitted = [ClientKind(kind) for kind in kinds] if kinds else list(ClientKind)
            if not any(set(scopes) <= set(DEFAULT_SCOPES[kind]) for kind in admitted):
                found.append(f"{where}: no admitted kind ({kinds}) may hold {scopes}")
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_gateway_table_matches_the_service(service: str, jwks_json: str, tmp_path: Path) -> None:
    try:
        importlib.import_module(f"services.{service}.app")
    except ModuleNotFoundError:
        pytest.skip(f"the {service} service does not exist yet")
    document = service_document(service, jwks_json, tmp_path)
    assert document["paths"]["/v1/events"]["get"]["x-required-scopes"] == ["events:read"]
    assert disagreements(service, document) == []


def test_a_disagreement_is_reported(jwks_json: str, tmp_path: Path) -> None:
    document = service_document("registry", jwks_json, tmp_path)
    paths = document["paths"]
    paths["/v1/enterprises"]["post"]["x-required-scopes"] = ["registry:admin"]
    paths["/v1/districts"]["get"]["security"] = [{"InternalToken": []}]
    paths["/v1/districts"]["get"]["x-required-scopes"] = ["registry:read"]
    del paths["/v1/enterprises/{uscc}"]["get"]["security"]
    paths["/v1/imports"]["post"]["x-client-kinds"] = ["bank"]
    assert sorted(disagreements("registry", document)) == [
        "registry GET /v1/districts: service requires ['registry:read'], gateway asks ''",
        "registry GET /v1/enterprises/{uscc}: public in the service, gateway asks 'registry:read'",
        "registry POST /v1/enterprises: service requires ['registry:admin'], gateway asks "
        "'registry:write'",
        "registry POST /v1/imports: no admitted kind (['bank']) may hold ['registry:report']",
    ]


def test_the_gateways_own_operations_show_their_scope(gw: RunningGateway) -> None:
    document = gw.http.get("/openapi.json").json()
    admin = [
        operation
        for path, item in document["paths"].items()
        if path.startswith("/admin/")
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]
    assert len(admin) >= 10
    assert all(operation.get("x-required-scopes") == ["admin"] for operation in admin)
    token = document["paths"]["/oauth/token"]["post"]
    assert "x-required-scopes" not in token
