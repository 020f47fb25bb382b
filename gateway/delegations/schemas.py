"""Request and response bodies of the delegation API."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from gateway.auth.scopes import DELEGABLE_SCOPES
from services.common.clock import UtcDateTime

DelegationStatus = Literal["active", "filing_only", "expired", "revoked"]


def delegable(value: list[str]) -> list[str]:
    """Scopes deduplicated and sorted, or an error naming those a portal may not use."""
    unknown = [scope for scope in value if scope not in DELEGABLE_SCOPES]
    if unknown:
        raise ValueError(f"scope(s) not delegable: {', '.join(unknown)}")
    return sorted(set(value))


DelegableScopes = Annotated[list[str], Field(min_length=1), AfterValidator(delegable)]


class DelegationCreate(BaseModel):
    """A grant of scopes to a portal, for an enterprise, until an expiry."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "portal_id": "cli_01J9Z3X7Q6T8V4N2M5K1H0G9F8",
                    "scopes": ["registry:read", "registry:write"],
                    "expires_at": "2026-12-31T00:00:00Z",
                }
            ]
        },
    )

    portal_id: str = Field(min_length=1, max_length=40, description="The portal client's id.")
    scopes: DelegableScopes
    expires_at: UtcDateTime = Field(description="When the delegation ends (within a year).")
    enterprise: str | None = Field(
        default=None,
        pattern=r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$",
        description="The enterprise's USCC: admins only (an enterprise grants for itself).",
    )
    reference: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The paper authorization's reference: required when an admin records one.",
    )


class DelegationConfirm(BaseModel):
    """The enterprise's confirmation (or extension) of a delegation: scopes and expiry."""

    model_config = ConfigDict(extra="forbid")

    scopes: DelegableScopes
    expires_at: UtcDateTime


class DelegationPublic(BaseModel):
    """A delegation as its parties see it."""

    id: str
    enterprise: str
    portal_id: str
    scopes: list[str]
    status: DelegationStatus
    purpose: str | None = Field(description="`filing`: good for the portal's filing only.")
    reference: str | None
    granted_by: str
    granted_by_kind: str
    expires_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None
    created_at: datetime
    updated_at: datetime


class DelegationPage(BaseModel):
    """A page of delegations."""

    items: list[DelegationPublic]
    next_cursor: str | None = None


class LiveGrant(BaseModel):
    """What the proxy needs of a live delegation: its id, scopes, and whether it is filing-only."""

    model_config = ConfigDict(frozen=True)

    id: str
    scopes: frozenset[str]
    filing_only: bool
