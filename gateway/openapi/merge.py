"""Merging the services' OpenAPI documents into the gateway's one document."""

import copy
import json
from typing import Any

from gateway.auth.scopes import PUBLIC, SCOPES, rule_for

COMPONENT_SECTIONS = (
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "links",
    "callbacks",
)
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def security_schemes(token_url: str) -> dict[str, Any]:
    """The ways a caller authenticates at the gateway."""
    return {
        "ApiKey": {
            "type": "apiKey",
            "in": "header",
            "name": "X-API-Key",
            "description": "A client's API key (also accepted as `Authorization: Bearer <key>`).",
        },
        "BearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key or an OAuth 2.0 access token from `/oauth/token`.",
        },
        "OAuth2": {
            "type": "oauth2",
            "description": "OAuth 2.0 client credentials (RFC 6749 §4.4); JWT access tokens (RFC 9068).",
            "flows": {"clientCredentials": {"tokenUrl": token_url, "scopes": dict(SCOPES)}},
        },
    }


_STRING = {"type": "string"}
RATE_LIMIT_HEADERS: dict[str, dict[str, Any]] = {
    "RateLimit-Policy": {
        "description": "The caller's limit for this kind of request (IETF RateLimit), e.g. "
        '`"read";q=600;w=60`.',
        "schema": _STRING,
    },
    "RateLimit": {
        "description": 'What is left of it and when it resets, e.g. `"read";r=599;t=60`.',
        "schema": _STRING,
    },
}
REQUEST_ID_HEADER = {
    "description": "The request's id (the caller's, when it sent one); quote it in reports.",
    "schema": _STRING,
}
RETRY_AFTER_HEADER = {
    "description": "Seconds to wait before retrying.",
    "schema": {"type": "integer"},
}
ON_BEHALF_OF = {
    "name": "X-On-Behalf-Of",
    "in": "header",
    "required": False,
    "description": "The USCC of the enterprise a portal acts for (scope `on_behalf`, within a "
    "live delegation); other clients leave it out.",
    "schema": {"type": "string", "pattern": "^[0-9A-HJ-NPQRTUWXY]{18}$"},
}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _gateway_answers(operation: dict[str, Any], *, secured: bool) -> None:
    """What the gateway adds to every proxied operation: its headers and its own refusals."""
    responses: dict[str, Any] = operation.setdefault("responses", {})
    problem = {"application/problem+json": {"schema": PROBLEM_REF}}
    retry = {"Retry-After": RETRY_AFTER_HEADER}
    own = {
        "414": ("The path and query are longer than the gateway accepts", {}),
        "429": ("Rate limit exceeded", retry),
        "502": ("The service's answer was broken or not this request's", {}),
        "503": ("The service is unavailable (or busy); retry later", retry),
        "504": ("The service did not answer in time", {}),
    }
    if "requestBody" in operation:
        own["413"] = ("The body is larger than this route accepts", {})
    for status, (description, headers) in sorted(own.items()):
        responses.setdefault(
            status, {"description": description, "content": problem, "headers": dict(headers)}
        )
    for response in responses.values():
        headers = response.setdefault("headers", {})
        headers.setdefault("X-Request-ID", REQUEST_ID_HEADER)
        for name, header in RATE_LIMIT_HEADERS.items():
            headers.setdefault(name, header)
    if secured:
        parameters = operation.setdefault("parameters", [])
        if not any(p.get("name", "").lower() == "x-on-behalf-of" for p in parameters):
            parameters.append(dict(ON_BEHALF_OF))


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("-", "_").split("_"))


