"""ETags for mutable resources and the `If-Match` check on updates."""

from fastapi import Request

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
