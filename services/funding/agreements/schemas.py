"""What the bank-agreement routes take and return."""

from datetime import date, datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

BANK_CODE = r"^[A-Za-z0-9_-]{2,18}$"
_TERMS_EXAMPLE: dict[str, Any] = {
    "bank_code": "JSB",
    "bank_name": "晋商银行",
    "effective_from": "2015-01-01",
    "leverage_multiple": 10,
    "rate_cap_bp": 650,
    "pool_share_bp": 6000,
    "per_loan_cap_fen": 300_000_000,
    "per_enterprise_cap_fen": 500_000_000,
    "note": "2015 助保贷 cooperation agreement",
}


class BankAgreementCreate(BaseModel):
    """A new version of a bank's terms, in force from `effective_from`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_TERMS_EXAMPLE]})

    bank_code: str = Field(
        pattern=BANK_CODE, description="The bank's code: its clients' `org` (e.g. `JSB`)."
    )
    bank_name: str = Field(min_length=1, max_length=200)
    effective_from: date = Field(description="The first day these terms apply (loan start date).")
    leverage_multiple: int = Field(
        default=10,
        ge=1,
        le=50,
        description="Outstanding guaranteed principal may reach this multiple of the pool.",
    )
    rate_cap_bp: int = Field(
        gt=0, le=10_000, description="The highest yearly interest rate, basis points (650 = 6.5%)."
    )
    pool_share_bp: int = Field(
        ge=0, le=10_000, description="The pool's share of a loss, basis points (6000 = 60%)."
    )
    per_loan_cap_fen: int = Field(gt=0, le=10**15, description="The largest principal of a loan.")
    per_enterprise_cap_fen: int = Field(
        gt=0,
        le=10**15,
        description="The most outstanding principal this bank may have guaranteed for one "
        "enterprise (at least the per-loan cap).",
    )
    note: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _caps(self) -> Self:
        if self.per_enterprise_cap_fen < self.per_loan_cap_fen:
            raise ValueError("per_enterprise_cap_fen must be at least per_loan_cap_fen")
        return self


class BankAgreementVersionPublic(BaseModel):
    """One version of a bank's terms."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_TERMS_EXAMPLE,
                    "id": "agr_01JDA1B2C3D4E5F6G7H8J9K0M1",
                    "version": 1,
                    "created_by": "cli_admin",
                    "created_at": "2026-11-30T08:00:00Z",
                }
            ]
        }
    )

    id: str
    bank_code: str
    bank_name: str
    version: int
    effective_from: date
    leverage_multiple: int
    rate_cap_bp: int
    pool_share_bp: int
    per_loan_cap_fen: int
    per_enterprise_cap_fen: int
    note: str | None
    created_by: str
    created_at: datetime


_VERSION_EXAMPLE: dict[str, Any] = {
    **_TERMS_EXAMPLE,
    "id": "agr_01JDA1B2C3D4E5F6G7H8J9K0M1",
    "version": 1,
    "created_by": "cli_admin",
    "created_at": "2026-11-30T08:00:00Z",
}


class BankAgreementPublic(BaseModel):
    """A bank's agreement: the version in force today, and every version."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "bank_code": "JSB",
                    "bank_name": "晋商银行",
                    "in_force": _VERSION_EXAMPLE,
                    "versions": [_VERSION_EXAMPLE],
                }
            ]
        }
    )

    bank_code: str
    bank_name: str
    in_force: BankAgreementVersionPublic | None = Field(
        description="The version in force today (Asia/Shanghai); null before the first one."
    )
    versions: list[BankAgreementVersionPublic] = Field(description="Oldest first.")