def _rewrite_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value in renames:
                out[key] = renames[value]
            else:
                out[key] = _rewrite_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _plan_names(documents: dict[str, dict[str, Any]]) -> dict[str, dict[str, dict[str, str]]]:
    """Per service and section, old component name → merged name.

    A name defined identically by every document that has it (the kernel's `Problem`, for
    instance) keeps its name; any name defined differently somewhere gets the service as a
    prefix (`RegistryEnterprise`) in every document, so names never collide.
    """
    plan: dict[str, dict[str, dict[str, str]]] = {name: {} for name in documents}
    for section in COMPONENT_SECTIONS:
        definitions: dict[str, set[str]] = {}
        for document in documents.values():
            for key, value in (document.get("components", {}).get(section) or {}).items():
                definitions.setdefault(key, set()).add(_canonical(value))
        for service, document in documents.items():
            names = {}
            for key in document.get("components", {}).get(section) or {}:
                shared = len(definitions[key]) == 1
                names[key] = key if shared else f"{_pascal(service)}{key}"
            plan[service][section] = names
    return plan


def _security_for(service: str, path: str, method: str) -> list[dict[str, list[str]]]:
    rule = rule_for(service, path)
    if rule is None:
        return []
    scope = rule.scope_for(method.upper())
    if scope == PUBLIC:
        return []
    return [{"ApiKey": []}, {"BearerAuth": []}, {"OAuth2": [scope]}]


def _prefix_links(operation: dict[str, Any], service: str) -> None:
    """Point the operation's links at the renamed (service-prefixed) operation ids."""
    responses = {}
    for status, response in (operation.get("responses") or {}).items():
        links = response.get("links")
        if links:
            response = {
                **response,
                "links": {
                    name: {**link, "operationId": f"{service}_{link['operationId']}"}
                    if "operationId" in link
                    else link
                    for name, link in links.items()
                },
            }
        responses[status] = response
    if responses:
        operation["responses"] = responses


def merge(
    gateway: dict[str, Any],
    services: dict[str, dict[str, Any]],
    *,
    token_url: str,
    public_url: str | None = None,
) -> dict[str, Any]:
    """One OpenAPI 3.1 document: the gateway's own routes and every service's, prefixed."""
    merged = copy.deepcopy(gateway)
    merged["openapi"] = "3.1.0"
    if public_url:
        merged["servers"] = [{"url": public_url.rstrip("/"), "description": "The gateway"}]
    components = merged.setdefault("components", {})
    paths = merged.setdefault("paths", {})
    tags = {tag["name"]: tag for tag in merged.get("tags", [])}
    plan = _plan_names({"gateway": gateway, **services})
    for service, document in services.items():
        renames = {
            f"#/components/{section}/{old}": f"#/components/{section}/{new}"
            for section, names in plan[service].items()
            for old, new in names.items()
        }
        document = _rewrite_refs(document, renames)
        for section, names in plan[service].items():
            target = components.setdefault(section, {})
            for old, new in names.items():
                target.setdefault(new, document["components"][section][old])
        for tag in document.get("tags", []):
            tags.setdefault(tag["name"], tag)
        for path, item in (document.get("paths") or {}).items():
            if not path.startswith("/v1/"):
                continue  # operational routes are not reachable through the gateway
            new_item = {}
            for key, operation in item.items():
                if key not in HTTP_METHODS:
                    new_item[key] = operation
                    continue
                operation = dict(operation)
                op_id = operation.get("operationId") or f"{key}_{path}"
                operation["operationId"] = f"{service}_{op_id}"
                _prefix_links(operation, service)
                operation["tags"] = operation.get("tags") or [service]
                operation["security"] = _security_for(service, path, key)
                _gateway_answers(operation, secured=bool(operation["security"]))
                new_item[key] = operation
            paths[f"/{service}{path}"] = new_item
    schemes = components.setdefault("securitySchemes", {})
    for name in list(schemes):
        if name not in ("ApiKey", "BearerAuth", "OAuth2"):
            del schemes[name]  # the services' internal-token scheme is not for callers
    schemes.update(security_schemes(token_url))
    for section in [*COMPONENT_SECTIONS, "securitySchemes"]:
        if section in components and not components[section]:
            del components[section]
    if tags:
        merged["tags"] = list(tags.values())
    return merged
