"""Who is calling the gateway, once a credential has been checked."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated client: kind, organisation, granted scopes, its rate-limit overrides."""

    client_id: str
    kind: str
    name: str
    org: str | None
    scopes: frozenset[str]
    rate_limits: dict[str, Any] | None = None
    key_id: str | None = field(default=None, compare=False)
    key_expires_at: datetime | None = field(default=None, compare=False)

    def with_scopes(self, scopes: frozenset[str]) -> "Caller":
        """The same caller holding only `scopes` (e.g. what an access token was granted)."""
        return Caller(
            self.client_id,
            self.kind,
            self.name,
            self.org,
            scopes,
            self.rate_limits,
            self.key_id,
            self.key_expires_at,
        )
