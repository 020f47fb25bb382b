"""Refuse NUL characters anywhere in a request: PostgreSQL text cannot hold them.

Checked once at the edge of every app, so no route can turn one into a database error.
"""

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.errors import FieldError, NulCharacter, problem_body, send_problem
from services.common.links import link
from services.common.requestctx import current_request_id

MAX_INSPECTED_BODY = 1 << 20  # larger JSON bodies are refused by the routes' own limits


def is_json(content_type: bytes) -> bool:
    """Whether a body of this type is parsed as JSON: `application/json` or any `…+json`."""
    media = content_type.split(b";")[0].strip().lower()
    return media == b"application/json" or (
        media.startswith(b"application/") and media.endswith(b"+json")
    )


def _nul_path(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _nul_path(key, path) if "\x00" in key else _nul_path(item, f"{path}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_path(item, f"{path}.{index}")
            if found:
                return found
    return None


def _query_field(query_string: bytes) -> str | None:
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return f"query.{name.replace(chr(0), '')}"
    return None


def _problem(path: str, field: str) -> bytes:
    return problem_body(
        status=NulCharacter.status,
        code=NulCharacter.code,
        detail=f"{field} contains a NUL character, which no text field accepts.",
        instance=path,
        errors=[
            FieldError(field=field, code=NulCharacter.code, message="NUL (U+0000) is not allowed")
        ],
        request_id=current_request_id(),
    )


class RejectNulMiddleware:
    """422 for a NUL in the path, the query or a JSON body; other requests pass untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"]:
            await send_problem(send, _problem(link(scope, scope["path"]), "path"), 422)
            return
        query: bytes = scope.get("query_string", b"")
        if b"%00" in query.lower() or b"\x00" in query:
            await send_problem(
                send, _problem(link(scope, scope["path"]), _query_field(query) or "query"), 422
            )
            return
        content_type = dict(scope.get("headers", ())).get(b"content-type", b"")
        if not is_json(content_type):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more and size <= MAX_INSPECTED_BODY:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], None), send)
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if b"\\u0000" in body or b"\x00" in body:
            try:
                nul_at = _nul_path(json.loads(body), "body")
            except ValueError:
                nul_at = None  # not JSON: the route answers that itself
            if nul_at is not None:
                await send_problem(send, _problem(link(scope, scope["path"]), nul_at), 422)
                return
        first: Message = {"type": "http.request", "body": body, "more_body": more}
        await self.app(scope, _replay([first], receive if more else None), send)


def _replay(messages: list[Message], rest: Receive | None) -> Receive:
    """A receive that gives back what was already read, then the rest of the stream."""
    queue = list(messages)

    async def receive() -> Message:
        if queue:
            return queue.pop(0)
        if rest is not None:
            return await rest()
        return {"type": "http.disconnect"}

    return receive
