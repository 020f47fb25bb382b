"""OpenAPI polish every service shares: problem+json on every error, no stray validation models,
and each operation's required scopes and client kinds (`x-required-scopes`, `x-client-kinds`)."""

import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute

from services.common.errors import PROBLEM_MEDIA_TYPE
from services.common.etag import REQUIRED_HEADER
from services.common.identity import requirements_of

REQUIRED_SCOPES = "x-required-scopes"
CLIENT_KINDS = "x-client-kinds"

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
_PHRASES = {
    400: "Malformed request (a body that is not valid JSON)",
    401: "Missing or invalid credentials",
    403: "Not allowed for this caller",
    404: "No such resource (or not visible to this caller)",
    422: "Invalid input; `errors[]` names each field and rule",
    500: "Unexpected error (logged with the request id)",
}


_STRING = {"type": "string"}
HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": "The resource's current version; send it as `If-Match` to change it.",
        "schema": _STRING,
    },
    "Location": {
        "description": "Where the created resource (or the job) can be read.",
        "schema": {"type": "string", "format": "uri-reference"},
    },
    "X-Request-ID": {
        "description": "The request's id (the caller's, when it sent one); quote it in reports.",
        "schema": _STRING,
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer to an earlier request with the "
        "same `Idempotency-Key`.",
        "schema": {"type": "string", "enum": ["true"]},
    },
}


def answer_headers(
    status: int, *names: str, links: dict[str, dict[str, str]] | None = None
) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries declaring the headers a route answers with (`ETag`, `Location`),
    and its `links` (see `answer_links`)."""
    answer: dict[str, Any] = {"headers": {name: HEADERS[name] for name in names}}
    if links:
        answer.update(answer_links(status, **links)[status])
    return {status: answer}


def answer_links(status: int, **targets: dict[str, str]) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries linking an answer to the operations that read what it made:
    `answer_links(201, get_base={"base_id": "$response.body#/id"})` (OpenAPI links)."""
    return {
        status: {
            "links": {
                operation_id: {"operationId": operation_id, "parameters": parameters}
                for operation_id, parameters in targets.items()
            }
        }
    }


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}}


def _polish(path: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for status, response in list(responses.items()):
        if status.startswith(("4", "5")):
            description = response.get("description") or _PHRASES.get(int(status), "Error")
            responses[status] = _problem(description)
    wanted = [422, 500] + ([401, 403] if operation.get("security") else [])
    wanted += [404] if "{" in path else []
    wanted += [400] if "requestBody" in operation else []  # an unparsable body, optional or not
    for code in wanted:
        responses.setdefault(str(code), _problem(_PHRASES[code]))


def annotate_requirements(spec: dict[str, Any], routes: list[BaseRoute]) -> None:
    """Write what each operation's `authorize` dependencies require into its operation."""
    paths = spec.get("paths", {})
    # The routes as `get_openapi` walks them: included routers expanded, their prefixes and
    # dependencies applied.
    for route in iter_route_contexts(routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        scopes, kinds = requirements_of(route.dependant)
        if not scopes and kinds is None:
            continue
        for method in route.methods or ():
            operation = paths.get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            operation[REQUIRED_SCOPES] = scopes
            if kinds is not None:
                operation[CLIENT_KINDS] = kinds


def _declare_headers(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    idempotent = False
    for parameter in operation.get("parameters", []):
        if parameter.get("in") != "header":
            continue
        schema = parameter.get("schema", {})
        if schema.pop(REQUIRED_HEADER, False):  # see services.common.etag.if_match
            parameter["required"] = True
            schema.pop("anyOf", None)
            schema["type"] = "string"
        idempotent = idempotent or parameter["name"] == "Idempotency-Key"
    for status, response in responses.items():
        headers = response.setdefault("headers", {})
        headers.setdefault("X-Request-ID", HEADERS["X-Request-ID"])
        if idempotent and status.startswith("2"):
            headers.setdefault("Idempotent-Replayed", HEADERS["Idempotent-Replayed"])


_GENERIC = re.compile(r"^([A-Za-z0-9]+)_([A-Za-z0-9]+)_$")


def _rewrite_refs(node: Any, renames: dict[str, str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref in renames:
            node["$ref"] = renames[ref]
        for value in node.values():
            _rewrite_refs(value, renames)
    elif isinstance(node, list):
        for item in node:
            _rewrite_refs(item, renames)


def _readable(name: str) -> str | None:
    if name.startswith("Body_"):  # FastAPI's form bodies: `Body_create_token`
        return "".join(part.capitalize() for part in name[5:].split("_")) + "Form"
    match = _GENERIC.match(name)
    return f"{match[2]}{match[1]}" if match else None


def readable_names(spec: dict[str, Any]) -> dict[str, Any]:
    """`Page_EnterprisePublic_` → `EnterprisePublicPage`, `Body_create_token` →
    `CreateTokenForm`: stable, readable schema names for generators."""
    schemas: dict[str, Any] = spec.get("components", {}).get("schemas", {})
    renames: dict[str, str] = {}
    for name in list(schemas):
        new = _readable(name)
        if new and new not in schemas:
            schemas[new] = {**schemas.pop(name), "title": new}
            renames[f"#/components/schemas/{name}"] = f"#/components/schemas/{new}"
    if renames:
        _rewrite_refs(spec, renames)
    return spec


def declare_headers(spec: dict[str, Any]) -> dict[str, Any]:
    """Required `If-Match` marked required; `X-Request-ID` (and `Idempotent-Replayed` where an
    `Idempotency-Key` is taken) on every answer."""
    for path_item in spec.get("paths", {}).values():
        for method, operation in path_item.items():
            if method in _METHODS:
                _declare_headers(operation)
    return spec


def problem_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """An `app.openapi` that documents every error answer as an RFC 9457 Problem."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        spec = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
            # One schema per model: no `-Input`/`-Output` twins for generators to tell apart.
            separate_input_output_schemas=False,
        )
        for path, path_item in spec.get("paths", {}).items():
            for method, operation in path_item.items():
                if method in _METHODS:
                    _polish(path, operation)
        annotate_requirements(spec, app.routes)
        declare_headers(spec)
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        if "Problem" not in schemas:
            from services.common.errors import Problem

            schemas["Problem"] = Problem.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
            schemas.update(schemas["Problem"].pop("$defs", {}))
        readable_names(spec)
        app.openapi_schema = spec
        return spec

    return openapi
