"""What the graduate interest subsidy routes take and return."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from services.funding.interest.rules import add_years

BANK_CODE = r"^[A-Za-z0-9_-]{2,20}$"
LOAN_REF = r"^\S{1,64}$"
LONGEST_TERM_YEARS = 30  # the longest commercial loan term in China (a 30-year mortgage)

_STRETCH_EXAMPLE: Any = [
    {"first": "2015-04-01", "last": "2015-05-10", "days": 40, "rate_bp": 535,
     "rule_set_id": "rls_funding_interest_20150301", "version": 2},
    {"first": "2015-05-11", "last": "2015-06-27", "days": 48, "rate_bp": 510,
     "rule_set_id": "rls_funding_interest_20150511", "version": 3},
    {"first": "2015-06-28", "last": "2015-06-30", "days": 3, "rate_bp": 485,
     "rule_set_id": "rls_funding_interest_20150628", "version": 4},
]  # fmt: skip


class InterestClaimCreate(BaseModel):
    """A quarter's interest subsidy on a loan to the calling enterprise (or the enterprise a
    portal acts for)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "bank_code": "JSB",
                    "loan_ref": "JSB-TY-2015-000123",
                    "loan_date": "2015-03-16",
                    "matures_on": "2016-03-16",
                    "principal_fen": 50_000_000,
                    "year": 2015,
                    "quarter": 2,
                }
            ]
        },
    )

    bank_code: str = Field(pattern=BANK_CODE, description="The lending bank's code.")
    loan_ref: str = Field(pattern=LOAN_REF, description="The loan contract's number at the bank.")
    loan_date: date = Field(description="The day the loan was granted (interest runs from it).")
    matures_on: date = Field(description="The day the loan falls due (interest runs to the day "
                             "before): after loan_date, within 30 years of it.")  # fmt: skip
    principal_fen: int = Field(
        gt=0, le=100_000_000_000, description="The principal outstanding in the quarter, in fen."
    )
    year: int = Field(ge=2015, le=2100, description="The quarter's year.")
    quarter: int = Field(ge=1, le=4, description="The quarter, 1 to 4.")

    @field_validator("matures_on")
    @classmethod
    def _within_term(cls, matures_on: date, info: ValidationInfo) -> date:
        loan_date = info.data.get("loan_date")
        if loan_date is None:
            return matures_on  # loan_date is invalid: its own error says so
        if matures_on <= loan_date:
            raise ValueError(f"matures_on {matures_on} is not after loan_date {loan_date}")
        if matures_on > add_years(loan_date, LONGEST_TERM_YEARS):
            raise ValueError(
                f"a loan runs at most {LONGEST_TERM_YEARS} years: matures_on {matures_on} is "
                f"after {add_years(loan_date, LONGEST_TERM_YEARS)}"
            )
        return matures_on


class InterestStretchPublic(BaseModel):
    """Days of the quarter at one benchmark rate."""

    first: date
    last: date
    days: int
    rate_bp: int = Field(description="The benchmark rate in force, basis points a year.")
    rule_set_id: str
    version: int


class InterestClaimPublic(BaseModel):
    """A quarter's interest subsidy on a loan: its days at each benchmark rate, the amount and
    the disbursement that pays it."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "isc_01JD3Z8Q6T8V4N2M5K1H0G9F8E",
                    "enterprise_uscc": "91140105MA0KDE119Q",
                    "enterprise_name": "太原矩阵科技有限公司",
                    "founder_graduated_on": "2014-07-01",
                    "bank_code": "JSB",
                    "loan_ref": "JSB-TY-2015-000123",
                    "loan_date": "2015-03-16",
                    "matures_on": "2016-03-16",
                    "term_months": 12,
                    "principal_fen": 50_000_000,
                    "year": 2015,
                    "quarter": 2,
                    "first_day": "2015-04-01",
                    "last_day": "2015-06-30",
                    "days": 91,
                    "stretches": _STRETCH_EXAMPLE,
                    "amount_fen": 657_431,
                    "rule_set_version": "funding.interest.benchmark@2,3,4",
                    "account": "line:2015:financing:graduate-interest",
                    "disbursement_id": "dsb_01JD3Z8Q6T8V4N2M5K1H0G9F8G",
                    "claimed_by": "cli_matrix_enterprise",
                    "actor": None,
                    "created_at": "2015-07-03T02:00:00Z",
                }
            ]
        },
    )

    id: str
    enterprise_uscc: str
    enterprise_name: str
    founder_graduated_on: date
    bank_code: str
    loan_ref: str
    loan_date: date
    matures_on: date
    term_months: int
    principal_fen: int
    year: int
    quarter: int
    first_day: date = Field(description="The first day of the quarter the loan accrued.")
    last_day: date = Field(description="The last day of the quarter the loan accrued.")
    days: int
    stretches: list[InterestStretchPublic]
    amount_fen: int = Field(
        description="principal × Σ(rate × days) / 360, rounded once, half up, to the fen."
    )
    rule_set_version: str
    account: str = Field(description="The ledger line that pays it.")
    disbursement_id: str
    claimed_by: str
    actor: str | None = Field(description="The portal that claimed on the enterprise's behalf.")
    created_at: datetime


class InterestClaimFilters(BaseModel):
    """Filters of the claim list."""

    model_config = ConfigDict(extra="forbid")

    enterprise: str | None = Field(default=None, max_length=18, description="A borrower's USCC.")
    year: int | None = Field(default=None, ge=2015, le=2100)
    quarter: int | None = Field(default=None, ge=1, le=4)
