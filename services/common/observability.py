"""Request ids, JSON logs and Prometheus metrics, at the ASGI level (cheap per request)."""

import logging
import sys
import time
from typing import Any

from prometheus_client import Counter, Histogram
from pythonjsonlogger.json import JsonFormatter
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.errors import internal_error_body, log_unexpected, send_problem
from services.common.ids import new_id
from services.common.links import link
from services.common.requestctx import current_request_id, reset_request_id, set_request_id

REQUESTS = Counter(
    "http_requests_total", "HTTP requests served", ["service", "method", "route", "status"]
)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency",
    ["service", "route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

access_log = logging.getLogger("access")
log = logging.getLogger("services.request")
MAX_LOGGED = 256  # characters of a caller-chosen value in a log line


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


def configure_logging(level: str = "INFO", *, json: bool = True) -> None:
    """Send logs to stderr, as JSON lines carrying the request id."""
    handler = logging.StreamHandler(sys.stderr)
    if json:
        handler.setFormatter(
            JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s")
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def valid_request_id(value: str | None) -> bool:
    """Whether a caller's request id is safe to reuse (short, printable)."""
    return value is not None and 0 < len(value) <= 128 and value.isascii() and value.isprintable()


class RequestContextMiddleware:
    """Takes or makes `X-Request-ID`, echoes it, logs the request and counts it."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = (
            incoming if incoming is not None and valid_request_id(incoming) else new_id("req")
        )
        token = set_request_id(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        started_response = False
        hung_up = False

        async def send_tracked(message: Message) -> None:
            nonlocal started_response
            started_response = started_response or message["type"] == "http.response.start"
            await send_with_id(message)

        async def receive_tracked() -> Message:
            nonlocal hung_up
            message = await receive()
            hung_up = hung_up or message["type"] == "http.disconnect"
            return message

        try:
            await self.app(scope, receive_tracked, send_tracked)
        except Exception as exc:
            if hung_up or isinstance(exc, ClientDisconnect):
                # The caller went away (nginx's 499): nothing failed here, no one to answer.
                status = 499
                log.info("caller hung up on %s %s", scope["method"], scope["path"][:MAX_LOGGED])
                return
            log_unexpected(scope["method"], scope["path"], exc)
            if started_response:
                raise
            status = 500
            await send_problem(
                send_with_id, internal_error_body(link(scope, scope["path"]), request_id)
            )
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            REQUESTS.labels(self.service, scope["method"], template, str(status)).inc()
            LATENCY.labels(self.service, template).observe(elapsed)
            principal: Any = getattr(scope.get("state", {}).get("principal"), "client_id", None)
            access_log.info(
                "request",
                extra={
                    "service": self.service,
                    "method": scope["method"],
                    "path": scope["path"][:MAX_LOGGED],
                    "route": template,
                    "status": status,
                    "latency_ms": round(elapsed * 1000, 2),
                    "client": principal,
                },
            )
            reset_request_id(token)
