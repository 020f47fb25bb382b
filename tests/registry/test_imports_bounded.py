"""Imports stream to disk and count rows as they read them: memory stays bounded."""

import tracemalloc

from fastapi.testclient import TestClient

from services.registry.imports.parse import COLUMNS, MAX_ROWS
from tests.registry.conftest import RegistryHeaders

MIB = 1 << 20


def _tiny_rows(count: int) -> bytes:
    return (",".join(COLUMNS) + "\n").encode() + b"1\n" * count


def test_too_many_tiny_rows_are_refused_without_holding_them(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    content = _tiny_rows(4_000_000)  # 8 MB of one-character rows: 40 times the row limit
    tracemalloc.start()
    try:
        answer = registry_client.post(
            "/v1/imports",
            content=content,
            headers={**registry_headers(), "Content-Type": "text/csv"},
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "too_many_rows"
    # The test client's own copy of the body is 8 MB; the rows read stop at the limit.
    assert peak < 64 * MIB, f"peak {peak / MIB:.0f} MiB"


def test_the_row_limit_itself_still_imports(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    answer = registry_client.post(
        "/v1/imports",
        content=_tiny_rows(MAX_ROWS + 1),
        headers={**registry_headers(), "Content-Type": "text/csv"},
    )
    assert answer.status_code == 422 and answer.json()["code"] == "too_many_rows"
    jsonl = b'{"uscc": "x"}\n' * 3
    accepted = registry_client.post(
        "/v1/imports",
        content=jsonl,
        headers={**registry_headers(), "Content-Type": "application/x-ndjson"},
    )
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["total_rows"] == 3
