"""Vouchers settings (`VOUCHERS_*`)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class VouchersSettings(ServiceSettings):
    """Settings of the vouchers service."""

    model_config = SettingsConfigDict(env_prefix="VOUCHERS_", extra="ignore")

    jobs: bool | None = Field(
        default=None,
        description="Run the periodic jobs (expiry, monthly settlement) in this process; "
        "default: yes except in test (tests drive them).",
    )

    @property
    def jobs_enabled(self) -> bool:
        """Whether the app's lifespan runs the periodic jobs."""
        return self.environment != "test" if self.jobs is None else self.jobs
