"""Schemas of settlements."""

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class SettlementRunCreate(BaseModel):
    """Settle a month: every provider's unsettled redemptions up to its end, and clawbacks."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"month": "2026-03"}]}
    )

    month: str = Field(description="The month, YYYY-MM (Asia/Shanghai).", examples=["2026-03"])

    @field_validator("month")
    @classmethod
    def _month(cls, value: str) -> str:
        if not _MONTH.match(value):
            raise ValueError("a month is written YYYY-MM")
        return value


class SettlementRunPublic(BaseModel):
    """A month's run and the settlements it requested."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "srn_01JD3Z8Q6T8V4N2M5K1H0G9F8E",
                    "month": "2026-03",
                    "settlements": 2,
                    "amount_fen": 1500000,
                    "settlement_ids": ["stl_01JD3Z8Q6T8V4N2M5K1H0G9F8F"],
                    "created_by": "admin-console",
                    "created_at": "2026-04-01T02:00:00Z",
                }
            ]
        }
    )

    id: str
    month: str
    settlements: int
    amount_fen: int
    settlement_ids: list[str]
    created_by: str
    created_at: datetime


class SettlementLinePublic(BaseModel):
    """One line: a redemption paid, or a redemption reversed after it was paid."""

    model_config = ConfigDict(from_attributes=True)

    redemption_id: str
    kind: Literal["redemption", "clawback"]
    amount_fen: int = Field(description="Positive for a redemption, negative for a clawback.")


class SettlementPublic(BaseModel):
    """What a provider is paid for a month."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "stl_01JD3Z8Q6T8V4N2M5K1H0G9F8F",
                    "run_id": "srn_01JD3Z8Q6T8V4N2M5K1H0G9F8E",
                    "provider_id": "prv_01JD3Z8Q6T8V4N2M5K1H0G9F8G",
                    "month": "2026-03",
                    "redeemed_fen": 1000000,
                    "clawback_fen": 200000,
                    "amount_fen": 800000,
                    "status": "requested",
                    "lines": [],
                    "created_at": "2026-04-01T02:00:00Z",
                    "paid_at": None,
                    "paid_amount_fen": None,
                    "disbursement_id": None,
                }
            ]
        }
    )

    id: str
    run_id: str
    provider_id: str
    month: str
    redeemed_fen: int
    clawback_fen: int
    amount_fen: int
    status: Literal["requested", "paid"]
    lines: list[SettlementLinePublic]
    created_at: datetime
    paid_at: datetime | None
    paid_amount_fen: int | None
    disbursement_id: str | None


class SettlementFilters(BaseModel):
    """Filters of the settlement list."""

    month: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    status: Literal["requested", "paid"] | None = None
    provider: str | None = Field(default=None, max_length=40)
