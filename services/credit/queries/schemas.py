"""What the query-log routes return."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.credit.consents.schemas import ConsentPurpose

QueryOutcome = Literal["granted", "refused"]


class CreditQueryPublic(BaseModel):
    """One attempt to read a credit report, as the enterprise (all) or the bank (its own) sees it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "qry_01JD3Z8Q6T8V4N2M5K1H0G9F8E",
                    "uscc": "91140105MA0GRX0Y7C",
                    "bank": "JSB",
                    "client_id": "cli_01JD3Z8Q6T8V4N2M5K1H0G9F8F",
                    "purpose": "pre_loan_review",
                    "consent_id": "cns_01JD3Z8Q6T8V4N2M5K1H0G9F8G",
                    "outcome": "granted",
                    "refusal_code": None,
                    "request_id": "req_01JD3Z8Q6T8V4N2M5K1H0G9F8H",
                    "at": "2026-11-30T02:00:00Z",
                }
            ]
        }
    )

    id: str = Field(description="The query's id; a granted report carries it as its `id`.")
    uscc: str
    bank: str = Field(description="The bank's code (its client's organisation).")
    client_id: str = Field(description="The bank's client that asked.")
    purpose: ConsentPurpose
    consent_id: str | None = Field(description="The consent it was read under (granted only).")
    outcome: QueryOutcome
    refusal_code: str | None = Field(description="Why it was refused, e.g. `consent_required`.")
    request_id: str | None = Field(description="The request's `X-Request-ID`.")
    at: datetime


class CreditQueryCountPublic(BaseModel):
    """Reports read for one purpose."""

    purpose: ConsentPurpose
    count: int


class CreditQuerySummaryPublic(BaseModel):
    """Past reads of the report (granted ones) since a day: counts only, no bank named."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "since": "2025-11-30",
                    "total": 3,
                    "by_purpose": [
                        {"purpose": "pre_loan_review", "count": 2},
                        {"purpose": "post_loan_management", "count": 1},
                        {"purpose": "guarantee_review", "count": 0},
                    ],
                }
            ]
        }
    )

    since: date = Field(description="The first day counted (twelve months back).")
    total: int
    by_purpose: list[CreditQueryCountPublic]


class CreditQueryFilters(BaseModel):
    """Filters of a query log (combined with AND)."""

    purpose: ConsentPurpose | None = None
    outcome: QueryOutcome | None = None
