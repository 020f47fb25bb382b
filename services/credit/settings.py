"""Credit settings (`CREDIT_*`)."""

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from services.common.settings import InsecureConfiguration, ServiceSettings


class CreditSettings(ServiceSettings):
    """Settings of the credit service."""

    model_config = SettingsConfigDict(env_prefix="CREDIT_", extra="ignore")

    # Run the ratings' periodic jobs (outbox consumer, left-behind runs) beside the server;
    # tests drive their steps themselves.
    rating_jobs: bool = True
    webhook_allow_private: bool | None = Field(
        default=None,
        description="Accept monitoring webhook URLs that are plain http or resolve to loopback, "
        "private or link-local addresses; default: yes in development and test, never in "
        "production.",
    )
    webhook_jobs: bool | None = Field(
        default=None,
        description="Run the webhook fan-out and delivery jobs in this process; default: yes "
        "except in test (tests drive them).",
    )
    upkeep_jobs: bool | None = Field(
        default=None,
        description="Run the objection clock (`objection.overdue`) and the 诚信企业 revocation "
        "consumer in this process; default: yes except in test (tests drive them).",
    )
    webhook_timeout_seconds: float = Field(
        default=5.0, gt=0, le=30, description="Timeout of one webhook request."
    )
    webhook_pause_after: int = Field(
        default=10, ge=1, description="Consecutive failures after which an endpoint is paused."
    )

    @property
    def webhooks_allow_private(self) -> bool:
        """Whether webhook URLs may be http or private (never in production)."""
        if self.webhook_allow_private is None:
            return self.environment != "production"
        return self.webhook_allow_private

    @property
    def webhook_jobs_enabled(self) -> bool:
        """Whether the app's lifespan runs the webhook jobs."""
        return self.environment != "test" if self.webhook_jobs is None else self.webhook_jobs

    @property
    def upkeep_jobs_enabled(self) -> bool:
        """Whether the app's lifespan runs the objection clock and the revocation consumer."""
        return self.environment != "test" if self.upkeep_jobs is None else self.upkeep_jobs

    @model_validator(mode="after")
    def _refuse_private_webhooks_in_production(self) -> "CreditSettings":
        if self.environment == "production" and self.webhook_allow_private:
            raise InsecureConfiguration(
                "refusing to start in production: CREDIT_WEBHOOK_ALLOW_PRIVATE is set"
            )
        return self
