"""Credit settings (`CREDIT_*`)."""

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class CreditSettings(ServiceSettings):
    """Settings of the credit service."""

    model_config = SettingsConfigDict(env_prefix="CREDIT_", extra="ignore")

    # Run the ratings' periodic jobs (outbox consumer, left-behind runs) beside the server;
    # tests drive their steps themselves.
    rating_jobs: bool = True
