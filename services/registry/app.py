"""The registry service: enterprises, filing, districts, indicators, targets, complaints."""

from pathlib import Path

from fastapi import FastAPI

from services.common.app import create_service_app
from services.registry.calendar.router import router as calendar_router
from services.registry.calendar.service import readiness_warnings
from services.registry.complaints.router import router as complaints_router
from services.registry.enterprises.router import router as enterprises_router
from services.registry.imports.parse import MAX_BYTES
from services.registry.imports.router import router as imports_router
from services.registry.imports.run import interrupt_orphans
from services.registry.indicators.router import router as indicators_router
from services.registry.monitoring.router import router as monitoring_router
from services.registry.reference.router import router as reference_router
from services.registry.remits.router import router as remits_router
from services.registry.settings import RegistrySettings
from services.registry.taxrelief.router import router as taxrelief_router

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    """Build the registry app."""
    return create_service_app(
        settings=settings or RegistrySettings(),
        title="Taiyuan SME registry",
        description="Enterprise filing by unified social credit code, districts, indicators, "
        "targets and monitoring, complaints, the working-day calendar.",
        routers=[
            reference_router,
            enterprises_router,
            imports_router,
            indicators_router,
            monitoring_router,
            taxrelief_router,
            complaints_router,
            calendar_router,
            remits_router,
        ],
        readiness_warnings=readiness_warnings,
        migrations=MIGRATIONS,
        body_limits={"/v1/imports": MAX_BYTES},
        on_start=[interrupt_orphans],
    )
