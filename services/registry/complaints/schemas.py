"""Request and response bodies of the complaint centre."""

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from services.common.clock import UtcDateTime


class ComplaintClass(StrEnum):
    """How a complaint is handled: by a department, investigated as policy, or escalated."""

    ORDINARY = "ordinary"
    POLICY = "policy"
    URGENT = "urgent"


class ComplaintCategory(StrEnum):
    """What the complaint is about; each has a responsible department."""

    FEES = "fees"
    TAX = "tax"
    REGISTRATION = "registration"
    FINANCING = "financing"
    TECHNOLOGY = "technology"
    EMPLOYMENT = "employment"
    QUALITY = "quality"
    LEGAL = "legal"
    COMMERCE = "commerce"
    POLICY_IMPLEMENTATION = "policy_implementation"
    SERVICE_CONDUCT = "service_conduct"
    OTHER = "other"


class Department(StrEnum):
    """Departments that handle complaints (and the mayor's office for escalations)."""

    SCIENCE = "science"
    SME_BUREAU = "sme_bureau"
    COMMERCE = "commerce"
    BUSINESS_REGISTRATION = "business_registration"
    FINANCE = "finance"
    HR = "hr"
    TAX = "tax"
    JUSTICE = "justice"
    QUALITY = "quality"
    STATISTICS = "statistics"
    MAYOR_OFFICE = "mayor_office"


class ComplaintState(StrEnum):
    """Where a complaint is in its life."""

    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    INVESTIGATING = "investigating"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    REPORTED = "reported"
    REJECTED = "rejected"
    CLOSED = "closed"


class ComplaintAction(StrEnum):
    """What can be done to a complaint; the state machine says when."""

    START = "start"
    REASSIGN = "reassign"
    ESCALATE = "escalate"
    RESOLVE = "resolve"
    REPORT = "report"
    REJECT = "reject"
    REOPEN = "reopen"
    CLOSE = "close"


class ComplainantContact(BaseModel):
    """How to reach the complainant; seen only by the handling staff."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=32, pattern=r"^\+?[0-9 ()\-]{5,32}$")
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ComplaintCreate(BaseModel):
    """A complaint from an enterprise (or a portal for it); `anonymous` hides who filed it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "category": "fees",
                    "complaint_class": "ordinary",
                    "subject": "Fee charged that is on the exempt list",
                    "description": "The district inspection station charged us a fee in March.",
                    "anonymous": False,
                    "contact": {"name": "Wang Li", "phone": "+86 351 1234567"},
                }
            ]
        },
    )

    category: ComplaintCategory
    complaint_class: ComplaintClass = ComplaintClass.ORDINARY
    subject: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=5000)
    department: Department | None = Field(
        default=None,
        description="For ordinary complaints, the department to assign (default: the "
        "category's responsible department).",
    )
    anonymous: bool = Field(
        default=False, description="Do not record which enterprise filed it; follow it by ticket."
    )
    contact: ComplainantContact | None = None


class HistoryEntry(BaseModel):
    """One step of a complaint's history."""

    action: str = Field(examples=["start"])
    from_state: ComplaintState | None
    to_state: ComplaintState
    department: str
    note: str | None
    actor_kind: str
    at: UtcDateTime


