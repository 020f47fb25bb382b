"""RFC 9457 problem responses: one exception base, one set of handlers."""

import logging
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any, Self

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import Send

from services.common.links import link
from services.common.requestctx import current_request_id

log = logging.getLogger("services.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://errors.taiyuan-sme.example/"


class FieldError(BaseModel):
    """One rule one field broke."""

    field: str = Field(description="Dotted path of the field, e.g. `body.uscc`.")
    code: str = Field(description="Stable machine-readable rule name, e.g. `invalid_uscc`.")
    message: str = Field(description="What is wrong, for a person.")


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": PROBLEM_TYPE_BASE + "validation_failed",
                    "title": "Unprocessable Content",
                    "status": 422,
                    "detail": "The request has 1 invalid field.",
                    "instance": "/v1/enterprises",
                    "code": "validation_failed",
                    "errors": [
                        {
                            "field": "body.uscc",
                            "code": "invalid_uscc",
                            "message": "check character wrong",
                        }
                    ],
                    "request_id": "req_01J9Z3X7Q6T8V4N2M5K1H0G9F8",
                }
            ]
        }
    )

    type: str = Field(description="URI naming the problem kind.")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str = Field(description="Stable machine-readable code.")
    errors: list[FieldError] = Field(default_factory=list)
    request_id: str | None = None


class DomainError(Exception):
    """A failure the caller can act on; the handler turns it into a problem response."""

    status: int = 400
    code: str = "bad_request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        title: str | None = None,
        errors: Sequence[FieldError] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail or code or self.code)
        self.detail = detail
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.title = title or HTTPStatus(self.status).phrase
        self.errors = list(errors)
        self.headers = dict(headers or {})

    @classmethod
    def for_field(cls, field: str, message: str, *, detail: str | None = None) -> Self:
        """This problem naming the one field that broke its rule (the code is the rule)."""
        return cls(
            detail or message, errors=[FieldError(field=field, code=cls.code, message=message)]
        )


class BadRequest(DomainError):
    """The request is malformed or misses something the operation needs."""

    status, code = 400, "bad_request"


class Unauthorized(DomainError):
    """The caller is not authenticated."""

    status, code = 401, "unauthorized"


class Forbidden(DomainError):
    """The caller may not do this."""

    status, code = 403, "forbidden"


class NotFound(DomainError):
    """No such resource that the caller may see."""

    status, code = 404, "not_found"


class Conflict(DomainError):
    """The request conflicts with the resource's current state."""

    status, code = 409, "conflict"


class PreconditionFailed(DomainError):
    """A precondition (`If-Match`) does not hold."""

    status, code = 412, "precondition_failed"


class Unprocessable(DomainError):
    """The request is well-formed but breaks a rule."""

    status, code = 422, "validation_failed"


class PreconditionRequired(DomainError):
    """The operation needs a precondition (`If-Match`)."""

    status, code = 428, "precondition_required"


class TooManyRequests(DomainError):
    """The caller went over a rate limit; `Retry-After` says when to come back."""

    status, code = 429, "too_many_requests"


class PayloadTooLarge(DomainError):
    """The request body is larger than its route accepts."""

    status, code = 413, "payload_too_large"


class HeadersTooLarge(DomainError):
    """The request carries too many headers or too many header bytes."""

    status, code = 431, "headers_too_large"


class InternalError(DomainError):
    """An unexpected failure; logged with the request id, never detailed to the caller."""

    status, code = 500, "internal_error"


class ServiceNotReady(DomainError):
    """The database is unreachable or its migrations are not current."""

    status, code = 503, "not_ready"


class NulCharacter(Unprocessable):
    """A text field contains a NUL character (U+0000)."""

    code = "nul_character"


class ValueNotStorable(Unprocessable):
    """A value the schema let through is beyond what the database can store."""

    code = "value_not_storable"


class InvalidCursor(Unprocessable):
    """The `cursor` is not one this list handed out."""

    code = "invalid_cursor"


class MissingToken(Unauthorized):
    """The call carries no internal token from the gateway."""

    code = "missing_token"


class TokenRejected(Unauthorized):
    """The internal token is malformed, badly signed, expired or for another service."""

    code = "invalid_token"


class InsufficientScope(Forbidden):
    """The caller lacks a scope the operation needs."""

    code = "insufficient_scope"


class ForbiddenClientKind(Forbidden):
    """Clients of the caller's kind may not do this."""

    code = "forbidden_client_kind"


class NotYourDepartment(Forbidden):
    """A department acts only on its own records."""

    code = "not_your_department"


class OutsideRemit(Forbidden):
    """A department changes only the fields and files only the records its remit names."""

    code = "outside_remit"


class IrreversibleOnBehalf(Forbidden):
    """An action that cannot be undone is never taken on behalf of an enterprise."""

    code = "irreversible_on_behalf"


class DepartmentRequired(Unprocessable):
    """The operation needs a (different) department named."""

    code = "department_required"


class FuturePeriod(Unprocessable):
    """The year or quarter has not begun yet."""

    code = "future_period"


class IfMatchRequired(PreconditionRequired):
    """An update needs the resource's current ETag in `If-Match`."""

    code = "if_match_required"


