"""Internal tokens for upstream calls, cached per (client, audience, org, scopes)."""

import time

from prometheus_client import Counter

from gateway.auth.caller import Caller
from gateway.auth.scopes import scopes_for_audience
from services.common.tokens import InternalTokenSigner

_MAX_ENTRIES = 20_000


class InternalTokens:
    """Mints at most one token per caller, audience and org until it is near expiry."""

    def __init__(
        self, signer: InternalTokenSigner, *, ttl: int, refresh_margin: int, minted: Counter
    ) -> None:
        self.signer = signer
        self.ttl = ttl
        self.refresh_after = max(1, ttl - refresh_margin)
        self._cache: dict[
            tuple[str, str, str | None, frozenset[str], bool], tuple[float, bytes]
        ] = {}
        self.minted = minted  # gateway_internal_tokens_minted_total

    def authorization(
        self,
        caller: Caller,
        audience: str,
        org: str | None,
        *,
        scopes: frozenset[str] | None = None,
        on_behalf: bool = False,
    ) -> bytes:
        """The `Authorization` header value carrying a fresh internal token.

        On behalf of an enterprise (`org`), the token carries the delegation's `scopes` and an
        RFC 8693 `act` claim naming the portal.
        """
        scopes = caller.scopes if scopes is None else scopes
        key = (caller.client_id, audience, org, scopes, on_behalf)
        now = time.monotonic()
        entry = self._cache.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        token = self.signer.mint(
            sub=caller.client_id,
            kind=caller.kind,
            org=org,
            scopes=scopes_for_audience(scopes, audience),
            audience=audience,
            ttl_seconds=self.ttl,
            extra={"act": {"sub": caller.client_id}} if on_behalf else None,
        )
        self.minted.inc()
        value = b"Bearer " + token.encode()
        if len(self._cache) >= _MAX_ENTRIES:
            self._cache.clear()
        self._cache[key] = (now + self.refresh_after, value)
        return value

    def clear(self) -> None:
        """Forget every cached token (after a suspension or a key switch)."""
        self._cache.clear()
