"""What the enterprise routes take and return; table models never leave the service."""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from services.common.dates import IsoDate
from services.registry.enterprises.rules import EMAIL_PATTERN, MAX_EMPLOYEES, MAX_FEN, is_email
from services.registry.sizing import SizeClass

EXAMPLE_USCC = "91140105MA0GRX0Y7C"

SizeClassName = Literal["large", "medium", "small", "micro"]
Status = Literal["active", "deregistered"]


class LegalRepresentativeCreate(BaseModel):
    """The legal representative; the ID number is stored as a keyed hash and shown masked."""

    name: str = Field(min_length=1, max_length=100, examples=["王建国"])
    id_number: str = Field(
        min_length=1,
        max_length=32,
        description="18-character resident ID number (GB 11643).",
        examples=["14010519800101002X"],
    )


class LegalRepresentativePublic(BaseModel):
    """The legal representative as shown: the ID number only ever masked."""

    name: str = Field(examples=["王建国"])
    id_number_masked: str = Field(examples=["1401**********002X"])


class EnterpriseContactCreate(BaseModel):
    """Who to contact at the enterprise."""

    name: str | None = Field(default=None, max_length=100, examples=["李丽"])
    phone: str | None = Field(default=None, max_length=32, examples=["0351-1234567"])
    email: str | None = Field(
        default=None,
        max_length=254,
        json_schema_extra={"pattern": EMAIL_PATTERN},
        examples=["office@example.cn"],
    )

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        # The rule the bulk import applies too (enterprises.rules.is_email), as the same error
        # pydantic gives for a pattern.
        if value is not None and not is_email(value):
            raise PydanticCustomError(
                "string_pattern_mismatch",
                "String should match pattern '{pattern}'",
                {"pattern": EMAIL_PATTERN},
            )
        return value


class EnterpriseContactPublic(BaseModel):
    """Who to contact at the enterprise, as stored (shown as is, never re-validated)."""

    name: str | None = Field(default=None, examples=["李丽"])
    phone: str | None = Field(default=None, examples=["0351-1234567"])
    email: str | None = Field(default=None, examples=["office@example.cn"])


class EnterpriseCreate(BaseModel):
    """A filing (备案) of a small or micro enterprise."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "uscc": EXAMPLE_USCC,
                    "name": "太原市小店区晋阳软件有限公司",
                    "district": "xiaodian",
                    "industry": "I65",
                    "founded_on": "2014-03-18",
                    "registered_capital_fen": 100000000,
                    "employees": 35,
                    "revenue_fen": 420000000,
                    "assets_fen": 300000000,
                    "is_tech_sme": True,
                    "founder_graduated_on": "2013-07-01",
                    "legal_representative": {"name": "王建国", "id_number": "14010519800101002X"},
                    "contact": {
                        "name": "李丽",
                        "phone": "0351-1234567",
                        "email": "office@example.cn",
                    },
                }
            ]
        },
    )

    uscc: str = Field(max_length=64, description="Unified social credit code (GB 32100-2015).")
    name: str = Field(min_length=1, max_length=200)
    district: str = Field(max_length=40, description="District code from `GET /v1/districts`.")
    industry: str = Field(
        max_length=8,
        description="GB/T 4754-2017 division, group or class, optionally with its section letter.",
    )
    founded_on: date = Field(description="Not after today (Asia/Shanghai).")
    registered_capital_fen: int = Field(ge=0, le=MAX_FEN)
    employees: int = Field(ge=0, le=MAX_EMPLOYEES)
    revenue_fen: int = Field(ge=0, le=MAX_FEN, description="Last year's operating revenue in fen.")
    assets_fen: int | None = Field(
        default=None, ge=0, le=MAX_FEN, description="Total assets in fen."
    )
    is_tech_sme: bool = False
    founder_graduated_on: date | None = Field(
        default=None,
        description="For the graduate interest subsidy: the founder's graduation date.",
    )
    legal_representative: LegalRepresentativeCreate
    contact: EnterpriseContactCreate | None = None


class EnterpriseUpdate(BaseModel):
    """A partial update; fields left out are unchanged."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"employees": 42, "contact": {"phone": "0351-7654321"}}]},
    )

    name: str | None = Field(default=None, min_length=1, max_length=200)
    district: str | None = Field(default=None, max_length=40)
    industry: str | None = Field(default=None, max_length=8)
    founded_on: date | None = Field(default=None, description="Not after today (Asia/Shanghai).")
    registered_capital_fen: int | None = Field(default=None, ge=0, le=MAX_FEN)
    employees: int | None = Field(default=None, ge=0, le=MAX_EMPLOYEES)
    revenue_fen: int | None = Field(default=None, ge=0, le=MAX_FEN)
    assets_fen: int | None = Field(default=None, ge=0, le=MAX_FEN)
    is_tech_sme: bool | None = None
    founder_graduated_on: date | None = None
    legal_representative: LegalRepresentativeCreate | None = None
    contact: EnterpriseContactCreate | None = None


