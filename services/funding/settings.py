"""Funding settings (`FUNDING_*`)."""

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class FundingSettings(ServiceSettings):
    """Settings of the funding service."""

    model_config = SettingsConfigDict(env_prefix="FUNDING_", extra="ignore")
