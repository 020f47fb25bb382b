"""The registry service: enterprises, filing, districts, indicators, targets, complaints."""

from pathlib import Path

from fastapi import FastAPI

from services.common.app import create_service_app
from services.registry.settings import RegistrySettings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    """Build the registry app."""
    return create_service_app(
        settings=settings or RegistrySettings(),
        title="Taiyuan SME registry",
        description="Enterprise filing by unified social credit code, districts, indicators, "
        "targets and monitoring, complaints.",
        routers=[],
        migrations=MIGRATIONS,
    )
