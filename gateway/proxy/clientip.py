"""The caller's address as rate limits should see it, behind trusted proxies or not."""

from collections.abc import Collection


def client_ip(peer: str, forwarded_for: str | None, trusted: Collection[str]) -> str:
    """The TCP peer, unless it is a trusted proxy: then the right-most X-Forwarded-For entry
    that is not itself a trusted proxy (entries left of it are the caller's to forge)."""
    if not forwarded_for or peer not in trusted:
        return peer
    for entry in reversed(forwarded_for.split(",")):
        address = entry.strip()
        if address and address not in trusted:
            return address
    return peer
