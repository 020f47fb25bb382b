"""Local copies of another service's versioned records, kept from its feed: newest version wins."""

import logging
from typing import Any, Protocol, TypeVar

from sqlmodel import Session

log = logging.getLogger("services.replica")


class Versioned(Protocol):
    version: int


V = TypeVar("V", bound=Versioned)


def stored_if_older(session: Session, model: type[V], key: Any, version: int) -> V | None:
    """The stored copy if an event at `version` is newer than it; None if stale or never filed."""
    row = session.get(model, key)
    if row is None:
        log.warning(
            "%s event for %s (version %s) before its filing: ignored", model.__name__, key, version
        )
        return None
    return row if version > row.version else None
