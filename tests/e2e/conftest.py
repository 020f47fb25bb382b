"""The end-to-end stack: one per test module, on PostgreSQL when the run's database is."""

from collections.abc import Iterator

import pytest

from tests.e2e.stack import Stack, running_stack


@pytest.fixture(scope="module")
def e2e_stack(
    tmp_path_factory: pytest.TempPathFactory, postgres_database: str | None
) -> Iterator[Stack]:
    """The gateway and the four services as real processes, fresh databases, demo keys."""
    with running_stack(tmp_path_factory.mktemp("e2e"), postgres_url=postgres_database) as stack:
        yield stack