class StaleEtag(PreconditionFailed):
    """The resource changed since the caller read it."""

    code = "stale_etag"


class IdempotencyKeyRequired(BadRequest):
    """The operation needs an `Idempotency-Key` header."""

    code = "idempotency_key_required"


class IdempotencyKeyReused(Unprocessable):
    """The `Idempotency-Key` was used before with a different request."""

    code = "idempotency_key_reused"


class IdempotencyInProgress(Conflict):
    """A request with this `Idempotency-Key` is still being processed."""

    code = "idempotency_in_progress"


class IdempotencyRetry(Conflict):
    """A request with this `Idempotency-Key` just finished; retry to get its answer."""

    code = "idempotency_retry"


def problem_document(
    *,
    status: int,
    code: str,
    title: str | None = None,
    detail: str | None = None,
    instance: str | None = None,
    errors: Iterable[FieldError] = (),
    request_id: str | None = None,
) -> dict[str, Any]:
    """The one builder of problem documents: every problem answer is made here."""
    return {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
        "errors": [error.model_dump() for error in errors],
        "request_id": request_id,
    }


def problem_body(**fields: Any) -> bytes:
    """A problem document (see `problem_document`) as JSON bytes, for ASGI-level answers."""
    return orjson.dumps(problem_document(**fields))


def problem_response(
    request: Request,
    *,
    status: int,
    code: str,
    title: str | None = None,
    detail: str | None = None,
    errors: Iterable[FieldError] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response for this request."""
    body = problem_document(
        status=status,
        code=code,
        title=title,
        detail=detail,
        instance=link(request.scope, request.url.path),
        errors=errors,
        request_id=current_request_id(),
    )
    return JSONResponse(
        body,
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(headers or {}),
    )


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
}


def _location(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc)


def _rule(error: Mapping[str, Any]) -> str:
    rule = str(error.get("type", "invalid"))
    ctx = error.get("ctx") or {}
    if isinstance(ctx, Mapping) and ctx.get("error") and rule == "value_error":
        code = getattr(ctx["error"], "code", None)
        if isinstance(code, str):
            return code
    return rule


def validation_errors(exc: RequestValidationError) -> list[FieldError]:
    """Pydantic's errors as field errors: path, rule, message."""
    out: list[FieldError] = []
    for error in exc.errors():
        message = str(error.get("msg", "invalid value"))
        out.append(
            FieldError(field=_location(error.get("loc", ())), code=_rule(error), message=message)
        )
    return out


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem_response(
        request,
        status=exc.status,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        errors=exc.errors,
        headers=exc.headers,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = validation_errors(exc)
    fields = ", ".join(sorted({e.field for e in errors}))
    return problem_response(
        request,
        status=Unprocessable.status,
        code=Unprocessable.code,
        detail=f"The request has {len(errors)} invalid field(s): {fields}.",
        errors=errors,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else None
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No resource at {request.url.path}."
    return problem_response(
        request,
        status=exc.status_code,
        code=_HTTP_CODES.get(exc.status_code, "http_error"),
        detail=detail,
        headers=getattr(exc, "headers", None),
    )


def log_unexpected(method: str, path: str, exc: BaseException) -> None:
    """Log an unexpected exception with its traceback (never shown to the caller)."""
    log.error(
        "unhandled error on %s %s", method, path, exc_info=(type(exc), exc, exc.__traceback__)
    )


def internal_error_body(path: str, request_id: str | None) -> bytes:
    """The 500 problem document: no internals, just the request id to quote."""
    return problem_body(
        status=InternalError.status,
        code=InternalError.code,
        detail="An unexpected error occurred; it has been logged with this request id.",
        instance=path,
        request_id=request_id,
    )


async def send_problem(send: Send, body: bytes, status: int = 500) -> None:
    """Send a problem document at the ASGI level."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    # Fallback for apps without RequestContextMiddleware, which normally answers first.
    log_unexpected(request.method, request.url.path, exc)
    return Response(
        internal_error_body(link(request.scope, request.url.path), current_request_id()),
        status_code=500,
        media_type=PROBLEM_MEDIA_TYPE,
    )


async def _unstorable_value(request: Request, exc: Exception) -> JSONResponse:
    # Last line of defence: a value the schema let through but the database cannot store
    # (a number beyond its column's range). Nothing was written: the transaction failed.
    log.warning("database refused a value on %s %s: %s", request.method, request.url.path, exc)
    return problem_response(
        request,
        status=ValueNotStorable.status,
        code=ValueNotStorable.code,
        detail="A value in the request is outside what can be stored (e.g. a number too large).",
    )


async def _client_gone(request: Request, exc: Exception) -> Response:
    # The caller hung up mid-body: not an error; the answer goes nowhere (nginx's 499).
    log.info("caller hung up on %s %s", request.method, request.url.path[:256])
    return Response(status_code=499)


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error of `app` answer as problem+json."""
    app.add_exception_handler(ClientDisconnect, _client_gone)
    app.add_exception_handler(DataError, _unstorable_value)
    app.add_exception_handler(OverflowError, _unstorable_value)  # SQLite: int beyond 64 bits
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries with the Problem model for these statuses."""
    return {
        status: {
            "model": Problem,
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
