"""What the redemption routes take and return; table models never leave the service."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_FEN = 10**13  # ¥100 billion: beyond any contract, within BIGINT

EXAMPLE_CONTRACT: dict[str, Any] = {
    "reference": "TYUT-JS-2026-0117",
    "amount_fen": 5_000_000,
    "category": "testing",
}
EXAMPLE_REDEMPTION: dict[str, Any] = {
    "id": "rdm_01JDX3Z8Q6T8V4N2M5K1H0G9F8",
    "voucher_id": "vch_01JDX3Z8Q6T8V4N2M5K1H0G9F8",
    "programme_id": "vpg_01JDX3Z8Q6T8V4N2M5K1H0G9F8",
    "uscc": "91140105MA0GRX0Y7C",
    "provider_id": "prv_01JDX3Z8Q6T8V4N2M5K1H0G9F8",
    "contract": EXAMPLE_CONTRACT,
    "amount_fen": 1_000_000,
    "status": "redeemed",
    "created_by": "cli_tyut_lab",
    "created_at": "2026-05-06T02:00:00Z",
    "reversed_at": None,
    "reversed_by": None,
    "reversal_reason": None,
    "settlement_id": None,
    "clawback": False,
    "version": 1,
}

RedemptionStatus = Literal["redeemed", "reversed"]


class RedemptionContractTerms(BaseModel):
    """The provider's contract with the holder that the voucher pays part of."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_CONTRACT]})

    reference: str = Field(
        min_length=1, max_length=80, description="The provider's own contract number."
    )
    amount_fen: int = Field(gt=0, le=MAX_FEN, description="The contract's total, in fen.")
    category: str = Field(
        min_length=1, max_length=40, description="The service category, e.g. `testing`."
    )


class RedemptionCreate(BaseModel):
    """A provider draws an amount of a voucher against a contract."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "voucher_code": "7K3M-9QXP-2HT4-VN8R-6",
                    "contract": EXAMPLE_CONTRACT,
                    "amount_fen": 1_000_000,
                }
            ]
        },
    )

    voucher_code: str = Field(
        min_length=1,
        max_length=40,
        description="The code on the voucher (hyphens and case do not matter; the check "
        "character is verified before any lookup).",
    )
    contract: RedemptionContractTerms
    amount_fen: int = Field(gt=0, le=MAX_FEN, description="The amount to draw, in fen.")


class RedemptionReversalCreate(BaseModel):
    """Why a redemption is reversed."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "Contract cancelled before the test ran."}]},
    )

    reason: str = Field(min_length=1, max_length=1000)


class RedemptionPublic(BaseModel):
    """One redemption: who drew how much of which voucher, for which contract."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_REDEMPTION]})

    id: str
    voucher_id: str
    programme_id: str
    uscc: str = Field(description="The holder.")
    provider_id: str
    contract: RedemptionContractTerms
    amount_fen: int
    status: RedemptionStatus
    created_by: str
    created_at: datetime
    reversed_at: datetime | None
    reversed_by: str | None
    reversal_reason: str | None
    settlement_id: str | None = Field(description="The settlement that paid it, once settled.")
    clawback: bool = Field(
        description="Reversed after it was settled: the provider's next settlement claws it back."
    )
    version: int


class RedemptionFilters(BaseModel):
    """Filters of the redemption list (combined with AND)."""

    voucher: str | None = Field(default=None, max_length=40, description="A voucher id.")
    status: RedemptionStatus | None = None
    contract_reference: str | None = Field(default=None, max_length=80)
    provider: str | None = Field(
        default=None, max_length=40, description="A provider id (admin and holders)."
    )