class ComplaintPublic(BaseModel):
    """A complaint as staff and its (named) complainant see it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "cmp_01JA2B3C4D5E6F7G8H9J0KMNPQ",
                    "ticket": "TS-7K2M9QH4XA",
                    "category": "fees",
                    "complaint_class": "ordinary",
                    "subject": "Fee charged that is on the exempt list",
                    "description": "The district inspection station charged us a fee in March.",
                    "department": "finance",
                    "state": "assigned",
                    "received_on": "2015-06-01",
                    "deadline": "2015-06-15",
                    "overdue": False,
                    "anonymous": False,
                    "complainant_uscc": "91140100MA0GRDLQ3T",
                    "contact": {"name": "Wang Li", "phone": "+86 351 1234567", "email": None},
                    "allowed_actions": ["start", "reassign", "escalate", "reject"],
                    "version": 1,
                }
            ]
        }
    )

    id: str
    ticket: str
    category: ComplaintCategory
    complaint_class: ComplaintClass
    subject: str
    description: str
    department: Department
    state: ComplaintState
    received_on: date
    deadline: date = Field(description="Last working day (Asia/Shanghai) to answer by.")
    overdue: bool
    escalated_at: UtcDateTime | None
    answered_at: UtcDateTime | None
    closed_at: UtcDateTime | None
    resolution: str | None
    anonymous: bool
    complainant_uscc: str | None
    contact: ComplainantContact | None = Field(
        description="Shown to the handling staff and the complainant."
    )
    allowed_actions: list[ComplaintAction] = Field(
        description="Actions the state machine allows from the current state."
    )
    version: int
    created_at: UtcDateTime
    updated_at: UtcDateTime


class ComplaintDetail(ComplaintPublic):
    """A complaint and its history."""

    history: list[HistoryEntry]


class ComplaintReceipt(ComplaintDetail):
    """The new complaint, with the ticket and the access code to follow it (shown only once)."""

    access_code: str = Field(
        description="Keep it: with the ticket it opens the public status page. Not shown again.",
        examples=["Q7RM-4XKA-9PZT"],
    )


class TransitionCreate(BaseModel):
    """Move a complaint through the state machine."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"action": "resolve", "note": "The fee was refunded on 10 June."},
                {"action": "reassign", "department": "tax", "note": "It is a tax matter."},
            ]
        },
    )

    action: ComplaintAction
    note: str | None = Field(
        default=None, max_length=2000, description="For resolve/report/reject: the answer."
    )
    department: Department | None = Field(default=None, description="For reassign: the new one.")


class TrackingLookup(BaseModel):
    """A ticket and its access code."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"ticket": "TS-7K2M9QH4XA", "access_code": "Q7RM-4XKA-9PZT"}]
        },
    )

    ticket: str = Field(min_length=1, max_length=20)
    access_code: str = Field(min_length=1, max_length=40)


class TrackingStep(BaseModel):
    """A step as the complainant sees it."""

    action: str
    to_state: ComplaintState
    at: UtcDateTime


class ComplaintTracking(BaseModel):
    """The public status of a complaint: no contact, no complainant, no internal notes."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ticket": "TS-7K2M9QH4XA",
                    "subject": "Fee charged that is on the exempt list",
                    "complaint_class": "ordinary",
                    "department": "finance",
                    "state": "resolved",
                    "received_on": "2015-06-01",
                    "deadline": "2015-06-15",
                    "resolution": "The fee was refunded on 10 June.",
                    "steps": [],
                }
            ]
        }
    )

    ticket: str
    subject: str
    category: ComplaintCategory
    complaint_class: ComplaintClass
    department: Department
    state: ComplaintState
    received_on: date
    deadline: date
    answered_at: UtcDateTime | None
    closed_at: UtcDateTime | None
    resolution: str | None
    steps: list[TrackingStep]


class DepartmentStats(BaseModel):
    """One department's complaints: counts and the on-time rate."""

    department: str
    total: int
    open: int
    overdue: int = Field(description="Open past their deadline.")
    answered: int = Field(description="Resolved, reported or rejected.")
    answered_on_time: int
    on_time_percent: str | None = Field(
        description="answered on time ÷ (answered + overdue), exact, 2 places.", examples=["92.31"]
    )
    on_time_bp: int | None = Field(description="The same in basis points.")


class ComplaintStats(BaseModel):
    """Per-department counts and on-time rates (departments with complaints only)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "as_of": "2015-07-01",
                    "departments": [
                        {
                            "department": "finance",
                            "total": 14,
                            "open": 2,
                            "overdue": 1,
                            "answered": 12,
                            "answered_on_time": 11,
                            "on_time_percent": "84.62",
                            "on_time_bp": 8462,
                        }
                    ],
                }
            ]
        }
    )

    as_of: date
    departments: list[DepartmentStats]


class TransitionRule(BaseModel):
    """One allowed move of the state machine."""

    from_state: ComplaintState
    action: ComplaintAction
    to_state: ComplaintState
    who: list[str] = Field(description="Who may take it: admin, handling_department, complainant.")


class StateMachine(BaseModel):
    """The complaint state machine as data: initial states by class, and every allowed move."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "initial": {
                        "ordinary": "assigned",
                        "policy": "investigating",
                        "urgent": "escalated",
                    },
                    "deadline_working_days": {"ordinary": 10, "policy": 20, "urgent": 1},
                    "transitions": [
                        {
                            "from_state": "assigned",
                            "action": "start",
                            "to_state": "in_progress",
                            "who": ["admin", "handling_department"],
                        }
                    ],
                }
            ]
        }
    )

    initial: dict[ComplaintClass, ComplaintState]
    deadline_working_days: dict[ComplaintClass, int]
    transitions: list[TransitionRule]
