"""What the provider routes take and return; table models never leave the service."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.vouchers.programmes.rules import Category

ProviderKind = Literal["university", "institute", "lab", "firm"]
ProviderStatus = Literal["applied", "approved", "suspended", "removed", "refused"]
Decision = Literal["approve", "refuse", "suspend", "remove"]
USCC_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{18}$"
EXAMPLE_USCC = "12140000405200123K"


class VoucherProviderCreate(BaseModel):
    """A provider's application; its id is its client's org (`prv_…`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "uscc": EXAMPLE_USCC,
                    "name": "太原理工大学测试中心",
                    "kind": "university",
                    "district": "wanbailin",
                    "categories": ["testing", "inspection"],
                }
            ]
        },
    )

    uscc: str = Field(
        pattern=USCC_PATTERN, description="The provider's unified social credit code."
    )
    name: str = Field(min_length=1, max_length=200)
    kind: ProviderKind
    district: str | None = Field(default=None, min_length=1, max_length=40)
    categories: list[Category] = Field(min_length=1, max_length=len(Category))


class VoucherProviderPublic(BaseModel):
    """A provider as the API shows it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "prv_tyut_testing",
                    "uscc": EXAMPLE_USCC,
                    "name": "太原理工大学测试中心",
                    "kind": "university",
                    "district": "wanbailin",
                    "categories": ["testing", "inspection"],
                    "status": "approved",
                    "status_reason": None,
                    "version": 2,
                    "applied_by": "cli_prv_tyut",
                    "created_at": "2026-01-05T02:00:00Z",
                    "updated_at": "2026-01-06T02:00:00Z",
                }
            ]
        }
    )

    id: str
    uscc: str
    name: str
    kind: str
    district: str | None
    categories: list[str]
    status: ProviderStatus
    status_reason: str | None
    version: int
    applied_by: str
    created_at: datetime
    updated_at: datetime


class VoucherProviderDecisionCreate(BaseModel):
    """An admin's decision on a provider."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"decision": "approve"},
                {"decision": "suspend", "reason": "Complaint under review."},
            ]
        },
    )

    decision: Decision = Field(
        description="`approve` (applied or suspended → approved), `refuse` (applied → "
        "refused), `suspend` (approved → suspended), `remove` (approved or suspended → removed)."
    )
    reason: str | None = Field(
        default=None, min_length=1, max_length=1000, description="Required but for `approve`."
    )


class VoucherProviderServiceCreate(BaseModel):
    """One entry of a provider's catalogue."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "category": "testing",
                    "title": "材料力学性能检测",
                    "description": "Tensile, hardness and fatigue tests.",
                    "price_fen": 800_000,
                }
            ]
        },
    )

    category: Category
    title: str = Field(min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=2000)
    price_fen: int | None = Field(default=None, ge=0, le=10**13)
    attributes: dict[str, Any] = Field(default_factory=dict)


class VoucherProviderServicePublic(BaseModel):
    """A catalogue entry as the API shows it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "psv_01JD6Z1T3VQ8M5",
                    "provider_id": "prv_tyut_testing",
                    "category": "testing",
                    "title": "材料力学性能检测",
                    "description": None,
                    "price_fen": 800_000,
                    "attributes": {},
                }
            ]
        }
    )

    id: str
    provider_id: str
    category: str
    title: str
    description: str | None
    price_fen: int | None
    attributes: dict[str, Any]


class VoucherProviderDirectoryEntry(BaseModel):
    """An approved provider in the public directory, with its catalogue."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "prv_tyut_testing",
                    "name": "太原理工大学测试中心",
                    "kind": "university",
                    "district": "wanbailin",
                    "categories": ["testing"],
                    "services": [],
                }
            ]
        }
    )

    id: str
    name: str
    kind: str
    district: str | None
    categories: list[str]
    services: list[VoucherProviderServicePublic]


class VoucherProviderFilters(BaseModel):
    """Filters of the provider lists (combined with AND)."""

    category: Category | None = None
    kind: ProviderKind | None = None
    district: str | None = Field(default=None, max_length=40)
    status: ProviderStatus | None = Field(
        default=None, description="Ignored by the public directory (approved only)."
    )
