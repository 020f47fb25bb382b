"""Funding settings (`FUNDING_*`)."""

from datetime import date

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from services.common.settings import VAR_DIR, ServiceSettings

DEFAULT_LEDGER_KEY_FILE = str(VAR_DIR / "keys" / "funding-ledger.pem")


class FundingSettings(ServiceSettings):
    """Settings of the funding service."""

    model_config = SettingsConfigDict(env_prefix="FUNDING_", extra="ignore")

    voucher_budget_line: str = Field(
        default="public-services",
        pattern=r"^[a-z][a-z0-9_-]*(:[a-z0-9_-]+)*$",
        description="The budget line that pays voucher settlements (`settlement.requested` from "
        "the vouchers feed): 创业券/创新券 buy public services (training, consulting, testing, "
        "R&D) from providers, so the plan's 2015 line `public-services` (公共服务资金, 2.18亿) pays "
        "them. Each settlement is proposed from the ledger account `line:<year>:<this>`.",
    )
    voucher_budget_year: int | None = Field(
        default=None,
        ge=2000,
        le=2100,
        description="The budget year whose line pays voucher settlements; default: the year of "
        "the settlement's month.",
    )
    fee_subsidy_budget_line: str = Field(
        default="other",
        pattern=r"^[a-z][a-z0-9_-]*(:[a-z0-9_-]+)*$",
        description="The budget line that reimburses listed fees new small firms paid (涉企收费清单): "
        "the plan funds them from the demonstration's own money and names no line, so the 2015 "
        "line `other` (其他资金, 0.1亿) pays them, from `line:<year paid>:<this>`.",
    )
    demonstration_from: date = Field(
        default=date(2015, 1, 1), description="The demonstration period's first day (示范期)."
    )
    demonstration_to: date = Field(
        default=date(2017, 12, 31), description="The demonstration period's last day."
    )
    jobs: bool | None = Field(
        default=None,
        description="Run the periodic jobs (the public ledger's daily checkpoint) in this "
        "process; default: yes except in test (tests drive them).",
    )
    # The public ledger (services/funding/public): its checkpoint key and 360Giving identifiers.
    ledger_signing_key_pem: SecretStr | None = Field(
        default=None,
        description="Ed25519 private key (PEM) signing the public ledger's checkpoints; else "
        "`ledger_signing_key_file`.",
    )
    ledger_signing_key_file: str = Field(
        default=DEFAULT_LEDGER_KEY_FILE,
        description="That key's file; generated in development (`make run`) if missing.",
    )
    ledger_key_id: str | None = Field(default=None, description="kid; default: key thumbprint.")
    ledger_checkpoint_interval: float = Field(
        default=600.0, gt=0, description="Seconds between checks for the day's checkpoint."
    )
    ledger_grant_prefix: str = Field(
        default="360G-TaiyuanSME",
        pattern=r"^[A-Za-z0-9-]{1,60}$",
        description="360Giving grant identifiers are `<prefix>-<sequence>`.",
    )
    ledger_funder_id: str = Field(
        default="360G-TaiyuanSME-office",
        max_length=80,
        description="360Giving `fundingOrganization.id` of the payer (`CN-USCC-<its USCC>`).",
    )

    @property
    def jobs_enabled(self) -> bool:
        """Whether the app's lifespan runs the periodic jobs."""
        return self.environment != "test" if self.jobs is None else self.jobs

    def default_secrets(self) -> list[str]:
        """Settings still at an insecure development default."""
        found = super().default_secrets()
        if (
            self.ledger_signing_key_pem is None
            and self.ledger_signing_key_file == DEFAULT_LEDGER_KEY_FILE
        ):
            found.append("ledger_signing_key_file")
        return found
