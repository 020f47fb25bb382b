"""Request and response bodies of the clients admin API."""

from datetime import datetime
from typing import Annotated, Literal

from limits import parse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from gateway.auth.scopes import SCOPES
from services.common.clock import UtcDateTime as UtcDatetime
from services.common.identity import ClientKind

ClientStatus = Literal["active", "suspended"]
RateLimitClass = Literal["read", "write"]


def known_scopes(value: list[str]) -> list[str]:
    """Scopes deduplicated and sorted, or an error naming the unknown ones."""
    unknown = [scope for scope in value if scope not in SCOPES]
    if unknown:
        raise ValueError(f"unknown scope(s): {', '.join(unknown)}")
    return sorted(set(value))


ScopeList = Annotated[list[str], AfterValidator(known_scopes)]


class RateLimits(BaseModel):
    """Per-client overrides of the default limits, as `N/second|minute|hour|day`."""

    model_config = ConfigDict(extra="forbid")

    read: str | None = Field(default=None, examples=["1200/minute"])
    write: str | None = Field(default=None, examples=["60/minute"])

    @field_validator("read", "write")
    @classmethod
    def _valid_limit(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse(value)
            except ValueError as exc:
                raise ValueError("expected a rate such as '600/minute'") from exc
        return value


class ClientCreate(BaseModel):
    """A new client; omitted scopes mean the defaults of its kind."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Bank of Jinshang — credit desk",
                    "kind": "bank",
                    "org": "JSB",
                    "scopes": ["credit:read", "credit:reports"],
                    "issue_client_secret": True,
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=200)
    kind: ClientKind
    org: str | None = Field(
        default=None,
        max_length=64,
        description="Bank code, provider id or enterprise USCC the client acts for.",
    )
    scopes: ScopeList | None = Field(
        default=None, description="A subset of the kind's default scopes; omitted → all of them."
    )
    rate_limits: RateLimits | None = None
    issue_api_key: bool = Field(default=True, description="Create a first API key now.")
    issue_client_secret: bool = Field(
        default=False, description="Create an OAuth client secret now."
    )


class ClientUpdate(BaseModel):
    """Changes to a client; omitted fields stay as they are (`rate_limits: null` → defaults)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"scopes": ["credit:read"], "rate_limits": {"read": "1200/minute"}},
                {"name": "Bank of Jinshang — SME desk"},
            ]
        },
    )

    name: str | None = Field(default=None, min_length=1, max_length=200)
    scopes: ScopeList | None = Field(
        default=None, description="A subset of the kind's default scopes."
    )
    rate_limits: RateLimits | None = Field(
        default=None, description="Overrides of the default limits; null removes them."
    )


class ClientPublic(BaseModel):
    """A client as the admin API shows it (never its secrets)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "cli_01J9Z3X7Q6T8V4N2M5K1H0G9F8",
                    "name": "Bank of Jinshang — credit desk",
                    "kind": "bank",
                    "org": "JSB",
                    "scopes": ["credit:read", "credit:reports"],
                    "rate_limits": None,
                    "status": "active",
                    "has_client_secret": True,
                    "created_at": "2025-01-06T08:00:00Z",
                    "updated_at": "2025-01-06T08:00:00Z",
                }
            ]
        }
    )

    id: str
    name: str
    kind: ClientKind
    org: str | None
    scopes: list[str]
    rate_limits: RateLimits | None
    status: ClientStatus
    has_client_secret: bool
    created_at: UtcDatetime
    updated_at: UtcDatetime


class ApiKeyCreate(BaseModel):
    """A new API key for a client (for rotation: create the new one, then revoke the old)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"label": "2025 rotation"}]}
    )

    label: str | None = Field(default=None, max_length=100)
    expires_at: datetime | None = Field(default=None, description="Optional expiry (RFC 3339).")


class ApiKeyPublic(BaseModel):
    """An API key's metadata; the key itself is shown only once, at creation."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "key_01J9Z3X7Q6T8V4N2M5K1H0G9F8",
                    "client_id": "cli_01J9Z3X7Q6T8V4N2M5K1H0G9F8",
                    "label": "first key",
                    "prefix": "tsk_Q2xpZW50",
                    "created_at": "2025-01-06T08:00:00Z",
                    "expires_at": None,
                    "last_used_at": "2025-01-07T02:13:00Z",
                    "revoked_at": None,
                }
            ]
        }
    )

    id: str
    client_id: str
    label: str | None
    prefix: str = Field(description="The first characters of the key, to recognise it.")
    created_at: UtcDatetime
    expires_at: UtcDatetime | None
    last_used_at: UtcDatetime | None
    revoked_at: UtcDatetime | None


class ApiKeyCreated(ApiKeyPublic):
    """A new API key, with the key itself: store it now, it is never shown again."""

    key: str = Field(description="The API key; send as `Authorization: Bearer` or `X-API-Key`.")


class ClientCreated(BaseModel):
    """A new client with the credentials issued for it, shown once."""

    client: ClientPublic
    api_key: ApiKeyCreated | None = None
    client_secret: str | None = Field(
        default=None, description="The OAuth client secret; shown only now."
    )


class ClientSecretPublic(BaseModel):
    """A new OAuth client secret (the previous one stops working)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"client_id": "cli_01J9Z3X7Q6T8V4N2M5K1H0G9F8", "client_secret": "tcs_…"}]
        }
    )

    client_id: str
    client_secret: str


class ClientPage(BaseModel):
    """One page of clients."""

    items: list[ClientPublic]
    next_cursor: str | None = None


class ApiKeyList(BaseModel):
    """A client's API keys, newest first."""

    items: list[ApiKeyPublic]
