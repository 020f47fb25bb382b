"""The unit of work: a returned error response undoes the request's writes like a raised error,
any other answer commits them, and after-commit hooks run once the work is committed."""

import asyncio
import contextlib
import functools
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Literal

import anyio
import anyio.to_thread
import httpx
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
    """Committed, or rolled back by the session's close, before the answer is sent, not after it
    (on SQLite an open transaction holds the write lock, and the claim's row, that long)."""
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


@dataclass
class Cancelled:
    ended_early: bool  # the request ended while its work was held
    gate_held: bool  # its admission place was still taken then
    cancels: int  # how often the request's task was cancelled meanwhile
    cancelled: bool


def _post(http: httpx.AsyncClient, writer: dict, name: str) -> Coroutine[Any, Any, httpx.Response]:
    return http.post(
        "/v1/widgets/answered",
        json={"name": name, "status": 201},
        headers={**writer, "Idempotency-Key": name},
    )


async def _cancel_held_request(
    kernel_app: FastAPI, writer: dict, *, held: str, by_scope: bool, fails: bool = False
) -> Cancelled:
    """Send a write, hold its handler or its commit (`fails`: then the handler refuses it, or the
    commit fails), cancel the
    request (natively, or by an anyio cancel scope around it), look at it for a while, then
    release the work and let the request end."""
    started, release = threading.Event(), threading.Event()
    setattr(kernel_app.state, f"hold_{held}", (started, release, fails))
    gate = kernel_app.state.admission = asyncio.Semaphore(1)  # one place: held while it works
    scope = anyio.CancelScope()

    async def send() -> None:
        transport = httpx.ASGITransport(app=kernel_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kernel") as http:
            with scope:
                await _post(http, writer, "cancelled")

    request = asyncio.create_task(send())
    try:
        assert await anyio.to_thread.run_sync(started.wait, 10)
        scope.cancel() if by_scope else request.cancel()
        await asyncio.sleep(0.2)  # the cancellation reaches the route, which waits
        ended_early, gate_held, cancels = request.done(), gate.locked(), request.cancelling()
    finally:
        release.set()
        delattr(kernel_app.state, f"hold_{held}")
    try:
        await request
    except asyncio.CancelledError:
        return Cancelled(ended_early, gate_held, cancels, cancelled=True)
    return Cancelled(ended_early, gate_held, cancels, cancelled=scope.cancelled_caught)


def _cancel_held(
    client: TestClient, kernel_app: FastAPI, writer: dict, **options: Any
) -> Cancelled:
    """`_cancel_held_request` run on the test client's event loop."""
    assert client.portal is not None
    return client.portal.call(
        functools.partial(_cancel_held_request, kernel_app, writer, **options)
    )


@pytest.mark.parametrize("by_scope", [False, True], ids=["task-cancelled", "scope-cancelled"])
@pytest.mark.parametrize("held", ["handler", "commit"])
def test_a_cancelled_request_ends_once_its_work_has_committed_and_its_hooks_ran(
    kernel_app: FastAPI, client: TestClient, writer: dict, held: str, by_scope: bool
) -> None:
    """A client gone or a server shutting down cancels the request, not its work: the handler
    or commit in a worker thread goes on, so the session must not be closed under it from
    another thread, nor its admission place given to another request, nor the cache drops
    after its commit skipped. The route waits for it, then ends cancelled."""
    outcome = _cancel_held(client, kernel_app, writer, held=held, by_scope=by_scope)
    assert outcome.ended_early is False
    assert outcome.gate_held is True
    # An anyio scope cancels its task again at every turn of the loop until it is shielded.
    assert outcome.cancels == 1
    assert outcome.cancelled is True
    assert widget_count(client, writer) == 1  # committed
    assert kernel_app.state.hook_on_loop is True  # and its hooks ran


def test_a_cancelled_request_whose_commit_fails_ends_cancelled_with_no_hook_run(
    kernel_app: FastAPI, client: TestClient, writer: dict, caplog: pytest.LogCaptureFixture
) -> None:
    outcome = _cancel_held(client, kernel_app, writer, held="commit", by_scope=False, fails=True)
    assert outcome.ended_early is False
    assert outcome.gate_held is True
    assert outcome.cancels == 1
    assert outcome.cancelled is True
    assert widget_count(client, writer) == 0
    assert getattr(kernel_app.state, "hook_on_loop", None) is None  # no hook ran
    # Nobody gets an answer: the failure is logged.
    failed = [r for r in caplog.records if r.name == "services.unitofwork"]
    assert [(r.levelname, r.getMessage()) for r in failed] == [
        ("ERROR", "a cancelled request's work failed")
    ]
    assert failed[0].exc_info is not None and str(failed[0].exc_info[1]) == "the commit failed"


def test_a_cancelled_request_refused_by_its_handler_is_rolled_back_and_not_logged(
    kernel_app: FastAPI, client: TestClient, writer: dict, caplog: pytest.LogCaptureFixture
) -> None:
    """A refusal (a problem the app answers) is no failure of the work: nothing to log."""
    outcome = _cancel_held(client, kernel_app, writer, held="handler", by_scope=False, fails=True)
    assert outcome.ended_early is False
    assert outcome.cancelled is True
    assert widget_count(client, writer) == 0
    assert [r for r in caplog.records if r.name == "services.unitofwork"] == []


class _CountingGate(asyncio.Semaphore):
    """A gate that counts the requests waiting at it."""

    waiting = 0

    async def acquire(self) -> Literal[True]:
        if self.locked():
            self.waiting += 1
        return await super().acquire()


def test_a_request_cancelled_while_it_waits_for_admission_does_nothing(
    kernel_app: FastAPI, client: TestClient, writer: dict
) -> None:
    """Its work has not begun: it must not run later, for no one, behind the work it waited on."""
    started, release = threading.Event(), threading.Event()
    kernel_app.state.hold_handler = (started, release, False)
    gate = kernel_app.state.admission = _CountingGate(1)

    async def cancel_the_queued_one() -> bool:
        transport = httpx.ASGITransport(app=kernel_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kernel") as http:
            first = asyncio.create_task(_post(http, writer, "admitted"))
            try:
                assert await anyio.to_thread.run_sync(started.wait, 10)
                queued = asyncio.create_task(_post(http, writer, "queued"))
                await asyncio.sleep(0.1)  # it reaches the gate and waits there
                assert gate.waiting == 1
                queued.cancel()
                await asyncio.sleep(0.05)
                ended = queued.done()
            finally:
                release.set()
            assert (await first).status_code == 201
            with contextlib.suppress(asyncio.CancelledError):
                await queued
            return ended

    assert client.portal is not None
    ended_at_once = client.portal.call(cancel_the_queued_one)
    del kernel_app.state.hold_handler
    assert ended_at_once is True
    assert widget_count(client, writer) == 1  # the admitted request's only


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
