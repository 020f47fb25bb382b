"""What the ratings tests share: a run started and read, a rating as a department reads it."""

from typing import Any

from fastapi.testclient import TestClient

from tests.credit.conftest import CreditHeaders

ME = "91140100MA0K000017"


def start_run(
    client: TestClient, headers: CreditHeaders, key: str, usccs: list[str] | None = None
) -> dict[str, Any]:
    """Start a rating run and read it once it has finished."""
    answer = client.post(
        "/v1/ratings/runs",
        json={"usccs": usccs} if usccs is not None else {},
        headers={**headers(kind="admin", org=None), "Idempotency-Key": key},
    )
    assert answer.status_code == 202, answer.text
    # The run works after the response (TestClient runs background tasks before returning).
    done = client.get(answer.headers["Location"], headers=headers(kind="admin", org=None))
    assert done.status_code == 200, done.text
    body: dict[str, Any] = done.json()
    return body


def rating_of(
    client: TestClient, headers: CreditHeaders, uscc: str = ME, **params: str
) -> dict[str, Any]:
    """The enterprise's rating as a department reads it."""
    answer = client.get(
        f"/v1/enterprises/{uscc}/rating", params=params, headers=headers(kind="department")
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body
