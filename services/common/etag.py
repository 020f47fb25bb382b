"""ETags for mutable resources and the `If-Match` check on updates."""

from fastapi import Request

from services.common.errors import PreconditionFailed, PreconditionRequired


def etag_of(resource_id: str, version: int) -> str:
    """The strong ETag of one version of a resource."""
    return f'"{resource_id}.{version}"'


def check_if_match(request: Request, current: str, *, required: bool = True) -> None:
    """Refuse an update whose `If-Match` is stale (412) or, when required, missing (428)."""
    header = request.headers.get("if-match")
    if header is None:
        if required:
            raise PreconditionRequired(
                "Send the resource's current ETag in If-Match to update it.",
                code="if_match_required",
            )
        return
    candidates = {value.strip().removeprefix("W/") for value in header.split(",")}
    if "*" not in candidates and current not in candidates:
        raise PreconditionFailed(
            "The resource has changed since you read it; fetch it again and retry.",
            code="stale_etag",
        )
