"""The optional admin listener (`GATEWAY_ADMIN_LISTEN`): the admin API and metrics apart.

When set, the public listener no longer serves `/admin/…` or `/metrics` (404), and a second
listener in the same process — so it sees the same caches and counters — serves only those
and `/healthz`, `/readyz`. Bind it to an address only operators reach (a private interface,
a pod port without a Service); Prometheus then scrapes `/metrics` there without a credential.
"""

import asyncio
import contextlib
import os
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.auth.dependencies import ADMIN_LISTENER
from gateway.proxy.problems import problem

ADMIN_ONLY = ("/admin/", "/metrics")
ON_ADMIN_LISTENER = (*ADMIN_ONLY, "/healthz", "/readyz")


def split_address(address: str) -> tuple[str, int]:
    """`host:port` → (host, port)."""
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)


def is_admin_path(path: str, allowed: tuple[str, ...]) -> bool:
    """Whether `path` is one of the listener's paths (a prefix ending in / or an exact path)."""
    return any(path.startswith(p) if p.endswith("/") else path == p for p in allowed)


async def not_here(scope: Scope, send: Send) -> None:
    """A 404 problem: this path is served on the other listener."""
    status, headers, body = problem(
        404,
        "not_found",
        f"No route at {scope['path']}.",
        instance=scope["path"],
        request_id="req_" + os.urandom(12).hex(),
    )
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The public server owns the process's signals; this one stops with it.
        yield


class AdminListener:
    """A second uvicorn server on the same event loop, started and stopped by the lifespan."""

    def __init__(self, app: ASGIApp, address: str, *, log_level: str) -> None:
        host, port = split_address(address)
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            lifespan="off",
            access_log=False,
            proxy_headers=False,
            log_level=log_level.lower(),
        )
        self.server = _Server(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Bind and serve; raises if the address cannot be bound."""
        self._task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError("the admin listener stopped at start")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        """Stop serving and wait for it."""
        self.server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task


def mark_admin(scope: Scope) -> Scope:
    """The scope, marked as received on the admin listener (metrics need no credential)."""
    return {**scope, ADMIN_LISTENER: True}


async def dispatch_admin(api: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Serve a request that arrived on the admin listener."""
    if scope["type"] == "http" and not is_admin_path(scope["path"], ON_ADMIN_LISTENER):
        await not_here(scope, send)
        return
    await api(mark_admin(scope), receive, send)
