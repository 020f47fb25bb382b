"""Request and response bodies of the department remits."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, JsonValue


class RemitField(StrEnum):
    """An enterprise field as `PATCH /v1/enterprises/{uscc}` names it."""

    NAME = "name"
    DISTRICT = "district"
    INDUSTRY = "industry"
    FOUNDED_ON = "founded_on"
    REGISTERED_CAPITAL_FEN = "registered_capital_fen"
    EMPLOYEES = "employees"
    REVENUE_FEN = "revenue_fen"
    ASSETS_FEN = "assets_fen"
    IS_TECH_SME = "is_tech_sme"
    FOUNDER_GRADUATED_ON = "founder_graduated_on"
    LEGAL_REPRESENTATIVE = "legal_representative"
    CONTACT = "contact"


class RemitRecord(StrEnum):
    """A record type a department may file."""

    ENTERPRISE_FILING = "enterprise_filing"
    DEREGISTRATION = "deregistration"
    INDICATOR_REPORT = "indicator_report"
    TAX_RELIEF_FILING = "tax_relief_filing"


_TAX_EXAMPLE: dict[str, JsonValue] = {
    "fields": ["revenue_fen", "assets_fen"],
    "records": ["indicator_report", "tax_relief_filing"],
}


class RemitUpdate(BaseModel):
    """A department's whole remit; it replaces the one recorded before."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_TAX_EXAMPLE]})

    fields: list[RemitField] = Field(
        max_length=len(RemitField),
        description="Enterprise fields the department may change (`PATCH /v1/enterprises/{uscc}`).",
    )
    records: list[RemitRecord] = Field(
        max_length=len(RemitRecord),
        description="Record types the department may file: `enterprise_filing` (filings and "
        "imports), `deregistration`, `indicator_report`, `tax_relief_filing`.",
    )


class RemitPublic(BaseModel):
    """What one department may change and file."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "department": "tax",
                    **_TAX_EXAMPLE,
                    "version": 2,
                    "updated_by": "cli_demo_admin",
                    "updated_at": "2026-12-01T02:00:00Z",
                }
            ]
        }
    )

    department: str = Field(description="The department code (a department client's `org`).")
    fields: list[RemitField]
    records: list[RemitRecord]
    version: int
    updated_by: str
    updated_at: datetime
