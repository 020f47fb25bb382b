"""The gateway app: FastAPI for its own routes, a bare ASGI handler for the proxied ones.

Start: `uvicorn gateway.app:create_app --factory --port 8000` (settings: `GATEWAY_*`).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway import listeners, operations
from gateway.auth import oauth
from gateway.clients import router as clients
from gateway.delegations import router as delegations
from gateway.openapi.aggregator import SpecAggregator
from gateway.proxy.handler import ProxyHandler
from gateway.proxy.problems import problem
from gateway.runtime import Gateway
from gateway.settings import GatewaySettings
from services.common.bodylimit import BodyLimitMiddleware, headers_problem
from services.common.errors import install_problem_handlers, send_problem
from services.common.ids import new_id
from services.common.inputguard import RejectNulMiddleware
from services.common.migrations import upgrade_to_head
from services.common.observability import RequestContextMiddleware, configure_logging
from services.common.openapi import annotate_requirements, declare_headers, readable_names

DESCRIPTION = """The single front door of the Taiyuan SME innovation platform.

Authenticate with an API key (`Authorization: Bearer <key>` or `X-API-Key`) or an OAuth 2.0
access token from `POST /oauth/token` (client credentials). Service routes are prefixed with
the service name: `/registry/v1/...`, `/credit/v1/...`, `/vouchers/v1/...`, `/funding/v1/...`.
Portals act for an enterprise by naming its USCC in `X-On-Behalf-Of` (scope `on_behalf`),
within a live delegation the enterprise granted (`/v1/delegations`).
Every answer carries `X-Request-ID`; limited routes carry `RateLimit-Policy` and `RateLimit`.
Errors are RFC 9457 problems (the token endpoint answers RFC 6749 §5.2 errors).
"""


class GatewayApp:
    """The ASGI app: `/{service}/...` goes straight to the proxy handler (no framework layers
    on the hot path), everything else to the FastAPI app, whose attributes this one exposes."""

    def __init__(
        self,
        api: FastAPI,
        *,
        proxy: ProxyHandler,
        cors: ASGIApp | None = None,
        admin_port: int | None = None,
        max_target: int = 4096,
        max_headers: int = 100,
        max_header_bytes: int = 16 * 1024,
    ) -> None:
        self.api = api
        self.max_target = max_target
        self.max_headers = max_headers
        self.max_header_bytes = max_header_bytes
        self.proxy: ASGIApp = cors or proxy
        self.services = frozenset(proxy.upstreams)
        self.admin_port = admin_port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            target = len(scope.get("raw_path") or scope["path"]) + len(scope["query_string"])
            if target > self.max_target:
                # Before any lookup, cache or log line holds the caller's path.
                await _uri_too_long(send, self.max_target)
                return
            refused = headers_problem(
                scope["headers"], max_headers=self.max_headers, max_bytes=self.max_header_bytes
            )
            if refused is not None:
                await send_problem(send, refused, 431)
                return
        if self.admin_port is not None and scope["type"] in ("http", "websocket"):
            server = scope.get("server")
            if server is not None and server[1] == self.admin_port:
                await listeners.dispatch_admin(self.api, scope, receive, send)
                return
            if listeners.is_admin_path(scope["path"], listeners.ADMIN_ONLY):
                await listeners.not_here(scope, send)
                return
        if scope["type"] == "http":
            path: str = scope["path"]
            end = path.find("/", 1)
            if end > 0 and path[1:end] in self.services:
                await self.proxy(scope, receive, send)
                return
        await self.api(scope, receive, send)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.api, name)


async def _uri_too_long(send: Send, limit: int) -> None:
    request_id = new_id("req")
    status, headers, body = problem(
        414,
        "uri_too_long",
        f"The request path and query may be at most {limit} bytes.",
        instance=None,  # the path itself is what is too long to repeat
        request_id=request_id,
    )
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def create_app(settings: GatewaySettings | None = None) -> GatewayApp:
    """Build the gateway (keys, pools and caches are made once, here and in the lifespan)."""
    settings = settings or GatewaySettings()
    configure_logging(settings.log_level, json=settings.log_json)
    gateway = Gateway(settings)
    admin: list[listeners.AdminListener] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            await anyio.to_thread.run_sync(
                upgrade_to_head, "gateway", operations.MIGRATIONS, gateway.database
            )
        await gateway.start()
        for listener in admin:
            await listener.start()
        try:
            yield
        finally:
            for listener in admin:
                await listener.stop()
            await gateway.stop()

    app = FastAPI(
        title="Taiyuan SME platform API",
        description=DESCRIPTION,
        version="1.0.0",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,
    )
    app.state.gateway = gateway
    app.state.settings = settings
    app.state.database = gateway.database
    install_problem_handlers(app)
    app.include_router(operations.router)
    app.include_router(oauth.router)
    app.include_router(clients.router)
    app.include_router(delegations.router)

    def own_spec() -> dict[str, Any]:
        spec = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=[
                {"name": "clients", "description": "Partner clients, API keys, OAuth secrets."},
                {"name": "delegations", "description": "Portals acting for enterprises."},
                {"name": "oauth", "description": "OAuth 2.0 client credentials."},
                {"name": "operations", "description": "Keys, OpenAPI, health, metrics."},
            ],
            separate_input_output_schemas=False,
        )
        annotate_requirements(spec, app.routes)
        return declare_headers(readable_names(spec))

    gateway.specs = SpecAggregator(
        upstreams={name: upstream.base_url for name, upstream in gateway.upstreams.items()},
        own_spec=own_spec,
        token_url=settings.public_url.rstrip("/") + "/oauth/token",
        public_url=settings.public_url,
        cache_dir=settings.openapi_cache_dir,
        refresh_seconds=settings.openapi_refresh_seconds,
    )
    app.add_middleware(RejectNulMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        default=settings.max_body_bytes,
        max_headers=settings.max_headers,
        max_header_bytes=settings.max_header_bytes,
    )
    app.add_middleware(RequestContextMiddleware, service="gateway")
    cors: ASGIApp | None = None
    if settings.cors_origins:
        options: dict[str, Any] = {
            "allow_origins": settings.cors_origins,
            "allow_methods": ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            "allow_headers": [
                "Authorization",
                "X-API-Key",
                "Content-Type",
                "Idempotency-Key",
                "If-Match",
                "X-On-Behalf-Of",
                "X-Request-ID",
                "traceparent",
            ],
            "expose_headers": [
                "X-Request-ID",
                "ETag",
                "RateLimit",
                "RateLimit-Policy",
                "Retry-After",
            ],
            "max_age": 600,
        }
        app.add_middleware(CORSMiddleware, **options)
        cors = CORSMiddleware(gateway.proxy, **options)
    admin_port = None
    if settings.admin_listen:
        admin_port = listeners.split_address(settings.admin_listen)[1]
    outer = GatewayApp(
        app,
        proxy=gateway.proxy,
        cors=cors,
        admin_port=admin_port,
        max_target=settings.max_target_bytes,
        max_headers=settings.max_headers,
        max_header_bytes=settings.max_header_bytes,
    )
    if settings.admin_listen:
        admin.append(
            listeners.AdminListener(outer, settings.admin_listen, log_level=settings.log_level)
        )
    return outer
