"""What makes an OpenAPI document usable for generated clients, checked per operation."""

from typing import Any

METHODS = {"get", "put", "post", "delete", "patch"}
BINARY_TYPES = ("text/csv", "application/vnd.openxmlformats", "application/octet-stream")


def _has_example(schema: dict[str, Any], schemas: dict[str, Any], depth: int = 0) -> bool:
    if depth > 4:
        return False
    if "$ref" in schema:
        return _has_example(schemas[schema["$ref"].rsplit("/", 1)[-1]], schemas, depth + 1)
    if schema.get("examples") or "example" in schema:
        return True
    if schema.get("type") == "array" and "items" in schema:
        return _has_example(schema["items"], schemas, depth + 1)
    for variant in schema.get("anyOf", []) + schema.get("allOf", []):
        if _has_example(variant, schemas, depth + 1):
            return True
    return any(_has_example(p, schemas, depth + 1) for p in schema.get("properties", {}).values())


def operation_gaps(
    spec: dict[str, Any], *, prefix: str = "", errors_as_problems: bool = True
) -> list[str]:
    """Every missing summary, operationId, problem error answer or body example."""
    schemas = spec.get("components", {}).get("schemas", {})
    gaps: list[str] = []
    for path, item in spec["paths"].items():
        if not path.startswith(prefix):
            continue
        for method, op in item.items():
            if method not in METHODS:
                continue
            where = f"{method.upper()} {path}"
            if not op.get("summary"):
                gaps.append(f"{where}: no summary")
            if not op.get("operationId"):
                gaps.append(f"{where}: no operationId")
            errors = [s for s in op.get("responses", {}) if s[0] in "45"]
            if errors_as_problems and not any(
                "application/problem+json" in op["responses"][s].get("content", {}) for s in errors
            ):
                gaps.append(f"{where}: no problem+json error answer")
            body = op.get("requestBody", {}).get("content", {})
            for media, content in body.items():
                schema = content.get("schema")
                if media.startswith(BINARY_TYPES) or not schema:
                    continue
                if not (
                    content.get("example")
                    or content.get("examples")
                    or _has_example(schema, schemas)
                ):
                    gaps.append(f"{where}: request body {media} has no example")
            for status, response in op.get("responses", {}).items():
                if not status.startswith("2"):
                    continue
                for media, content in response.get("content", {}).items():
                    schema = content.get("schema")
                    if media.startswith(BINARY_TYPES) or not schema:
                        continue
                    if not (content.get("example") or _has_example(schema, schemas)):
                        gaps.append(f"{where}: {status} {media} has no example")
    return gaps
