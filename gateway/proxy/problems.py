"""Problem answers built on the hot path without FastAPI (same shape as services.common.errors)."""

from collections.abc import Iterable
from http import HTTPStatus

import orjson

from services.common.errors import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE

Headers = list[tuple[bytes, bytes]]
_CONTENT_TYPE = (b"content-type", PROBLEM_MEDIA_TYPE.encode())


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    instance: str,
    request_id: str,
    headers: Iterable[tuple[bytes, bytes]] = (),
) -> tuple[int, Headers, bytes]:
    """Status, headers and body of an RFC 9457 problem."""
    body = orjson.dumps(
        {
            "type": PROBLEM_TYPE_BASE + code,
            "title": HTTPStatus(status).phrase,
            "status": status,
            "detail": detail,
            "instance": instance,
            "code": code,
            "errors": [],
            "request_id": request_id,
        }
    )
    out: Headers = [
        _CONTENT_TYPE,
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", request_id.encode()),
        *headers,
    ]
    return status, out, body
