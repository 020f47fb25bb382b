"""What a credit report holds; `rating` and `certification` are null until their domains land."""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from services.credit.consents.schemas import ConsentPurpose
from services.credit.queries.schemas import CreditQuerySummaryPublic

EXAMPLE_USCC = "91140105MA0GRX0Y7C"


class CreditReportEnterprisePublic(BaseModel):
    """Master data, as the credit service's replica of the register holds it."""

    uscc: str
    name: str
    district: str
    industry: str
    founded_on: date
    size_class: str
    is_tech_sme: bool
    employees: int
    status: str = Field(description="`active` or `deregistered`.")


class CreditReportStatementPublic(BaseModel):
    """The enterprise's statement (异议/说明) attached to a record."""

    text: str
    made_at: datetime


class CreditReportRecordPublic(BaseModel):
    """One record that counts, as its source last filed it; `disputed` while an objection runs."""

    id: str
    type: str
    polarity: str = Field(description="`negative`, `positive` or `loan`.")
    source: str
    occurred_on: date
    ended_on: date | None = None
    title: str
    loan_status: str | None = None
    disputed: bool = Field(description="An objection against this record is being handled.")
    statements: list[CreditReportStatementPublic] = Field(
        default_factory=list, description="The enterprise's statements on it (objections)."
    )


class CreditListStatusPublic(BaseModel):
    """Whether the enterprise is on the serious-dishonesty list or the abnormal-operation list."""

    serious_dishonesty: bool
    abnormal_operation: bool


class CreditReportRatingPublic(BaseModel):
    """The enterprise's current rating with the reasons that decided it."""

    grade: str
    score: int | None = None
    reasons: list[str] = Field(default_factory=list)
    rated_at: datetime
    rule_set_version: str | None = None


class CreditReportCertificationPublic(BaseModel):
    """The 诚信企业 status."""

    certified: bool
    since: date | None = None
    until: date | None = None


class CreditReportPublic(BaseModel):
    """An enterprise's credit report, read by a bank under its consent."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "qry_01JD3Z8Q6T8V4N2M5K1H0G9F8E",
                    "uscc": EXAMPLE_USCC,
                    "purpose": "pre_loan_review",
                    "bank": "JSB",
                    "consent_id": "cns_01JD3Z8Q6T8V4N2M5K1H0G9F8G",
                    "generated_at": "2026-11-30T02:00:00Z",
                    "enterprise": {
                        "uscc": EXAMPLE_USCC,
                        "name": "太原市小店区晋阳软件有限公司",
                        "district": "xiaodian",
                        "industry": "6510",
                        "founded_on": "2014-03-18",
                        "size_class": "small",
                        "is_tech_sme": True,
                        "employees": 35,
                        "status": "active",
                    },
                    "records": [
                        {
                            "id": "rec_01JD3Z8Q6T8V4N2M5K1H0G9F8J",
                            "type": "tax_arrears",
                            "polarity": "negative",
                            "source": "tax_bureau",
                            "occurred_on": "2026-03-01",
                            "ended_on": None,
                            "title": "增值税欠缴",
                            "loan_status": None,
                            "disputed": True,
                            "statements": [],
                        }
                    ],
                    "lists": {"serious_dishonesty": False, "abnormal_operation": False},
                    "rating": None,
                    "certification": None,
                    "queries": {
                        "since": "2025-11-30",
                        "total": 1,
                        "by_purpose": [
                            {"purpose": "pre_loan_review", "count": 1},
                            {"purpose": "post_loan_management", "count": 0},
                            {"purpose": "guarantee_review", "count": 0},
                        ],
                    },
                }
            ]
        }
    )

    id: str = Field(description="The query-log entry of this read (the enterprise sees it).")
    uscc: str
    purpose: ConsentPurpose
    bank: str
    consent_id: str
    generated_at: datetime
    enterprise: CreditReportEnterprisePublic
    records: list[CreditReportRecordPublic] = Field(
        description="Records that count (withdrawn and repaired ones do not), newest first."
    )
    lists: CreditListStatusPublic
    rating: CreditReportRatingPublic | None = Field(
        default=None, description="Null until the enterprise is rated."
    )
    certification: CreditReportCertificationPublic | None = Field(
        default=None, description="Null until the 诚信企业 status is known."
    )
    queries: CreditQuerySummaryPublic = Field(
        description="Past reads of this report over twelve months, by purpose (no bank named)."
    )


class CreditGradePublic(BaseModel):
    """The public summary of an enterprise's rating: the grade only."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"uscc": EXAMPLE_USCC, "grade": "A", "rated_at": "2026-11-30T02:00:00Z"}]
        }
    )

    uscc: str
    grade: str
    rated_at: datetime
