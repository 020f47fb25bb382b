"""One unit of work per request: the route commits once after its handler, or rolls back.

Services flush and never commit. Every router is built with `route_class=UnitOfWorkRoute`;
after the handler returns a successful response the route runs the hooks registered for
it (the idempotency claim stores the answer), commits the request's session once (in a
worker thread) and then runs the after-commit hooks (cache invalidations) on the event loop.
On any error, or an error response, it rolls back (the idempotency claim, a row of the same
transaction, goes with it). A request cancelled meanwhile ends once that work has.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

import anyio
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

        async def serve(request: Request) -> Response:
            uow = UnitOfWork()
            setattr(request.state, _STATE_KEY, uow)
            gate: asyncio.Semaphore | None = getattr(request.app.state, "admission", None)
            async with (
                gate if gate is not None else contextlib.nullcontext(),
                _dependencies_closed_here(request),
            ):
                try:
                    response = await handler(request)
                    if response.status_code >= 400:
                        await run_in_threadpool(uow.fail)
                    else:
                        await run_in_threadpool(uow.commit, response)
                        uow.committed()
                except Exception:
                    await run_in_threadpool(uow.fail)
                    raise
            return response

        async def run(request: Request) -> Response:
            work = asyncio.ensure_future(serve(request))
            try:
                return await asyncio.shield(work)
            except asyncio.CancelledError:
                await _outlive(work)
                raise

        return run


# Where FastAPI keeps the request's dependencies to close (fastapi/routing.py, request_response).
_DEPENDENCY_STACKS = ("fastapi_inner_astack", "fastapi_function_astack")


@contextlib.asynccontextmanager
async def _dependencies_closed_here(request: Request) -> AsyncIterator[None]:
    """Close the request's dependencies (its session) in this task, when its work ends.

    FastAPI keeps them on exit stacks of the task that called the route, and enters anyio
    cancel scopes on them, which must be left in the task that entered them: the work's task.
    The answer is fully built by then; the session is not needed to send it.
    """
    async with contextlib.AsyncExitStack() as stack:
        for key in _DEPENDENCY_STACKS:
            request.scope[key] = stack
        yield


async def _outlive(work: asyncio.Future[Response]) -> None:
    """Wait for a cancelled request's unit of work to end, without cancelling it.

    Its handler, commit or rollback runs in a worker thread: the session, closed when the
    request ends, must not be closed meanwhile from another thread, nor the admission gate
    opened to another request. So a request cancelled (a client gone, a server shutting down)
    ends once its work has, committed with its after-commit hooks run, or rolled back. The
    shielded scope keeps an anyio cancellation from being delivered again at every wait; a
    native one is delivered once per `cancel()`, and waited through.
    """
    while not work.done():
        with contextlib.suppress(asyncio.CancelledError), anyio.CancelScope(shield=True):
            await asyncio.wait({work})


UnitOfWorkDep = Annotated[UnitOfWork, Depends(require_unit_of_work)]
