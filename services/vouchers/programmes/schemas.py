"""What the programme routes take and return; table models never leave the service."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.vouchers.programmes.rules import Category

ProgrammeKind = Literal["startup", "innovation"]
ProgrammeStatus = Literal["draft", "open", "closed"]
MAX_FEN = 10**13  # ¥100 billion: above any budget, below BIGINT

EXAMPLE: dict[str, Any] = {
    "kind": "innovation",
    "year": 2026,
    "name": "2026 太原市科技创新券",
    "budget_fen": 2_000_000_000,
    "face_value_fen": 5_000_000,
    "coverage_bp": 2000,
    "yearly_cap_fen": 10_000_000,
    "validity_days": 365,
    "categories": ["testing", "rnd", "software"],
    "auto_approve": False,
}


class VoucherProgrammeCreate(BaseModel):
    """A new programme (a draft until opened)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    kind: ProgrammeKind = Field(description="`startup` (创业券) or `innovation` (创新券).")
    year: int = Field(ge=2000, le=2100, description="The programme year.")
    name: str = Field(min_length=1, max_length=200)
    budget_fen: int = Field(gt=0, le=MAX_FEN, description="The whole budget, in fen.")
    face_value_fen: int = Field(gt=0, le=MAX_FEN, description="One voucher's value, in fen.")
    coverage_bp: int = Field(
        ge=1, le=10000, description="Share of a contract a voucher may pay (2000 = 20%)."
    )
    yearly_cap_fen: int = Field(
        gt=0, le=MAX_FEN, description="Most one enterprise gets in the year, in fen."
    )
    validity_days: int = Field(ge=1, le=1095, description="Days a voucher stays valid.")
    categories: list[Category] = Field(
        min_length=1, max_length=len(Category), description="Service categories covered."
    )
    auto_approve: bool = Field(
        default=False, description="Issue to eligible applicants without an admin decision."
    )
    rule_set_id: str | None = Field(
        default=None,
        max_length=40,
        description="An eligibility rule set (family `vouchers.eligibility…`); default: the "
        "kind's default rule set in force on the day of each evaluation.",
    )


class VoucherProgrammeUpdate(BaseModel):
    """Changes to a programme: any term while draft; only the budget and auto-approval while open."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"budget_fen": 3_000_000_000}]}
    )

    name: str | None = Field(default=None, min_length=1, max_length=200)
    budget_fen: int | None = Field(default=None, gt=0, le=MAX_FEN)
    face_value_fen: int | None = Field(default=None, gt=0, le=MAX_FEN)
    coverage_bp: int | None = Field(default=None, ge=1, le=10000)
    yearly_cap_fen: int | None = Field(default=None, gt=0, le=MAX_FEN)
    validity_days: int | None = Field(default=None, ge=1, le=1095)
    categories: list[Category] | None = Field(default=None, min_length=1, max_length=len(Category))
    auto_approve: bool | None = None
    rule_set_id: str | None = Field(default=None, max_length=40)


class VoucherProgrammePublic(BaseModel):
    """A programme as the API shows it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **EXAMPLE,
                    "id": "vpg_01JD6Z1T3VQ8M5",
                    "status": "open",
                    "committed_fen": 150_000_000,
                    "remaining_fen": 1_850_000_000,
                    "rule_set_id": None,
                    "version": 2,
                    "created_by": "cli_admin",
                    "created_at": "2026-01-05T02:00:00Z",
                    "updated_at": "2026-01-06T02:00:00Z",
                }
            ]
        }
    )

    id: str
    kind: ProgrammeKind
    year: int
    name: str
    status: ProgrammeStatus
    budget_fen: int
    committed_fen: int = Field(description="Face value of issued vouchers not released.")
    remaining_fen: int = Field(description="budget_fen − committed_fen.")
    face_value_fen: int
    coverage_bp: int
    yearly_cap_fen: int
    validity_days: int
    categories: list[str]
    auto_approve: bool
    rule_set_id: str | None = Field(description="Its own rule set; null: the kind's default.")
    version: int
    created_by: str
    created_at: datetime
    updated_at: datetime


class VoucherProgrammeFilters(BaseModel):
    """Filters of the programme list (combined with AND)."""

    kind: ProgrammeKind | None = None
    year: int | None = Field(default=None, ge=2000, le=2100)
    status: ProgrammeStatus | None = None
