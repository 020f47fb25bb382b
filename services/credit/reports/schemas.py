"""What a credit report holds: master data, records with statements, lists, rating, 诚信企业
status, past queries."""

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

    id: str
    text: str
    filed_at: datetime


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


class CreditReportRatingReasonPublic(BaseModel):
    """A reason code of the rating, with the records behind it."""

    code: str
    factor: str
    points: int
    record_ids: list[str]


class CreditReportRatingPublic(BaseModel):
    """The rating that stood when the report was generated, with the reasons that decided it."""

    id: str
    score: int
    grade: str
    reasons: list[CreditReportRatingReasonPublic]
    rule_set_id: str
    rule_set_version: int
    valid_from: datetime


class CreditReportCertificationPublic(BaseModel):
    """The 诚信企业 status when the report was generated."""

    certified: bool = Field(description="Holds a title in force.")
    year: int | None = Field(description="The year of the title in force, else the latest one.")
    revoked_at: datetime | None = Field(description="When the latest title was revoked, if it was.")


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
                            "statements": [
                                {
                                    "id": "stm_01JD3Z8Q6T8V4N2M5K1H0G9F8K",
                                    "text": "已于2026年4月补缴，见完税证明。",
                                    "filed_at": "2026-04-20T03:00:00Z",
                                }
                            ],
                        }
                    ],
                    "lists": {"serious_dishonesty": False, "abnormal_operation": False},
                    "rating": {
                        "id": "rtg_01JD3Z8Q6T8V4N2M5K1H0G9F8M",
                        "score": 620,
                        "grade": "B",
                        "reasons": [
                            {
                                "code": "R02_NEGATIVE_RECORDS",
                                "factor": "negative_records",
                                "points": -60,
                                "record_ids": ["rec_01JD3Z8Q6T8V4N2M5K1H0G9F8J"],
                            }
                        ],
                        "rule_set_id": "rls_credit_scorecard_v1",
                        "rule_set_version": 1,
                        "valid_from": "2026-11-30T02:00:00Z",
                    },
                    "certification": {"certified": False, "year": None, "revoked_at": None},
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
        default=None, description="Null while the enterprise has no rating."
    )
    certification: CreditReportCertificationPublic
    queries: CreditQuerySummaryPublic = Field(
        description="Past reads of this report over twelve months, by purpose (no bank named)."
    )
