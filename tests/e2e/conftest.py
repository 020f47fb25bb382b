"""The end-to-end stack: one per test module, on PostgreSQL when the run's database is."""

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.stack import NAMES, Stack, running_stack


@pytest.fixture(scope="module")
def e2e_stack(
    tmp_path_factory: pytest.TempPathFactory, postgres_database: str | None
) -> Iterator[Stack]:
    """The gateway and the four services as real processes, fresh databases, demo keys."""
    with running_stack(tmp_path_factory.mktemp("e2e"), postgres_url=postgres_database) as stack:
        yield stack


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed test on a stack shows the end of each process's log."""
    report = yield
    stack = getattr(item, "funcargs", {}).get("e2e_stack")
    if report.failed and isinstance(stack, Stack):
        for name in NAMES:
            report.sections.append(
                (f"{name} log (last lines)", "\n".join(stack.log(name).splitlines()[-40:]))
            )
    return report
