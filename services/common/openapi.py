"""OpenAPI polish every service shares: problem+json on every error, no stray validation models,
and each operation's required scopes and client kinds (`x-required-scopes`, `x-client-kinds`)."""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute

from services.common.errors import PROBLEM_MEDIA_TYPE
from services.common.identity import requirements_of

REQUIRED_SCOPES = "x-required-scopes"
CLIENT_KINDS = "x-client-kinds"

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
_PHRASES = {
    401: "Missing or invalid credentials",
    403: "Not allowed for this caller",
    404: "No such resource (or not visible to this caller)",
    422: "Invalid input; `errors[]` names each field and rule",
    500: "Unexpected error (logged with the request id)",
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
        )
        for path, path_item in spec.get("paths", {}).items():
            for method, operation in path_item.items():
                if method in _METHODS:
                    _polish(path, operation)
        annotate_requirements(spec, app.routes)
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        if "Problem" not in schemas:
            from services.common.errors import Problem

            schemas["Problem"] = Problem.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
            schemas.update(schemas["Problem"].pop("$defs", {}))
        app.openapi_schema = spec
        return spec

    return openapi
