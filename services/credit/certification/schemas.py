"""Request and response bodies of the 诚信企业 rounds."""

from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.common.clock import UtcDateTime

TARGET_PER_YEAR = 300  # the plan: at least 300 诚信企业 a year


class RoundStage(StrEnum):
    """Opened → candidates computed → public notice → final."""

    OPENED = "opened"
    CANDIDATES = "candidates"
    NOTICE = "notice"
    FINAL = "final"


class CertificationRoundCreate(BaseModel):
    """Open a yearly round with its criteria (a `credit.certification` rule set)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"year": 2026, "rule_set_id": "rls_credit_certification_v1"}]
        },
    )

    year: int = Field(ge=2015, le=2100)
    rule_set_id: str = Field(min_length=1, max_length=40)


class CertificationNoticeCreate(BaseModel):
    """Publish the candidates for public notice (公示)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"days": 7}]})

    days: int = Field(default=7, ge=7, le=30, description="Calendar days, at least 7.")


class CertificationObjectionCreate(BaseModel):
    """An objection to a candidate during the notice."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"uscc": "91140100MA0K000017", "reason": "Unpaid wages in 2026."}]
        },
    )

    uscc: str = Field(min_length=18, max_length=18)
    reason: str = Field(min_length=1, max_length=2000)


class CertificationDecision(StrEnum):
    """The office upholds (the candidate is removed) or dismisses an objection."""

    UPHELD = "upheld"
    DISMISSED = "dismissed"


class CertificationDecisionCreate(BaseModel):
    """The office's decision on an objection."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"decision": "upheld", "note": "Confirmed by HR."}]},
    )

    decision: CertificationDecision
    note: str = Field(min_length=1, max_length=2000)


class CertificationCandidatePublic(BaseModel):
    """A candidate, with the rule trace that made it one."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "uscc": "91140100MA0K000017",
                    "name": "太原晋阳软件有限公司",
                    "status": "candidate",
                    "reasons": [{"rule": "eligible", "value": True}],
                    "removed_because": None,
                }
            ]
        }
    )

    uscc: str
    name: str
    status: str = Field(description="candidate, removed or certified.")
    reasons: list[dict[str, Any]] = Field(description="The rule trace: each rule and its value.")
    removed_because: str | None = Field(description="The upheld objection's id.")


class CertificationRoundPublic(BaseModel):
    """A round and its candidates."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "crd_01JD4A1B2C3D4E5F6G7H8J9K0M",
                    "year": 2026,
                    "rule_set_id": "rls_credit_certification_v1",
                    "rule_set_version": 1,
                    "stage": "notice",
                    "notice_from": "2026-12-01",
                    "notice_until": "2026-12-08",
                    "computed_on": "2026-12-01",
                    "finalised_at": None,
                    "candidates": [],
                }
            ]
        }
    )

    id: str
    year: int
    rule_set_id: str
    rule_set_version: int
    stage: RoundStage
    notice_from: date | None
    notice_until: date | None = Field(description="The last day of the public notice.")
    computed_on: date | None
    finalised_at: UtcDateTime | None
    candidates: list[CertificationCandidatePublic]


class CertificationObjectionPublic(BaseModel):
    """An objection to a candidate."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "cob_01JD4A1B2C3D4E5F6G7H8J9K0M",
                    "round_id": "crd_01JD4A1B2C3D4E5F6G7H8J9K0M",
                    "uscc": "91140100MA0K000017",
                    "reason": "Unpaid wages in 2026.",
                    "filer_kind": "department",
                    "status": "pending",
                    "decision_note": None,
                }
            ]
        }
    )

    id: str
    round_id: str
    uscc: str
    reason: str
    filer_kind: str
    status: str = Field(description="pending, upheld or dismissed.")
    decision_note: str | None


class CertifiedEnterprisePublic(BaseModel):
    """One 诚信企业 of a year."""

    uscc: str
    name: str
    year: int
    granted_at: UtcDateTime


class CertifiedListPublic(BaseModel):
    """A year's 诚信企业, with progress against the plan's 300 a year."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "year": 2026,
                    "count": 150,
                    "target": 300,
                    "share_percent": "50.00",
                    "items": [],
                }
            ]
        }
    )

    year: int
    count: int = Field(description="Titles in force (revoked ones are not counted).")
    target: int = TARGET_PER_YEAR
    share_percent: str = Field(description="count ÷ target, exact to 2 places.")
    items: list[CertifiedEnterprisePublic]


class CertificationStatusPublic(BaseModel):
    """Whether an enterprise holds the title on a day (for reports)."""

    certified: bool
    year: int | None
    revoked_at: UtcDateTime | None
