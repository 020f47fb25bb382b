"""Prefixed, sortable resource ids (ULID)."""

from ulid import ULID


def new_id(prefix: str) -> str:
    """A new id such as `evt_01J…`: the prefix names the resource, the ULID sorts by time."""
    return f"{prefix}_{ULID()}"
