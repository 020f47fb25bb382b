"""What the base routes take and return; table models never leave the service."""

from datetime import date, datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

BaseKindCode = Literal[
    "maker_space", "startup_base", "tech_incubator", "commerce_cluster", "micro_incubation_park"
]
BaseStatus = Literal["filed", "admitted", "refused", "exited"]
USCC_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{18}$"
EXAMPLE_USCC = "91140105MA0KDE119Q"
EXAMPLE_ID = "bas_01JDA1B2C3D4E5F6G7H8J9K0M1"
YEAR = Field(ge=2015, le=2100, description="A calendar year.")


class BaseCriterion(BaseModel):
    """One admission criterion of a kind's standards."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
    text: str = Field(min_length=1, max_length=500)


class BaseKindPublic(BaseModel):
    """A kind of base, its responsible department and its admission standards."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "maker_space",
                    "name_zh": "众创空间",
                    "name_en": "Maker space",
                    "department": "science",
                    "criteria": [
                        {"code": "entry_exit_rules", "text": "有明确的入驻条件和退出机制"}
                    ],
                    "min_area_m2": None,
                    "version": 1,
                    "updated_by": "migration",
                    "updated_at": "2026-11-30T00:00:00Z",
                }
            ]
        }
    )

    code: str
    name_zh: str
    name_en: str
    department: str = Field(description="The responsible department (its clients' `org`).")
    criteria: list[BaseCriterion] = Field(description="The admission checklist.")
    min_area_m2: int | None = Field(description="Minimum incubation area; null: none set.")
    version: int
    updated_by: str
    updated_at: datetime


class BaseKindUpdate(BaseModel):
    """New admission standards of a kind (the office approves what the department proposes)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "criteria": [
                        {"code": "entry_exit_rules", "text": "有明确的入驻条件和退出机制"}
                    ],
                    "min_area_m2": 500,
                }
            ]
        },
    )

    criteria: list[BaseCriterion] = Field(min_length=1, max_length=50)
    min_area_m2: int | None = Field(default=None, ge=1, le=10_000_000)

    @model_validator(mode="after")
    def _unique_codes(self) -> Self:
        codes = [criterion.code for criterion in self.criteria]
        if len(set(codes)) != len(codes):
            raise ValueError("criterion codes must be unique")
        return self


class BaseCreate(BaseModel):
    """A district's filing of a demonstration base."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "operator_uscc": EXAMPLE_USCC,
                    "name": "小店区青年创业园",
                    "district": "xiaodian",
                    "kind": "startup_base",
                    "area_m2": 12000,
                    "opened_on": "2014-09-01",
                }
            ]
        },
    )

    operator_uscc: str = Field(pattern=USCC_PATTERN, description="The operator's USCC.")
    name: str = Field(min_length=1, max_length=200)
    district: str = Field(
        min_length=1, max_length=40, description="The district code; the caller's own."
    )
    kind: BaseKindCode
    area_m2: int = Field(ge=1, le=10_000_000, description="Incubation area in square metres.")
    opened_on: date = Field(ge=date(1949, 10, 1), description="When the base opened.")


class BaseUpdate(BaseModel):
    """A district's correction of a base it filed (name, operator or area)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"area_m2": 15000}]},
    )

    operator_uscc: str | None = Field(default=None, pattern=USCC_PATTERN)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    area_m2: int | None = Field(default=None, ge=1, le=10_000_000)

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("name at least one field to change")
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class BasePublic(BaseModel):
    """A demonstration base as the API shows it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": EXAMPLE_ID,
                    "operator_uscc": EXAMPLE_USCC,
                    "name": "小店区青年创业园",
                    "district": "xiaodian",
                    "kind": "startup_base",
                    "area_m2": 12000,
                    "opened_on": "2014-09-01",
                    "status": "admitted",
                    "department": "sme_bureau",
                    "standards_version": 1,
                    "decision_reasons": [],
                    "decided_by": "cli_sme_bureau",
                    "decided_at": "2026-03-02T02:00:00Z",
                    "admitted_on": "2026-03-02",
                    "exited_on": None,
                    "exit_kind": None,
                    "exit_reason": None,
                    "filed_by": "cli_xiaodian",
                    "version": 2,
                    "created_at": "2026-03-01T02:00:00Z",
                    "updated_at": "2026-03-02T02:00:00Z",
                }
            ]
        }
    )

    id: str
    operator_uscc: str
    name: str
    district: str
    kind: str
    area_m2: int
    opened_on: date
    status: BaseStatus
    department: str = Field(description="The department responsible for the base's kind.")
    standards_version: int | None = Field(
        description="The version of the kind's standards the decision was taken against."
    )
    decision_reasons: list[str] = Field(description="Why it was refused (or notes on admission).")
    decided_by: str | None
    decided_at: datetime | None
    admitted_on: date | None
    exited_on: date | None
    exit_kind: Literal["decision", "failed_acceptance"] | None
    exit_reason: str | None
    filed_by: str
    version: int
    created_at: datetime
    updated_at: datetime


