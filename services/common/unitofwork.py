"""One unit of work per request: the route commits once after its handler, or rolls back.

Services flush and never commit. Every router is built with `route_class=UnitOfWorkRoute`;
after the handler returns a successful response the route runs the hooks registered for
it (the idempotency claim stores the answer), commits the request's session once (in a
worker thread) and then runs the after-commit hooks (cache invalidations) on the event loop.
On any error, or an error response, it rolls back (the idempotency claim, a row of the same
transaction, goes with it).
"""

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

_STATE_KEY = "unit_of_work"


class UnitOfWork:
    """The request's session and what must happen when it commits or fails."""

    def __init__(self) -> None:
        self.session: Session | None = None
        self._before_commit: list[Callable[[Session, Response], None]] = []
        self._after_commit: list[Callable[[], None]] = []

    def before_commit(self, hook: Callable[[Session, Response], None]) -> None:
        """Run `hook(session, response)` in the transaction, just before it commits."""
        self._before_commit.append(hook)

    def after_commit(self, hook: Callable[[], None]) -> None:
        """Run `hook()` once the transaction has committed, on the event loop (it must not block)."""
        self._after_commit.append(hook)

    def commit(self, response: Response) -> None:
        """Store what must be stored with the response and commit, once."""
        if self.session is None:
            return
        for hook in self._before_commit:
            hook(self.session, response)
        self.session.commit()

    def committed(self) -> None:
        """Run the after-commit hooks, on the event loop: the caches they drop are read and
        filled there, so a drop cannot land between a lookup's check and its store."""
        for after in self._after_commit:
            after()

    def fail(self) -> None:
        """Roll back the request's work."""
        if self.session is None:
            return
        self.session.rollback()


def unit_of_work(request: Request) -> UnitOfWork | None:
    """The unit of work of a request served by a `UnitOfWorkRoute`, if any."""
    uow: UnitOfWork | None = getattr(request.state, _STATE_KEY, None)
    return uow


def require_unit_of_work(request: Request) -> UnitOfWork:
    """The request's unit of work; a route that needs one must be a `UnitOfWorkRoute`."""
    uow = unit_of_work(request)
    if uow is None:
        raise RuntimeError(f"{request.url.path} is not served by a UnitOfWorkRoute")
    return uow


# Worker threads kept for what is not a request (feed consumers, periodic jobs).
RESERVED_THREADS = 8


def admission_gate(connections: int, threads: int) -> asyncio.Semaphore:
    """How many requests may do database work at once: no more than the pool has connections,
    and fewer than the worker threads (`threads`, anyio's limiter), so one is always free.

    A request runs its dependencies, handler and commit as separate calls into the worker
    threads (40 by default). Without a gate, under contention every thread can be held by a
    request waiting for a row lock or a pooled connection while the request holding them waits
    for a thread to commit: nothing moves until a 30 s timeout. Admitted requests never exceed
    the pool, so a holder always finds a thread; the others wait here, on the event loop.
    """
    return asyncio.Semaphore(max(1, min(connections, threads - RESERVED_THREADS)))


class UnitOfWorkRoute(APIRoute):
    """A route that commits its request's session once after the handler, or rolls back."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            uow = UnitOfWork()
            setattr(request.state, _STATE_KEY, uow)
            gate: asyncio.Semaphore | None = getattr(request.app.state, "admission", None)
            async with gate if gate is not None else contextlib.nullcontext():
                try:
                    response = await handler(request)
                    if response.status_code >= 400:
                        await run_in_threadpool(uow.fail)
                    else:
                        await _commit(uow, response)
                except Exception:
                    await run_in_threadpool(uow.fail)
                    raise
            return response

        return run


async def _commit(uow: UnitOfWork, response: Response) -> None:
    """Commit in a worker thread, then run the after-commit hooks on the event loop.

    A request cancelled meanwhile (a server shutting down) still waits for its commit to end:
    its session is closed after the commit, never during it in another thread, and what
    committed has its hooks run before the cancellation goes on.
    """
    commit = asyncio.ensure_future(run_in_threadpool(uow.commit, response))
    try:
        await asyncio.shield(commit)
    except asyncio.CancelledError:
        while not commit.done():  # asyncio.wait neither cancels the commit nor raises its error
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait({commit})
        if not commit.cancelled() and commit.exception() is None:
            uow.committed()
        raise
    uow.committed()


UnitOfWorkDep = Annotated[UnitOfWork, Depends(require_unit_of_work)]
