"""What the consent routes take and return; table models never leave the service."""

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

EXAMPLE_USCC = "91140105MA0GRX0Y7C"
DEFAULT_DAYS = 90
MAX_DAYS = 365


class ConsentPurpose(StrEnum):
    """What a bank may read a credit report for."""

    PRE_LOAN_REVIEW = "pre_loan_review"
    POST_LOAN_MANAGEMENT = "post_loan_management"
    GUARANTEE_REVIEW = "guarantee_review"


ConsentState = Literal["active", "expired", "revoked"]


class ConsentCreate(BaseModel):
    """An enterprise's authorization of one bank, for one purpose, until a day."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "uscc": EXAMPLE_USCC,
                    "bank": "JSB",
                    "purpose": "pre_loan_review",
                    "expires_on": "2027-02-28",
                }
            ]
        },
    )

    uscc: str | None = Field(
        default=None,
        max_length=18,
        description="The enterprise granting; defaults to the enterprise the token acts for "
        "(any other is 403 `not_your_enterprise`).",
    )
    bank: str = Field(
        min_length=1,
        max_length=40,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="The bank's code (the organisation its client acts for), e.g. `JSB`.",
    )
    purpose: ConsentPurpose
    expires_on: date | None = Field(
        default=None,
        description=f"The last day (Asia/Shanghai) the consent holds: not before today, at most "
        f"{MAX_DAYS} days after it; default {DEFAULT_DAYS} days.",
    )


class ConsentPublic(BaseModel):
    """A consent as the enterprise and the bank see it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "cns_01JD3Z8Q6T8V4N2M5K1H0G9F8E",
                    "uscc": EXAMPLE_USCC,
                    "bank": "JSB",
                    "purpose": "pre_loan_review",
                    "granted_on": "2026-11-30",
                    "expires_on": "2027-02-28",
                    "state": "active",
                    "granted_by": "cli_01JD3Z8Q6T8V4N2M5K1H0G9F8F",
                    "granted_by_kind": "portal",
                    "actor": "cli_01JD3Z8Q6T8V4N2M5K1H0G9F8G",
                    "granted_at": "2026-11-30T02:00:00Z",
                    "revoked_at": None,
                    "revoked_by": None,
                    "revoked_actor": None,
                    "version": 1,
                }
            ]
        }
    )

    id: str
    uscc: str
    bank: str
    purpose: ConsentPurpose
    granted_on: date
    expires_on: date
    state: ConsentState = Field(
        description="`active`, `expired` (after `expires_on`) or `revoked`."
    )
    granted_by: str = Field(description="The client that granted it.")
    granted_by_kind: str = Field(description="`enterprise`, or `portal` acting on its behalf.")
    actor: str | None = Field(
        default=None, description="The portal that acted on the enterprise's behalf, if any."
    )
    granted_at: datetime
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    revoked_actor: str | None = None
    version: int


class ConsentFilters(BaseModel):
    """Filters of the consent list (combined with AND)."""

    uscc: str | None = Field(default=None, max_length=18, description="One enterprise (banks).")
    purpose: ConsentPurpose | None = None
    state: ConsentState | None = None
