"""Prefixed, sortable resource ids (ULID)."""

from ulid_transform import ulid_now


def new_id(prefix: str) -> str:
    """A new id such as `evt_01J…`: the prefix names the resource, the ULID sorts by time.

    ulid-transform generates in C (~0.1 µs); bulk paths mint tens of thousands of ids.
    """
    return f"{prefix}_{ulid_now()}"
