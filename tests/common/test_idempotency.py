"""Idempotency-Key: replay returns the first answer; the work is done once."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.models import IdempotencyRecord
from tests.common.test_errors import assert_problem


def widget_count(client: TestClient, headers: dict) -> int:
    return len(client.get("/v1/widgets?limit=500", headers=headers).json()["items"])


def event_count(client: TestClient, headers: dict) -> int:
    return len(client.get("/v1/events?limit=1000", headers=headers).json()["items"])


def test_replay_returns_first_answer_and_does_the_work_once(
    client: TestClient, writer: dict
) -> None:
    headers = {**writer, "Idempotency-Key": "order-1"}
    first = client.post("/v1/widgets", json={"name": "a"}, headers=headers)
    second = client.post("/v1/widgets", json={"name": "a"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert (
        second.headers["location"]
        == first.headers["location"]
        == f"/v1/widgets/{first.json()['id']}"
    )
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert widget_count(client, writer) == 1
    assert event_count(client, writer) == 1


def test_same_key_other_body_is_422_and_changes_nothing(client: TestClient, writer: dict) -> None:
    headers = {**writer, "Idempotency-Key": "order-2"}
    assert client.post("/v1/widgets", json={"name": "a"}, headers=headers).status_code == 201
    assert_problem(
        client.post("/v1/widgets", json={"name": "b"}, headers=headers),
        422,
        "idempotency_key_reused",
    )
    assert widget_count(client, writer) == 1


def test_missing_key_is_400(client: TestClient, writer: dict) -> None:
    assert_problem(
        client.post("/v1/widgets", json={"name": "a"}, headers=writer),
        400,
        "idempotency_key_required",
    )
    assert widget_count(client, writer) == 0


def test_keys_are_scoped_to_the_client(client: TestClient, auth_headers) -> None:
    one = auth_headers("kernel", client_id="cli_one", scopes=["widgets:write"])
    two = auth_headers("kernel", client_id="cli_two", scopes=["widgets:write"])
    a = client.post("/v1/widgets", json={"name": "a"}, headers={**one, "Idempotency-Key": "same"})
    b = client.post("/v1/widgets", json={"name": "a"}, headers={**two, "Idempotency-Key": "same"})
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


def test_failed_request_releases_the_key(client: TestClient, writer: dict) -> None:
    headers = {**writer, "Idempotency-Key": "order-3"}
    first = client.post("/v1/widgets", json={"name": "taken"}, headers=headers)
    assert_problem(first, 409, "name_taken")
    # The error changed nothing, so the key is free: the retry does the work again and fails
    # on the rule, not on a key still held (`idempotency_in_progress` is also a 409).
    second = client.post("/v1/widgets", json={"name": "taken"}, headers=headers)
    assert_problem(second, 409, "name_taken")
    assert (
        client.post(
            "/v1/widgets", json={"name": "ok"}, headers={**writer, "Idempotency-Key": "order-4"}
        ).status_code
        == 201
    )


@pytest.mark.parametrize(("name", "status"), [("needs-gate", 409), ("needs-gate-crash", 500)])
def test_retry_after_a_failure_succeeds_with_the_same_key(
    client: TestClient, writer: dict, name: str, status: int
) -> None:
    headers = {**writer, "Idempotency-Key": f"retry-{name}"}
    failed = client.post("/v1/widgets", json={"name": name}, headers=headers)
    assert failed.status_code == status
    assert widget_count(client, writer) == 0  # the failed request's write was rolled back
    gate = client.post(
        "/v1/widgets", json={"name": "gate"}, headers={**writer, "Idempotency-Key": "g"}
    )
    assert gate.status_code == 201
    retried = client.post("/v1/widgets", json={"name": name}, headers=headers)
    assert retried.status_code == 201, retried.text
    assert "idempotent-replayed" not in retried.headers
    replay = client.post("/v1/widgets", json={"name": name}, headers=headers)
    assert replay.status_code == 201
    assert replay.json() == retried.json()
    assert replay.headers["location"] == retried.headers["location"]
    assert replay.headers["idempotent-replayed"] == "true"
    assert widget_count(client, writer) == 2
    assert event_count(client, writer) == 2


def test_replay_while_first_is_running_is_409(
    client: TestClient, kernel_app: FastAPI, writer: dict
) -> None:
    import hashlib

    body = b'{"name":"a"}'
    digest = hashlib.sha256(b"POST /v1/widgets?\n\n" + body).hexdigest()
    with kernel_app.state.database.session() as session:
        session.add(
            IdempotencyRecord(
                client_id="cli_test_admin", key="running", request_hash=digest, state="in_progress"
            )
        )
        session.commit()
    response = client.post(
        "/v1/widgets",
        content=body,
        headers={**writer, "Idempotency-Key": "running", "content-type": "application/json"},
    )
    body_json = assert_problem(response, 409, "idempotency_in_progress")
    assert response.headers["retry-after"] == "1"
    assert body_json["detail"]
    assert widget_count(client, writer) == 0


def test_concurrent_retries_do_the_work_once(client: TestClient, writer: dict) -> None:
    headers = {**writer, "Idempotency-Key": "burst"}
    barrier = threading.Barrier(8)

    def post(_: int) -> tuple[int, str | None]:
        barrier.wait()
        response = client.post("/v1/widgets", json={"name": "burst"}, headers=headers)
        return response.status_code, response.json().get("id")

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(post, range(8)))
    statuses = sorted(status for status, _ in results)
    assert set(statuses) <= {201, 409}
    created_ids = {wid for status, wid in results if status == 201}
    assert len(created_ids) == 1
    assert widget_count(client, writer) == 1
    assert event_count(client, writer) == 1


def test_error_after_a_write_rolls_back_and_releases_the_key_at_once(
    client: TestClient, writer: dict
) -> None:
    import time

    headers = {**writer, "Idempotency-Key": "after-write"}
    started = time.monotonic()
    first = client.post("/v1/widgets", json={"name": "fails-after-write"}, headers=headers)
    second = client.post("/v1/widgets", json={"name": "fails-after-write"}, headers=headers)
    assert first.status_code == second.status_code == 409
    assert time.monotonic() - started < 5  # no wait on a lock held by the failed request
    assert widget_count(client, writer) == 0
    assert event_count(client, writer) == 0


def test_same_key_on_behalf_of_another_org_is_not_a_replay(
    client: TestClient, auth_headers
) -> None:
    for_a = auth_headers(
        "kernel", kind="portal", org="A", client_id="cli_portal", scopes=["widgets:write"]
    )
    for_b = auth_headers(
        "kernel", kind="portal", org="B", client_id="cli_portal", scopes=["widgets:write"]
    )
    first = client.post(
        "/v1/widgets", json={"name": "w"}, headers={**for_a, "Idempotency-Key": "k1"}
    )
    assert first.status_code == 201
    other = client.post(
        "/v1/widgets", json={"name": "w"}, headers={**for_b, "Idempotency-Key": "k1"}
    )
    assert_problem(other, 422, "idempotency_key_reused")
