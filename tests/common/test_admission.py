"""Requests contending for one row all finish: the admission gate keeps a thread for the holder."""

from concurrent.futures import ThreadPoolExecutor

from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.unitofwork import admission_gate

CONTENDERS = 60  # more than the 40 worker threads a request's steps share


def test_more_writers_of_one_row_than_worker_threads_all_commit(
    kernel_app: FastAPI, client: TestClient, writer: dict
) -> None:
    created = client.post(
        "/v1/widgets", json={"name": "w"}, headers={**writer, "Idempotency-Key": "k-1"}
    )
    assert created.status_code == 201, created.text
    widget = created.json()["id"]

    def rename(i: int) -> int:
        answer = client.patch(
            f"/v1/widgets/{widget}", json={"name": f"n{i}"}, headers={**writer, "If-Match": "*"}
        )
        return answer.status_code

    with ThreadPoolExecutor(CONTENDERS) as pool:
        statuses = list(pool.map(rename, range(CONTENDERS)))
    assert statuses == [200] * CONTENDERS
    final = client.get(f"/v1/widgets/{widget}", headers=writer).json()
    assert final["version"] == 1 + CONTENDERS  # every rename committed, none lost


def test_the_gate_admits_as_many_requests_as_the_pool_lends(kernel_app: FastAPI) -> None:
    database = kernel_app.state.database
    expected = database.engine.pool.size() + database.engine.pool._max_overflow
    assert database.connections == expected
    assert admission_gate(database.connections, 40)._value == min(expected, 32)
    # Never more requests than the worker threads can serve with some to spare, never none.
    assert admission_gate(64, 40)._value == 32
    assert admission_gate(0, 40)._value == 1
    assert admission_gate(20, 4)._value == 1
