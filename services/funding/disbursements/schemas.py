"""Schemas of disbursements."""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Status = Literal["proposed", "approved", "paid", "cancelled"]

_EXAMPLE: dict[str, Any] = {
    "id": "dsb_01JD3Z8Q6T8V4N2M5K1H0G9F8E",
    "payee_uscc": "91140105MA0KDE119Q",
    "payee_name": "太原矩阵科技有限公司",
    "amount_fen": 25000000,
    "account": "line:2015:public-services",
    "purpose": "voucher_settlement",
    "source_ref": "stl_01JD3Z8Q6T8V4N2M5K1H0G9F8F",
    "year": 2015,
    "budget_line": "public-services",
    "district": None,
    "rule_set_version": None,
    "acceptance_ref": None,
    "status": "paid",
    "version": 3,
    "proposed_by": "funding.vouchers-feed",
    "proposed_at": "2015-11-02T02:00:00Z",
    "approved_by": "cli_admin_li",
    "approved_at": "2015-11-03T02:00:00Z",
    "approval_note": None,
    "payment_reference": "ICBC-20151104-000123",
    "paid_on": "2015-11-04",
    "paid_at": "2015-11-04T03:00:00Z",
    "paid_by": "cli_admin_wang",
    "public_record_seq": 17,
    "cancelled_by": None,
    "cancelled_at": None,
    "cancel_reason": None,
}


class DisbursementPublic(BaseModel):
    """A disbursement: money committed to a payee, approved by a second admin, paid or cancelled."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    id: str
    payee_uscc: str
    payee_name: str
    amount_fen: int = Field(description="What the payee is paid, in fen (always positive).")
    account: str = Field(description="The ledger account the money is committed from.")
    purpose: str = Field(
        description="What it pays: `reward`, `voucher_settlement`, a financing instrument."
    )
    source_ref: str = Field(
        description="What it comes from: the reward run's line, the settlement id, the loan."
    )
    year: int
    budget_line: str
    district: str | None
    rule_set_version: str | None
    acceptance_ref: str | None
    status: Status
    version: int
    proposed_by: str
    proposed_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    approval_note: str | None
    payment_reference: str | None = Field(description="The bank's payment reference.")
    paid_on: date | None
    paid_at: datetime | None
    paid_by: str | None
    public_record_seq: int | None = Field(
        description="The sequence number of its record in the public ledger, once paid."
    )
    cancelled_by: str | None
    cancelled_at: datetime | None
    cancel_reason: str | None


class DisbursementApprovalCreate(BaseModel):
    """Approve a proposed disbursement (an admin other than the proposer)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"note": "Checked against the acceptance record."}]},
    )

    note: str | None = Field(default=None, max_length=1000, description="Why, for the file.")


class DisbursementPaymentCreate(BaseModel):
    """The bank paid an approved disbursement: its payment reference (and the day it paid)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"payment_reference": "ICBC-20151104-000123", "paid_on": "2015-11-04"}]
        },
    )

    payment_reference: str = Field(
        min_length=1,
        max_length=80,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
        description="The bank's payment reference; paying again with it answers the same.",
        examples=["ICBC-20151104-000123"],
    )
    paid_on: date | None = Field(
        default=None,
        ge=date(2000, 1, 1),
        description="The day the bank paid (an ISO date from 2000-01-01, not after today); "
        "default: today (Asia/Shanghai).",
    )

    @field_validator("paid_on", mode="before")
    @classmethod
    def _an_iso_day(cls, value: Any) -> Any:
        """A number is no day (pydantic would read it as seconds since 1970)."""
        if value is not None and not isinstance(value, str | date):
            raise ValueError("an ISO date such as 2015-11-04")
        return value


class DisbursementCancellationCreate(BaseModel):
    """Cancel a proposed or approved disbursement: its money goes back to its account."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "The acceptance result was corrected."}]},
    )

    reason: str = Field(min_length=1, max_length=1000, description="Why, for the file.")


class DisbursementFilters(BaseModel):
    """Filters of the disbursement list."""

    status: Status | None = None
    purpose: str | None = Field(default=None, max_length=40, pattern=r"^[a-z_]+$")
    payee: str | None = Field(
        default=None, max_length=18, pattern=r"^[0-9A-Z]{18}$", description="The payee's USCC."
    )
    year: int | None = Field(default=None, ge=2000, le=2100)
    line: str | None = Field(
        default=None, max_length=80, pattern=r"^[a-z0-9_:-]+$", description="The budget line."
    )


class SettlementRequestPublic(BaseModel):
    """A voucher settlement the vouchers service asked funding to pay, and what became of it."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "settlement_id": "stl_01JD3Z8Q6T8V4N2M5K1H0G9F8F",
                    "provider_id": "prv_01JD3Z8Q6T8V4N2M5K1H0G9F8G",
                    "provider_uscc": "12140000MB1234567X",
                    "provider_name": "山西省检测研究院",
                    "amount_fen": 250000,
                    "month": "2015-10",
                    "outcome": "not_funded",
                    "disbursement_id": None,
                    "detail": "ledger_insufficient_funds: The transfer would take "
                    "line:2015:public-services below zero.",
                    "received_at": "2015-11-01T02:00:00Z",
                }
            ]
        },
    )

    settlement_id: str
    provider_id: str
    provider_uscc: str
    provider_name: str | None
    amount_fen: int
    month: str
    outcome: Literal["proposed", "nothing_to_pay", "not_funded"] = Field(
        description="`proposed` (see `disbursement_id`); `nothing_to_pay` (an amount of zero or "
        "less: nothing proposed); `not_funded` (the voucher line is missing or short: `detail`)."
    )
    disbursement_id: str | None
    detail: str | None
    received_at: datetime


class SettlementRequestFilters(BaseModel):
    """Filters of the settlement-request list."""

    outcome: Literal["proposed", "nothing_to_pay", "not_funded"] | None = None
