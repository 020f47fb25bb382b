"""Run schemathesis over every operation of an in-process app (no pytest plugin needed)."""

from collections.abc import Callable, Mapping
from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def fuzz_app(
    app: FastAPI,
    *,
    headers: Mapping[str, str] | Callable[[str, str], Mapping[str, str]],
    max_examples: int = 25,
    skip: Callable[[str, str], bool] = lambda method, path: False,
) -> list[str]:
    """Fuzz each operation of an in-process app; returns the operations exercised."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return _fuzz(schema, headers=headers, max_examples=max_examples, skip=skip)


def fuzz_url(
    base_url: str,
    *,
    headers: Mapping[str, str] | Callable[[str, str], Mapping[str, str]],
    max_examples: int = 25,
    skip: Callable[[str, str], bool] = lambda method, path: False,
) -> list[str]:
    """Fuzz each operation of a running server; returns the operations exercised."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    schema.config.update(base_url=base_url)
    return _fuzz(schema, headers=headers, max_examples=max_examples, skip=skip)


def _fuzz(
    schema: Any,
    *,
    headers: Mapping[str, str] | Callable[[str, str], Mapping[str, str]],
    max_examples: int = 25,
    skip: Callable[[str, str], bool] = lambda method, path: False,
) -> list[str]:
    """Fuzz each operation; fails on the first broken check."""
    exercised: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        method, path = operation.method.upper(), operation.path
        if skip(method, path):
            continue
        extra = headers(method, path) if callable(headers) else headers

        @given(case=operation.as_strategy())
        @settings(
            max_examples=max_examples,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(headers={**dict(case.headers or {}), **extra}, checks=CHECKS)  # noqa: B023 (run() is called within this iteration)

        run()
        exercised.append(f"{method} {path}")
    return exercised