class BaseFilters(BaseModel):
    """Filters of the base list (combined with AND)."""

    district: str | None = Field(default=None, max_length=40)
    kind: BaseKindCode | None = None
    status: BaseStatus | None = None
    department: str | None = Field(default=None, max_length=40)
    operator_uscc: str | None = Field(default=None, pattern=USCC_PATTERN)


class CriterionAssessment(BaseModel):
    """Whether the base meets one criterion of its kind's standards."""

    model_config = ConfigDict(extra="forbid")

    criterion: str = Field(min_length=1, max_length=40)
    met: bool
    note: str | None = Field(default=None, max_length=1000)


class BaseDecisionCreate(BaseModel):
    """The responsible department's decision on a filed base."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "decision": "refuse",
                    "assessment": [{"criterion": "mentoring_system", "met": False}],
                    "reasons": ["No mentoring staff on site."],
                },
            ]
        },
    )

    decision: Literal["admit", "refuse"]
    assessment: list[CriterionAssessment] = Field(default_factory=list, max_length=50)
    reasons: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Reasons in words (a refusal's own, or notes on admission).",
    )

    @model_validator(mode="after")
    def _clean(self) -> Self:
        codes = [item.criterion for item in self.assessment]
        if len(set(codes)) != len(codes):
            raise ValueError("each criterion is assessed once")
        if any(not reason.strip() or len(reason) > 1000 for reason in self.reasons):
            raise ValueError("a reason is 1 to 1000 characters, not blank")
        return self


class BaseExitCreate(BaseModel):
    """A decision that an admitted base exits the programme (退出)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "Operator ceased incubation services."}]},
    )

    reason: str = Field(min_length=1, max_length=2000)


class BaseKpiCreate(BaseModel):
    """A base's KPI report for one year (a correction sends the whole report again)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "enterprises_incubated": 42,
                    "jobs_created": 310,
                    "private_money_fen": 1_250_000_000,
                    "services_delivered": 180,
                }
            ]
        },
    )

    enterprises_incubated: int = Field(ge=0, le=1_000_000)
    jobs_created: int = Field(ge=0, le=10_000_000)
    private_money_fen: int = Field(ge=0, le=10**15, description="Private money leveraged, in fen.")
    services_delivered: int = Field(ge=0, le=10_000_000)


class BaseKpiPublic(BaseModel):
    """A base's KPI report for one year, in its current version."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "base_id": EXAMPLE_ID,
                    "year": 2025,
                    "enterprises_incubated": 42,
                    "jobs_created": 310,
                    "private_money_fen": 1_250_000_000,
                    "services_delivered": 180,
                    "version": 1,
                    "reported_by": "cli_xiaodian",
                    "created_at": "2026-01-10T02:00:00Z",
                    "updated_at": "2026-01-10T02:00:00Z",
                }
            ]
        }
    )

    base_id: str
    year: int
    enterprises_incubated: int
    jobs_created: int
    private_money_fen: int
    services_delivered: int
    version: int
    reported_by: str
    created_at: datetime
    updated_at: datetime


class BaseChangePublic(BaseModel):
    """One entry of a base's history."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "seq": 2,
                    "action": "admitted",
                    "status": "admitted",
                    "details": {"standards_version": 1, "assessment": []},
                    "actor": "cli_sme_bureau",
                    "actor_kind": "department",
                    "at": "2026-03-02T02:00:00Z",
                }
            ]
        }
    )

    seq: int = Field(description="1, 2, … in the order of the changes.")
    action: Literal[
        "filed",
        "updated",
        "admitted",
        "refused",
        "kpi_reported",
        "kpi_corrected",
        "acceptance_recorded",
        "exited",
    ]
    status: BaseStatus = Field(description="The base's status after the change.")
    details: dict[str, Any] = Field(description="What changed: fields before and after, figures.")
    actor: str = Field(description="Client id of whoever made the change.")
    actor_kind: str
    at: datetime
