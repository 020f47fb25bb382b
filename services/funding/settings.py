"""Funding settings (`FUNDING_*`)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class FundingSettings(ServiceSettings):
    """Settings of the funding service."""

    model_config = SettingsConfigDict(env_prefix="FUNDING_", extra="ignore")

    voucher_budget_line: str = Field(
        default="public_services",
        pattern=r"^[a-z][a-z0-9_]*(:[a-z0-9_]+)*$",
        description="The budget line that pays voucher settlements (`settlement.requested` from "
        "the vouchers feed): 创业券/创新券 buy public services (training, consulting, testing, "
        "R&D) from providers, so the plan's 2015 line `public_services` (公共服务, 2.18亿) pays "
        "them. Each settlement is proposed from the ledger account `line:<year>:<this>`.",
    )
    voucher_budget_year: int | None = Field(
        default=None,
        ge=2000,
        le=2100,
        description="The budget year whose line pays voucher settlements; default: the year of "
        "the settlement's month.",
    )
