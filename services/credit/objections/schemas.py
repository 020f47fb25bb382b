"""Request and response bodies of objections and statements."""

from datetime import date
from enum import StrEnum

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from services.common.clock import UtcDateTime
from services.credit.records.rules import LoanStatus
from services.credit.records.schemas import HTTPS_URL

EXAMPLE_RECORD = "rec_01JD3Z8Q6T8V4N2M5K1H0G9F8E"
EXAMPLE_OBJECTION = "obj_01JD4A1B2C3D4E5F6G7H8J9K0M"


class ObjectionStatus(StrEnum):
    """Open until the record's source answers in writing."""

    OPEN = "open"
    RESOLVED = "resolved"


class ObjectionOutcome(StrEnum):
    """The written answer: the record corrected (a new version), upheld, or withdrawn."""

    CORRECTED = "corrected"
    UPHELD = "upheld"
    WITHDRAWN = "withdrawn"


class ObjectionCreate(BaseModel):
    """An enterprise (or its portal) disputes a record about it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "record_id": EXAMPLE_RECORD,
                    "reason": "The penalty was annulled on administrative review in May 2024.",
                    "evidence_urls": ["https://docs.example.cn/review-decision-2024-051.pdf"],
                }
            ]
        },
    )

    record_id: str = Field(min_length=1, max_length=40, description="The disputed record.")
    reason: str = Field(min_length=1, max_length=2000)
    evidence_urls: list[AnyHttpUrl] = Field(
        default_factory=list, max_length=20, description="Links to the evidence (http or https)."
    )


class RecordCorrections(BaseModel):
    """The fields a `corrected` answer changes (as a correction by the source would)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"ended_on": "2024-05-20", "title": "Penalty annulled"}]},
    )

    occurred_on: date | None = None
    ended_on: date | None = None
    title: str | None = Field(default=None, min_length=1, max_length=300)
    evidence_url: str | None = Field(default=None, max_length=2000, pattern=HTTPS_URL)
    loan_status: LoanStatus | None = None


class ObjectionResolutionCreate(BaseModel):
    """The source department's written answer (书面答复)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "outcome": "corrected",
                    "answer": "Checked against the review decision: the penalty ended on 2024-05-20.",
                    "corrections": {"ended_on": "2024-05-20"},
                },
                {"outcome": "upheld", "answer": "The penalty stands; the review confirmed it."},
            ]
        },
    )

    outcome: ObjectionOutcome
    answer: str = Field(min_length=1, max_length=5000, description="The written answer.")
    corrections: RecordCorrections | None = Field(
        default=None, description="Required for `corrected`, refused otherwise."
    )


class ObjectionPublic(BaseModel):
    """An objection as the enterprise, the record's source and the office see it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": EXAMPLE_OBJECTION,
                    "record_id": EXAMPLE_RECORD,
                    "uscc": "91140100MA0K000017",
                    "source": "tax_bureau",
                    "reason": "The penalty was annulled on administrative review in May 2024.",
                    "evidence_urls": ["https://docs.example.cn/review-decision-2024-051.pdf"],
                    "status": "open",
                    "opened_by": "cli_portal_1",
                    "actor": None,
                    "opened_at": "2026-03-02T02:00:00Z",
                    "deadline": "2026-03-22",
                    "overdue": False,
                    "overdue_marked_at": None,
                    "outcome": None,
                    "answer": None,
                    "corrections": None,
                    "record_version": None,
                    "resolved_by": None,
                    "resolved_at": None,
                    "version": 1,
                }
            ]
        }
    )

    id: str
    record_id: str
    uscc: str
    source: str = Field(description="The department that filed the record and answers.")
    reason: str
    evidence_urls: list[str]
    status: ObjectionStatus
    opened_by: str
    actor: str | None = Field(description="The portal that opened it on the enterprise's behalf.")
    opened_at: UtcDateTime
    deadline: date = Field(
        description="Last Asia/Shanghai calendar day to answer by: 20 calendar days after "
        "the day it was opened (征信业管理条例 art. 25)."
    )
    overdue: bool = Field(description="Still open after its deadline.")
    overdue_marked_at: UtcDateTime | None = Field(
        description="When the objection clock announced it overdue (`objection.overdue`)."
    )
    outcome: ObjectionOutcome | None
    answer: str | None
    corrections: dict[str, str | None] | None
    record_version: int | None = Field(description="The record's version after the answer.")
    resolved_by: str | None
    resolved_at: UtcDateTime | None
    version: int


class ObjectionFilters(BaseModel):
    """Filters of the objection list (combined with AND)."""

    model_config = ConfigDict(extra="forbid")

    overdue: bool | None = Field(
        default=None, description="Only open objections past (or within) their deadline."
    )
    status: ObjectionStatus | None = None
    record_id: str | None = Field(default=None, max_length=40)


class CreditStatementCreate(BaseModel):
    """The enterprise's own statement on a record about it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"text": "The overdue instalment was caused by the bank's system migration."}
            ]
        },
    )

    text: str = Field(min_length=1, max_length=2000)


class CreditStatementPublic(BaseModel):
    """A statement shown with the record in every report."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "stm_01JD4A1B2C3D4E5F6G7H8J9K0M",
                    "record_id": EXAMPLE_RECORD,
                    "uscc": "91140100MA0K000017",
                    "text": "The overdue instalment was caused by the bank's system migration.",
                    "filed_by": "cli_ent_1",
                    "actor": None,
                    "filed_at": "2026-03-02T02:00:00Z",
                }
            ]
        }
    )

    id: str
    record_id: str
    uscc: str
    text: str
    filed_by: str
    actor: str | None
    filed_at: UtcDateTime
