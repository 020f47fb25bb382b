"""Request and response bodies of tax and fee relief."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from services.common.clock import UtcDateTime


class TaxType(StrEnum):
    """Taxes and fees under which small and micro enterprises are relieved."""

    VALUE_ADDED_TAX = "value_added_tax"
    BUSINESS_TAX = "business_tax"
    CORPORATE_INCOME_TAX = "corporate_income_tax"
    INDIVIDUAL_INCOME_TAX = "individual_income_tax"
    URBAN_MAINTENANCE_TAX = "urban_maintenance_tax"
    EDUCATION_SURCHARGE = "education_surcharge"
    LOCAL_EDUCATION_SURCHARGE = "local_education_surcharge"
    STAMP_DUTY = "stamp_duty"
    WATER_CONSERVANCY_FUND = "water_conservancy_fund"
    ADMINISTRATIVE_FEES = "administrative_fees"
    GOVERNMENT_FUNDS = "government_funds"
    OTHER = "other"


_FILING_EXAMPLE: JsonDict = {
    "year": 2015,
    "quarter": 2,
    "tax_type": "value_added_tax",
    "enterprises": 12_840,
    "amount_fen": 3_560_000_000,
    "note": "VAT exemption for monthly sales under 30,000 yuan",
}


class TaxReliefFilingCreate(BaseModel):
    """One quarter's relief under one tax type, as a tax department files it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_FILING_EXAMPLE]})

    year: int = Field(ge=2000, le=2100)
    quarter: int = Field(ge=1, le=4)
    tax_type: TaxType
    enterprises: int = Field(ge=0, le=10_000_000, description="Enterprises relieved.")
    amount_fen: int = Field(ge=0, le=10**16, description="Amount relieved, in fen.")
    note: str | None = Field(default=None, max_length=500)
    department: str | None = Field(
        default=None,
        max_length=40,
        description="The filing tax department; administrators must name it, departments may "
        "omit it (their token's `org` is used).",
        examples=["state_tax"],
    )


class TaxReliefFilingUpdate(BaseModel):
    """A correction of a filing's figures."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"enterprises": 12_901, "amount_fen": 3_571_200_000}]},
    )

    enterprises: int = Field(ge=0, le=10_000_000)
    amount_fen: int = Field(ge=0, le=10**16)
    note: str | None = Field(default=None, max_length=500)


class TaxReliefFilingPublic(BaseModel):
    """A stored filing."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "trf_01JA2B3C4D5E6F7G8H9J0KMNPQ",
                    **_FILING_EXAMPLE,
                    "department": "state_tax",
                    "version": 1,
                    "filed_by": "cli_state_tax",
                    "filed_at": "2015-07-10T02:00:00Z",
                    "updated_at": "2015-07-10T02:00:00Z",
                }
            ]
        },
    )

    id: str
    year: int
    quarter: int
    tax_type: TaxType
    department: str
    enterprises: int
    amount_fen: int
    note: str | None
    version: int
    filed_by: str
    filed_at: UtcDateTime
    updated_at: UtcDateTime


class TaxTypeLine(BaseModel):
    """One tax type's relief in the quarter, over all departments."""

    tax_type: TaxType
    enterprises: int = Field(description="Sum of the departments' counts under this tax type.")
    amount_fen: int
    departments: list[str]


class QuarterlyReliefReport(BaseModel):
    """Tax and fee relief in one quarter, by tax type (every type listed, zero when none)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "year": 2015,
                    "quarter": 2,
                    "lines": [
                        {
                            "tax_type": "value_added_tax",
                            "enterprises": 12_840,
                            "amount_fen": 3_560_000_000,
                            "departments": ["state_tax"],
                        }
                    ],
                    "total_amount_fen": 3_560_000_000,
                    "enterprise_relief_count": 12_840,
                    "filings": 1,
                }
            ]
        }
    )

    year: int
    quarter: int
    lines: list[TaxTypeLine]
    total_amount_fen: int
    enterprise_relief_count: int = Field(
        description="Sum of the per-type counts: an enterprise relieved under several types "
        "counts once per type."
    )
    filings: int
