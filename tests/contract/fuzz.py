"""Run schemathesis over every operation of an app or a server (no pytest plugin needed), and
its state machine over the document's links.

`CONTRACT_EXAMPLES` (set by `make fuzz`) raises every example count to that many; the state
machine's scenarios scale with it too."""

import os
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
Headers = Mapping[str, str] | Callable[[str, str], Mapping[str, str]]
Skip = Callable[[str, str], bool]


def examples(default: int) -> int:
    """`default`, or `CONTRACT_EXAMPLES` when that asks for more (the deeper `make fuzz` run)."""
    return max(default, int(os.environ.get("CONTRACT_EXAMPLES") or 0))


def deep() -> bool:
    """Whether this is the deeper `make fuzz` run."""
    return bool(os.environ.get("CONTRACT_EXAMPLES"))


def callers(everyone: Mapping[str, Any], *, in_ci: tuple[str, ...]) -> list[str]:
    """The callers a contract test fuzzes as: `in_ci` in the suite, every one under `make fuzz`."""
    return sorted(everyone) if deep() else sorted(in_ci)


def timeout() -> pytest.MarkDecorator:
    """A contract module's time limit: 10 min on a loaded CI machine, none under `make fuzz`."""
    return pytest.mark.timeout(0 if deep() else 600)


def app_schema(app: FastAPI) -> Any:
    """The app's OpenAPI document, its cases called in-process."""
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def url_schema(base_url: str) -> Any:
    """A running server's OpenAPI document, its cases called over HTTP."""
    # Fetched here: schemathesis' loader gives up after 10 s, a loaded gateway may take longer.
    document = httpx.get(f"{base_url}/openapi.json", timeout=60).raise_for_status().json()
    schema = schemathesis.openapi.from_dict(document)
    schema.config.update(base_url=base_url)
    return schema


def fuzz_app(
    app: FastAPI, *, headers: Headers, max_examples: int = 25, skip: Skip = lambda m, p: False
) -> list[str]:
    """Fuzz each operation of an in-process app; returns the operations exercised."""
    return fuzz(app_schema(app), headers=headers, max_examples=max_examples, skip=skip)


def fuzz_url(
    base_url: str, *, headers: Headers, max_examples: int = 25, skip: Skip = lambda m, p: False
) -> list[str]:
    """Fuzz each operation of a running server; returns the operations exercised."""
    return fuzz(url_schema(base_url), headers=headers, max_examples=max_examples, skip=skip)


def _settings(max_examples: int, **extra: Any) -> settings:
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        database=None,
        **extra,
    )


def fuzz(
    schema: Any, *, headers: Headers, max_examples: int = 25, skip: Skip = lambda m, p: False
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
        @_settings(examples(max_examples))
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(headers={**dict(case.headers or {}), **extra}, checks=CHECKS)  # noqa: B023 (run() is called within this iteration)

        run()
        exercised.append(f"{method} {path}")
    return exercised


def follow_links(
    schema: Any, *, headers: Mapping[str, str], scenarios: int = 6, steps: int = 6
) -> set[str]:
    """Run schemathesis' state machine (calls chained by the document's links, a few `steps`
    per scenario) with the default checks; returns the operations reached through a link."""
    followed: set[str] = set()
    machine = schema.as_state_machine()

    class Links(machine):  # type: ignore[misc,valid-type]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"headers": {**dict(case.headers or {}), **headers}}

        def validate_response(self, response: Any, case: schemathesis.Case, **_: Any) -> None:
            case.validate_response(response, checks=CHECKS)

        def step(self, input: Any) -> Any:
            output = super().step(input)
            if input.transition is not None and not input.transition.is_inferred:
                followed.add(input.case.operation.label)
            return output

    Links.run(
        settings=_settings(examples(scenarios), stateful_step_count=steps, phases=[Phase.generate])
    )
    return followed


def follow_declared_links(
    schema: Any,
    *,
    operation_id: str,
    status: int,
    answer: httpx.Response,
    headers: Mapping[str, str],
) -> dict[str, int]:
    """Follow every link the document declares on `operation_id`'s `status` answer, from a real
    `answer`: each target is called with the parameters its link's `$response.body#/…`
    expressions take from that answer, and its response validated with CHECKS; returns each
    target's status."""
    source = schema.find_operation_by_id(operation_id)
    links = source.definition.raw["responses"][str(status)].get("links", {})
    assert links, f"{operation_id} declares no links on {status}"
    reached: dict[str, int] = {}
    body = answer.json()
    for link in links.values():
        target = schema.find_operation_by_id(link["operationId"])
        path_parameters: dict[str, Any] = {}
        for name, expression in link["parameters"].items():
            prefix = "$response.body#/"
            assert expression.startswith(prefix), expression
            value: Any = body
            for part in expression.removeprefix(prefix).split("/"):
                value = value[int(part)] if isinstance(value, list) else value[part]
            path_parameters[name] = value
        case = target.Case(path_parameters=path_parameters, headers=dict(headers))
        response = case.call()
        case.validate_response(response, checks=CHECKS)
        reached[link["operationId"]] = response.status_code
    return reached
