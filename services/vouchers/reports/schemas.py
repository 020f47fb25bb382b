"""Report schemas: amounts in fen, with the identities the books must satisfy."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class VoucherBookIdentity(BaseModel):
    """One identity of the books and whether it holds now."""

    identity: str
    holds: bool


PROGRAMME_REPORT_EXAMPLE: dict[str, Any] = {
    "programme_id": "prg_01JD3Z8Q6T8V4N2M5K1H0G9F8F",
    "budget_fen": 50_000_000,
    "committed_fen": 5_000_000,
    "remaining_fen": 45_000_000,
    "vouchers": 1,
    "issued_fen": 5_000_000,
    "balance_fen": 4_850_000,
    "redeemed_fen": 450_000,
    "reversed_fen": 300_000,
    "settled_fen": 150_000,
    "unsettled_fen": 0,
    "clawback_pending_fen": 0,
    "released_fen": 0,
    "identities": [
        {"identity": "budget_fen = committed_fen + remaining_fen", "holds": True},
    ],
}


class VoucherProgrammeReport(BaseModel):
    """A programme's books (admin)."""

    model_config = ConfigDict(json_schema_extra={"examples": [PROGRAMME_REPORT_EXAMPLE]})

    programme_id: str
    budget_fen: int
    committed_fen: int = Field(description="Face value issued and not released.")
    remaining_fen: int = Field(description="budget_fen − committed_fen: what may still be issued.")
    vouchers: int = Field(description="Vouchers issued.")
    issued_fen: int = Field(description="Σ face value of the vouchers issued.")
    balance_fen: int = Field(description="Σ balances still spendable.")
    redeemed_fen: int = Field(description="Σ every redemption, reversed ones included.")
    reversed_fen: int = Field(description="Σ reversed redemptions.")
    settled_fen: int = Field(
        description="Σ redemptions put in a settlement, less the clawbacks booked."
    )
    unsettled_fen: int = Field(description="Σ redemptions (not reversed) in no settlement yet.")
    clawback_pending_fen: int = Field(
        description="Σ reversals of settled redemptions not yet clawed back."
    )
    released_fen: int = Field(description="Σ returned to the budget (expiry, late reversals).")
    identities: list[VoucherBookIdentity]


class VoucherProviderReport(BaseModel):
    """A provider's redemptions and settlements (the provider itself or admin)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "provider_id": "prv_01JD3Z8Q6T8V4N2M5K1H0G9F8G",
                    "redemptions": 2,
                    "redeemed_fen": 450_000,
                    "reversed_fen": 300_000,
                    "unsettled_fen": 0,
                    "clawback_pending_fen": 0,
                    "settlements": 1,
                    "settled_fen": 150_000,
                    "paid_fen": 150_000,
                    "identities": [],
                }
            ]
        }
    )

    provider_id: str
    redemptions: int
    redeemed_fen: int = Field(description="Σ every redemption, reversed ones included.")
    reversed_fen: int
    unsettled_fen: int
    clawback_pending_fen: int
    settlements: int
    settled_fen: int = Field(description="Σ its settlements' amounts (clawbacks deducted).")
    paid_fen: int = Field(description="Σ what funding paid on its settlements.")
    identities: list[VoucherBookIdentity]


class VoucherProgrammeFigures(BaseModel):
    """A programme's public figures (open or closed programmes)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "programme_id": "prg_01JD3Z8Q6T8V4N2M5K1H0G9F8F",
                    "name": "2026 创新券",
                    "kind": "innovation",
                    "year": 2026,
                    "status": "open",
                    "budget_fen": 50_000_000,
                    "vouchers": 1,
                    "issued_fen": 5_000_000,
                    "redeemed_fen": 150_000,
                    "released_fen": 0,
                    "remaining_fen": 45_000_000,
                }
            ]
        }
    )

    programme_id: str
    name: str
    kind: str
    year: int
    status: str
    budget_fen: int
    vouchers: int
    issued_fen: int
    redeemed_fen: int = Field(description="Redeemed net of reversals.")
    released_fen: int
    remaining_fen: int
