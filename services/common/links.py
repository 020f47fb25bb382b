"""Links a caller can follow: paths as the caller sees the API, e.g. through the gateway."""

import re

from starlette.types import Scope

PREFIX_HEADER = b"x-forwarded-prefix"
# Path segments only: never a scheme, a host or `//`, whoever sent the header.
_PREFIX = re.compile(r"(/[A-Za-z0-9_-]+)+")


def forwarded_prefix(scope: Scope) -> str:
    """The path prefix the gateway serves this service under (`/registry`), or ``""``."""
    for key, value in scope.get("headers", ()):
        if key == PREFIX_HEADER:
            prefix = value.decode("latin-1").strip().rstrip("/")
            return prefix if _PREFIX.fullmatch(prefix) else ""
    return ""


def link(scope: Scope, path: str) -> str:
    """`path` (the service's own, `/v1/...`) as the caller reaches it."""
    return forwarded_prefix(scope) + path