class DeregistrationCreate(BaseModel):
    """Simplified deregistration (简易注销)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "股东决议解散，无债权债务"}]}
    )

    reason: str = Field(min_length=1, max_length=500)


class EnterprisePublic(BaseModel):
    """A filed enterprise as the API shows it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "uscc": EXAMPLE_USCC,
                    "name": "太原市小店区晋阳软件有限公司",
                    "district": "xiaodian",
                    "industry": "65",
                    "industry_section": "I",
                    "industry_division": "65",
                    "founded_on": "2014-03-18",
                    "registered_capital_fen": 100000000,
                    "employees": 35,
                    "revenue_fen": 420000000,
                    "assets_fen": 300000000,
                    "size_class": "small",
                    "is_tech_sme": True,
                    "founder_graduated_on": "2013-07-01",
                    "legal_representative": {
                        "name": "王建国",
                        "id_number_masked": "1401**********002X",
                    },
                    "contact": {
                        "name": "李丽",
                        "phone": "0351-1234567",
                        "email": "office@example.cn",
                    },
                    "status": "active",
                    "deregistered_at": None,
                    "deregistration_reason": None,
                    "version": 1,
                    "filed_at": "2026-01-05T02:00:00Z",
                    "updated_at": "2026-01-05T02:00:00Z",
                }
            ]
        }
    )

    uscc: str
    name: str
    district: str
    industry: str
    industry_section: str
    industry_division: str
    founded_on: date
    registered_capital_fen: int
    employees: int
    revenue_fen: int
    assets_fen: int | None
    size_class: SizeClass
    is_tech_sme: bool
    founder_graduated_on: date | None
    legal_representative: LegalRepresentativePublic
    contact: EnterpriseContactPublic
    status: Status
    deregistered_at: datetime | None
    deregistration_reason: str | None
    version: int
    filed_at: datetime
    updated_at: datetime


class EnterpriseChangePublic(BaseModel):
    """One entry of an enterprise's history."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": 2,
                    "action": "updated",
                    "fields": ["employees", "size_class"],
                    "actor": "cli_dept_sme",
                    "actor_kind": "department",
                    "at": "2026-02-01T08:30:00Z",
                }
            ]
        }
    )

    version: int
    action: Literal["filed", "updated", "deregistered"]
    fields: list[str] = Field(description="Names of the fields that changed.")
    actor: str = Field(description="Client id of whoever made the change.")
    actor_kind: str
    at: datetime


class CountPublic(BaseModel):
    """How many enterprises share one value."""

    key: str = Field(examples=["xiaodian"])
    count: int = Field(examples=[1234])


class EnterpriseCountsPublic(BaseModel):
    """Enterprise counts by district, industry division and size class."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "total": 3,
                    "by_district": [{"key": "xiaodian", "count": 2}, {"key": "yingze", "count": 1}],
                    "by_industry": [{"key": "65", "count": 3}],
                    "by_size_class": [{"key": "micro", "count": 1}, {"key": "small", "count": 2}],
                }
            ]
        }
    )

    total: int
    by_district: list[CountPublic]
    by_industry: list[CountPublic] = Field(description="By GB/T 4754-2017 division.")
    by_size_class: list[CountPublic]


class EnterpriseFilters(BaseModel):
    """Search filters (all optional, combined with AND)."""

    district: str | None = None
    industry: str | None = None
    size_class: SizeClass | None = None
    status: Status | None = None
    founded_from: IsoDate | None = None
    founded_to: IsoDate | None = None
    name: str | None = None
    legal_rep_id_number: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The filters that were given."""
        return self.model_dump(exclude_none=True)
