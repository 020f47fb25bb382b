"""What the application routes take and return; table models never leave the service."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ApplicationStatus = Literal["pending", "approved", "refused"]
Category = Annotated[str, Field(min_length=1, max_length=40)]
EXAMPLE_USCC = "91140105MA0GRX0Y7C"


class VoucherApplicationCreate(BaseModel):
    """An application for a voucher of one programme, for the enterprise the token names."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "programme_id": "vpg_01JDZ3X7Q6T8V4N2M5K1H0G9F8",
                    "categories": ["testing", "consulting"],
                    "purpose": "EMC testing of our new controller board.",
                }
            ]
        },
    )

    programme_id: str = Field(min_length=1, max_length=40)
    categories: list[Category] = Field(
        min_length=1, max_length=20, description="Service categories the voucher is wanted for."
    )
    purpose: str = Field(min_length=1, max_length=1000)


class VoucherApplicationDecisionCreate(BaseModel):
    """The administration's decision on a pending application."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"decision": "approve", "reason": None},
                {"decision": "refuse", "reason": "The purpose is not a covered service."},
            ]
        },
    )

    decision: Literal["approve", "refuse"]
    reason: str | None = Field(
        default=None, min_length=1, max_length=1000, description="Required for a refusal."
    )


class VoucherApplicationPublic(BaseModel):
    """An application, its eligibility with the rules' trace as reasons, and its decision."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "vap_01JDZ3X7Q6T8V4N2M5K1H0G9F8",
                    "programme_id": "vpg_01JDZ3X7Q6T8V4N2M5K1H0G9F8",
                    "uscc": EXAMPLE_USCC,
                    "categories": ["testing"],
                    "purpose": "EMC testing of our new controller board.",
                    "status": "approved",
                    "eligible": True,
                    "reasons": [],
                    "eligibility": {
                        "rule_set_id": "rls_01JDZ3X7Q6T8V4N2M5K1H0G9F8",
                        "family": "vouchers.eligibility.innovation",
                        "version": 1,
                        "on": "2026-11-30",
                        "inputs": {"is_tech_sme": True, "status": "active"},
                        "reasons": [],
                        "steps": [
                            {
                                "rule": "technology_sme",
                                "expression": "is_tech_sme",
                                "value": True,
                                "inputs_used": {"is_tech_sme": True},
                            }
                        ],
                    },
                    "rule_set_id": "rls_01JDZ3X7Q6T8V4N2M5K1H0G9F8",
                    "applied_by": "cli_portal",
                    "actor": "cli_portal",
                    "decided_by": "auto_approve",
                    "decision_reason": None,
                    "decided_at": "2026-11-30T04:13:00Z",
                    "voucher_id": "vch_01JDZ3X7Q6T8V4N2M5K1H0G9F8",
                    "created_at": "2026-11-30T04:13:00Z",
                    "version": 2,
                }
            ]
        }
    )

    id: str
    programme_id: str
    uscc: str
    categories: list[str]
    purpose: str
    status: ApplicationStatus
    eligible: bool
    reasons: list[str] = Field(
        description="Why the enterprise is not eligible: the failed checks (empty if eligible)."
    )
    eligibility: dict[str, Any] = Field(
        description="The eligibility rules' trace: the rule set, the inputs, each rule's "
        "expression, value and the inputs it used."
    )
    rule_set_id: str | None = Field(description="The eligibility rule set evaluated.")
    applied_by: str = Field(description="The client that applied.")
    actor: str | None = Field(description="The portal that applied on the enterprise's behalf.")
    decided_by: str | None = Field(
        description="The administrator's client, `auto_approve`, or `eligibility` (refused as "
        "ineligible when applied)."
    )
    decision_reason: str | None
    decided_at: datetime | None
    voucher_id: str | None = Field(description="The voucher issued on approval.")
    created_at: datetime
    version: int


class VoucherApplicationFilters(BaseModel):
    """Filters of the application list (combined with AND)."""

    programme_id: str | None = Field(default=None, max_length=40)
    status: ApplicationStatus | None = None
    uscc: str | None = Field(default=None, max_length=18, description="Administration only.")
