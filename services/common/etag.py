"""ETags for mutable resources and the `If-Match` check on updates."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Request

from services.common.errors import (
    IfMatchRequired,
    StaleEtag,
)


def etag_of(resource_id: str, version: int) -> str:
    """The strong ETag of one version of a resource."""
    return f'"{resource_id}.{version}"'


def check_etag(if_match: str | None, current: str, *, required: bool = True) -> None:
    """Refuse an update whose `If-Match` value is stale (412) or, when required, missing (428)."""
    if if_match is None:
        if required:
            raise IfMatchRequired("Send the resource's current ETag in If-Match to update it.")
        return
    # RFC 9110 §13.1.1: If-Match uses the strong comparison, so a weak tag never matches.
    candidates = {value.strip() for value in if_match.split(",")}
    if "*" not in candidates and current not in candidates:
        raise StaleEtag("The resource has changed since you read it; fetch it again and retry.")


def check_if_match(request: Request, current: str, *, required: bool = True) -> None:
    """`check_etag` on the request's `If-Match` header."""
    check_etag(request.headers.get("if-match"), current, required=required)


REQUIRED_HEADER = "x-required-header"  # read by services.common.openapi: the header is required


class Precondition:
    """The request's `If-Match`, checked against a resource's current ETag when called."""

    def __init__(self, if_match: str | None, *, required: bool) -> None:
        self.if_match = if_match
        self.required = required

    def __call__(self, current: str) -> None:
        check_etag(self.if_match, current, required=self.required)


def if_match(*, required: bool = True) -> Callable[..., Precondition]:
    """A dependency declaring `If-Match` (required or optional) for the route's OpenAPI."""
    # Declared optional to FastAPI so a missing header is our 428, not a generic 422; the
    # document marks it required through REQUIRED_HEADER.
    extra = {REQUIRED_HEADER: True} if required else None
    description = (
        "The resource's current ETag (428 without it, 412 when stale)."
        if required
        else "The resource's current ETag, checked when sent (412 when stale)."
    )

    def dependency(
        value: Annotated[
            str | None,
            Header(alias="If-Match", description=description, json_schema_extra=extra),
        ] = None,
    ) -> Precondition:
        return Precondition(value, required=required)

    return dependency


IfMatch = Annotated[Precondition, Depends(if_match(required=True))]
OptionalIfMatch = Annotated[Precondition, Depends(if_match(required=False))]
