"""Registry settings (`REGISTRY_*`)."""

from typing import Annotated

from fastapi import Depends, Request
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings

DEV_ID_NUMBER_KEY = "dev-only-id-number-key-change-me"


class RegistrySettings(ServiceSettings):
    """Settings of the registry service."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    id_number_key: str = DEV_ID_NUMBER_KEY
    import_orphan_grace_seconds: float = Field(
        default=0,
        ge=0,
        description="At start-up, queued or running imports silent this long are marked "
        "interrupted: 0 with one registry process (none of its jobs can still run); with "
        "several, above a batch's duration (a few seconds).",
    )

    def default_secrets(self) -> list[str]:
        """The JWKS default, and the key that protects legal representatives' ID numbers."""
        found = super().default_secrets()
        if self.id_number_key == DEV_ID_NUMBER_KEY:
            found.append("id_number_key")
        return found


def id_number_key(request: Request) -> bytes:
    """The key ID numbers are hashed under (a dependency for the domains that hash them)."""
    key: str = request.app.state.settings.id_number_key
    return key.encode()


IdKey = Annotated[bytes, Depends(id_number_key)]
