"""What the acceptance routes take and return."""

from datetime import datetime
from typing import Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from services.funding.bases.schemas import BaseKindCode, BaseStatus

AcceptanceResult = Literal["passed", "failed"]


class AcceptanceCreate(BaseModel):
    """A base's year-end acceptance result (验收), recorded by its responsible department."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "year": 2025,
                    "result": "passed",
                    "score": 86,
                    "findings": "Occupancy 92%; mentoring sessions documented monthly.",
                    "evidence": ["https://files.example.gov.cn/acceptance/2025/bas-17.pdf"],
                }
            ]
        },
    )

    year: int = Field(ge=2015, le=2100, description="The year the check covers.")
    result: AcceptanceResult
    score: int = Field(ge=0, le=100, description="The check's score out of 100.")
    findings: str = Field(min_length=1, max_length=4000)
    evidence: list[AnyHttpUrl] = Field(
        default_factory=list, max_length=20, description="Links to the evidence (http/https)."
    )


class AcceptancePublic(BaseModel):
    """A year-end acceptance result; its `id` is the acceptance reference rewards cite."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "acc_01JDA1B2C3D4E5F6G7H8J9K0M1",
                    "base_id": "bas_01JDA1B2C3D4E5F6G7H8J9K0M1",
                    "year": 2025,
                    "result": "passed",
                    "score": 86,
                    "findings": "Occupancy 92%; mentoring sessions documented monthly.",
                    "evidence": ["https://files.example.gov.cn/acceptance/2025/bas-17.pdf"],
                    "department": "sme_bureau",
                    "recorded_by": "cli_sme_bureau",
                    "recorded_at": "2026-01-15T02:00:00Z",
                    "base_status": "admitted",
                }
            ]
        }
    )

    id: str = Field(description="The acceptance reference (`acc_…`).")
    base_id: str
    year: int
    result: AcceptanceResult
    score: int
    findings: str
    evidence: list[str]
    department: str
    recorded_by: str
    recorded_at: datetime
    base_status: BaseStatus = Field(
        description="The base's status now (`exited` after a second failed year in a row)."
    )


class AcceptanceFilters(BaseModel):
    """Filters of the acceptance list (combined with AND)."""

    year: int | None = Field(default=None, ge=2015, le=2100)
    result: AcceptanceResult | None = None
    district: str | None = Field(default=None, max_length=40)
    kind: BaseKindCode | None = None
