"""Bounded requests: headers (count and bytes) and bodies, per route class, counted as they stream.

A declared `Content-Length` over the limit is refused before a byte is read; a chunked body
is counted as it arrives and refused the moment it passes the limit, so no app ever holds
more than the limit of one request in memory.
"""

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.errors import (
    HeadersTooLarge,
    PayloadTooLarge,
    problem_body,
    send_problem,
)
from services.common.links import link
from services.common.requestctx import current_request_id

MIB = 1 << 20


def limit_for(path: str, default: int, limits: Mapping[str, int]) -> int:
    """The body limit of a path: the longest matching prefix in `limits`, else `default`."""
    best, chosen = -1, default
    for prefix, limit in limits.items():
        if path.startswith(prefix) and len(prefix) > best:
            best, chosen = len(prefix), limit
    return chosen


def too_large_body(path: str, limit: int) -> bytes:
    """The 413 problem for a body over `limit` bytes."""
    return problem_body(
        status=PayloadTooLarge.status,
        code=PayloadTooLarge.code,
        detail=f"The request body may be at most {limit} bytes on this route.",
        instance=path,
        request_id=current_request_id(),
    )


def headers_problem(
    headers: list[tuple[bytes, bytes]], *, max_headers: int, max_bytes: int
) -> bytes | None:
    """The 431 problem for too many or too large request headers, else None."""
    size = sum(len(name) + len(value) for name, value in headers)
    if len(headers) <= max_headers and size <= max_bytes:
        return None
    return problem_body(
        status=HeadersTooLarge.status,
        code=HeadersTooLarge.code,
        detail=f"A request may carry at most {max_headers} headers of {max_bytes} bytes in all.",
        request_id=current_request_id(),
    )


class BodyLimitMiddleware:
    """431 for too many or too large headers; 413 `payload_too_large` for a body over its
    route class's limit, declared or streamed."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        default: int = MIB,
        limits: Mapping[str, int] | None = None,
        max_headers: int = 100,
        max_header_bytes: int = 16 * 1024,
    ) -> None:
        self.app = app
        self.default = default
        self.limits = dict(limits or {})
        self.max_headers = max_headers
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_many = headers_problem(
            scope["headers"], max_headers=self.max_headers, max_bytes=self.max_header_bytes
        )
        if too_many is not None:
            await send_problem(send, too_many, 431)
            return
        limit = limit_for(scope["path"], self.default, self.limits)
        for key, value in scope["headers"]:
            # The server may pass on the whitespace around the value (httptools does).
            if key == b"content-length" and value.strip().isdigit() and int(value) > limit:
                await send_problem(send, too_large_body(link(scope, scope["path"]), limit), 413)
                return
        received = 0
        refused = False
        started = False

        async def counted() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        body = too_large_body(link(scope, scope["path"]), limit)
                        await send_problem(send, body, 413)
                    # The app sees a caller that went away; whatever it answers is dropped.
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not refused:
                raise
            # The app failed reading the body we cut off: the 413 is already the answer.
