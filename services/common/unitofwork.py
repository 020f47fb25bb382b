"""One unit of work per request: the route commits once after its handler, or nothing.

Services flush and never commit. Every router is built with `route_class=UnitOfWorkRoute`;
after the handler returns a successful response the route runs the hooks registered for
it (the idempotency claim stores the answer), commits the request's session once (in a
worker thread) and then runs the after-commit hooks (cache invalidations) on the event loop.
On any error, or an error response, nothing commits: closing the session, which ends the
work, rolls it back (the idempotency claim, a row of the same transaction, goes with it).
The work ends before the answer is sent; a request cancelled meanwhile ends once it has.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

_STATE_KEY = "unit_of_work"
log = logging.getLogger("services.unitofwork")


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
    """A route that commits its request's session once after the handler, or nothing."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def serve(request: Request) -> Response:
            uow = UnitOfWork()
            setattr(request.state, _STATE_KEY, uow)
            async with _dependencies_closed_here(request):
                response = await handler(request)
                if response.status_code < 400:
                    await run_in_threadpool(uow.commit, response)
                    uow.committed()
            return response

        async def run(request: Request) -> Response:
            gate: asyncio.Semaphore | None = getattr(request.app.state, "admission", None)
            async with gate if gate is not None else contextlib.nullcontext():
                work = asyncio.ensure_future(serve(request))
                try:
                    return await asyncio.shield(work)
                except asyncio.CancelledError:
                    await _outlive(work, request)
                    raise

        return run


# Where FastAPI keeps the request's dependencies to close (fastapi/routing.py, request_response).
_DEPENDENCY_STACKS = ("fastapi_inner_astack", "fastapi_function_astack")


@contextlib.asynccontextmanager
async def _dependencies_closed_here(request: Request) -> AsyncIterator[None]:
    """Close the request's dependencies (its session: rolled back unless committed) in the
    work's task, when the work ends.

    FastAPI keeps them on exit stacks of the task that called the route, closed after the answer
    is sent, and enters anyio cancel scopes on them, which must be left in the task that entered
    them. So here a request's dependencies are closed before its answer is sent, whatever
    their declared scope: a streaming body or a background task opens its own session (as the
    public ledger's downloads and the rating batches do), and a server-sent-events route cannot
    be a `UnitOfWorkRoute`.
    """
    async with contextlib.AsyncExitStack() as stack:
        for key in _DEPENDENCY_STACKS:
            request.scope[key] = stack
        yield


async def _outlive(work: asyncio.Future[Response], request: Request) -> None:
    """Wait for a cancelled request's unit of work to end, without cancelling it.

    Its handler, commit or rollback runs in a worker thread: its session must not be closed
    meanwhile from another thread, nor its admission place given to another request. So a
    request cancelled once admitted (a client gone, a server shutting down) ends once its work
    has, committed with its after-commit hooks run, or rolled back (a failure it would have
    answered as a 500 is logged); one cancelled while it waits for admission does nothing. The
    shielded scope keeps an anyio cancellation from being delivered again at every wait; a
    native one is delivered once per `cancel()`.
    """
    while not work.done():
        with contextlib.suppress(asyncio.CancelledError), anyio.CancelScope(shield=True):
            await asyncio.wait({work})
    error = None if work.cancelled() else work.exception()
    if error is not None and not _answered(request, error):
        log.error("a cancelled request's work failed", exc_info=error)


def _answered(request: Request, error: BaseException) -> bool:
    """Whether the app answers `error` with a handler of its own (a problem, a replay), not as an
    unexpected error: a refusal is no failure of the work, and a cancelled one is not logged."""
    handlers = request.app.exception_handlers
    return any(kind in handlers for kind in type(error).__mro__ if kind is not Exception)


UnitOfWorkDep = Annotated[UnitOfWork, Depends(require_unit_of_work)]
