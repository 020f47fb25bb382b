"""What the voucher routes return; table models never leave the service."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

VoucherStatus = Literal["active", "expired", "void"]


class VoucherPublic(BaseModel):
    """A voucher: its value, what is left of it and until when (the code only to its holder)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "vch_01JDZ3X7Q6T8V4N2M5K1H0G9F8",
                    "code": "PAESKQWDTCBTEPTBA",
                    "programme_id": "vpg_01JDZ3X7Q6T8V4N2M5K1H0G9F8",
                    "application_id": "vap_01JDZ3X7Q6T8V4N2M5K1H0G9F8",
                    "uscc": "91140105MA0GRX0Y7C",
                    "face_value_fen": 5_000_000,
                    "balance_fen": 3_500_000,
                    "used_fen": 1_500_000,
                    "released_fen": 0,
                    "issued_on": "2026-11-30",
                    "expires_on": "2027-11-30",
                    "status": "active",
                    "issued_at": "2026-11-30T04:13:00Z",
                    "version": 1,
                }
            ]
        }
    )

    id: str
    code: str | None = Field(
        description="The code a provider redeems; shown only to the holder (null for others)."
    )
    programme_id: str
    application_id: str | None
    uscc: str = Field(description="The holder.")
    face_value_fen: int
    balance_fen: int = Field(description="What is left to redeem, in fen.")
    used_fen: int = Field(description="Redeemed and not reversed: face − balance − released.")
    released_fen: int = Field(description="Unused balance returned to the budget on expiry.")
    issued_on: date
    expires_on: date = Field(description="The last day it may be redeemed (Asia/Shanghai).")
    status: VoucherStatus
    issued_at: datetime
    version: int


class VoucherFilters(BaseModel):
    """Filters of the voucher list (combined with AND)."""

    programme_id: str | None = Field(default=None, max_length=40)
    status: VoucherStatus | None = None
    uscc: str | None = Field(default=None, max_length=18, description="Administration only.")
    code: str | None = Field(
        default=None,
        max_length=40,
        description="Find by code; a code with a wrong check symbol is 422 `voucher_code_invalid`.",
    )
