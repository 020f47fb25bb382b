"""Vouchers settings (`VOUCHERS_*`)."""

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class VouchersSettings(ServiceSettings):
    """Settings of the vouchers service."""

    model_config = SettingsConfigDict(env_prefix="VOUCHERS_", extra="ignore")
