"""Problem answers built on the hot path without FastAPI, by the kernel's one builder."""

from collections.abc import Iterable

from services.common.errors import PROBLEM_MEDIA_TYPE, problem_body

Headers = list[tuple[bytes, bytes]]
_CONTENT_TYPE = (b"content-type", PROBLEM_MEDIA_TYPE.encode())


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    instance: str | None,
    request_id: str,
    headers: Iterable[tuple[bytes, bytes]] = (),
) -> tuple[int, Headers, bytes]:
    """Status, headers and body of an RFC 9457 problem."""
    body = problem_body(
        status=status, code=code, detail=detail, instance=instance, request_id=request_id
    )
    out: Headers = [
        _CONTENT_TYPE,
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", request_id.encode()),
        *headers,
    ]
    return status, out, body
