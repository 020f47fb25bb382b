"""The unit of work: a returned error response undoes the request's writes like a raised error,
any other answer commits them, and after-commit hooks run once the work is committed."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.common.test_idempotency import event_count, widget_count


def answered(client: TestClient, headers: dict, *, key: str, name: str, status: int):
    return client.post(
        "/v1/widgets/answered",
        json={"name": name, "status": status},
        headers={**headers, "Idempotency-Key": key},
    )


@pytest.mark.parametrize("status", [400, 404, 500, 599])
def test_an_error_response_returned_after_writing_rolls_back_and_frees_the_key(
    client: TestClient, writer: dict, status: int
) -> None:
    failed = answered(client, writer, key="k-err", name="undone", status=status)
    assert failed.status_code == status
    assert "idempotent-replayed" not in failed.headers
    # The widget and its event were written before the answer; neither was kept.
    assert widget_count(client, writer) == 0
    assert event_count(client, writer) == 0
    # The key was released, not stored with the error: the retry does the work.
    retried = answered(client, writer, key="k-err", name="undone", status=status)
    assert retried.status_code == status
    assert "idempotent-replayed" not in retried.headers
    assert retried.json()["id"] != failed.json()["id"]
    assert widget_count(client, writer) == 0


@pytest.mark.parametrize("status", [201, 409])
def test_the_transaction_has_ended_when_the_answer_is_sent(
    kernel_app: FastAPI, client: TestClient, writer: dict, status: int
) -> None:
    """Committed or rolled back by the route itself, not left to the session's close after the
    answer (on SQLite an open transaction holds the write lock, and the claim's row, that long)."""
    answer = client.post(
        "/v1/widgets/answered",
        json={"name": "probed", "status": status, "probe": True},
        headers={**writer, "Idempotency-Key": f"probe-{status}"},
    )
    assert answer.status_code == status
    assert kernel_app.state.after_answer is False


def test_after_commit_hooks_run_on_the_event_loop(
    kernel_app: FastAPI, client: TestClient, writer: dict
) -> None:
    """The caches a hook drops (the gateway's keys and delegations) are looked up and filled on
    the event loop: a hook run in a worker thread could drop an entry between a lookup's check
    and its store, and the stale entry would then be kept."""
    assert answered(client, writer, key="on-loop", name="hooked", status=201).status_code == 201
    assert kernel_app.state.hook_on_loop is True


@pytest.mark.parametrize("fails", [False, True])
def test_a_request_cancelled_while_its_commit_runs_still_runs_its_after_commit_hooks(
    kernel_app: FastAPI, client: TestClient, writer: dict, fails: bool
) -> None:
    """The commit, in a worker thread, finishes whatever happens to the request (a client gone,
    a server shutting down); the cache drops that follow it must not be skipped, and a commit
    that failed has none."""
    import asyncio
    import threading

    import anyio.to_thread
    import httpx

    started, release = threading.Event(), threading.Event()
    kernel_app.state.hold_commit = (started, release, fails)

    async def cancel_during_the_commit() -> bool:
        transport = httpx.ASGITransport(app=kernel_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kernel") as http:
            request = asyncio.create_task(
                http.post(
                    "/v1/widgets/answered",
                    json={"name": "cancelled", "status": 201},
                    headers={**writer, "Idempotency-Key": "cancelled"},
                )
            )
            try:
                assert await anyio.to_thread.run_sync(started.wait, 10)
                request.cancel()
                await asyncio.sleep(0.05)  # the cancellation reaches the waiting route
            finally:
                release.set()
            try:
                await request
            except asyncio.CancelledError:
                return True
            return False

    assert client.portal is not None
    assert client.portal.call(cancel_during_the_commit) is True
    del kernel_app.state.hold_commit
    if fails:
        assert widget_count(client, writer) == 0
        assert getattr(kernel_app.state, "hook_on_loop", None) is None  # no hook ran
    else:
        assert widget_count(client, writer) == 1  # committed
        assert kernel_app.state.hook_on_loop is True  # and its hooks ran


@pytest.mark.parametrize("status", [200, 201, 303, 399])
def test_any_answer_below_400_commits_and_is_stored_for_a_replay(
    client: TestClient, writer: dict, status: int
) -> None:
    kept = answered(client, writer, key="k-ok", name="kept", status=status)
    assert kept.status_code == status
    assert widget_count(client, writer) == 1
    assert event_count(client, writer) == 1
    replayed = answered(client, writer, key="k-ok", name="kept", status=status)
    assert replayed.status_code == status
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json() == kept.json()
    assert widget_count(client, writer) == 1


def test_the_after_commit_hook_clears_the_cache_once_the_widget_is_committed(
    client: TestClient, writer: dict
) -> None:
    assert client.get("/v1/widgets/count", headers=writer).json() == {"count": 0}  # now cached
    created = client.post(
        "/v1/widgets", json={"name": "one"}, headers={**writer, "Idempotency-Key": "c-1"}
    )
    assert created.status_code == 201, created.text
    assert client.get("/v1/widgets/count", headers=writer).json() == {"count": 1}
    assert answered(client, writer, key="c-2", name="two", status=201).status_code == 201
    assert client.get("/v1/widgets/count", headers=writer).json() == {"count": 2}
