"""The credit service: credit records, ratings, consent-based reports, query logs, objections, the 诚信企业 list, monitoring."""

from pathlib import Path

from fastapi import FastAPI

from services.common.app import create_service_app
from services.credit.monitoring import jobs as monitoring_jobs
from services.credit.monitoring.router import router as monitoring_router
from services.credit.settings import CreditSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: CreditSettings | None = None) -> FastAPI:
    """Build the credit app; its domain routes arrive with their issues."""
    settings = settings or CreditSettings()
    return create_service_app(
        settings=settings,
        title="Taiyuan SME credit",
        description="Credit records, ratings, consent-based reports, query logs, objections, the 诚信企业 list, monitoring.",
        routers=[monitoring_router],
        migrations=MIGRATIONS,
        consumers=monitoring_jobs.runners(settings),
    )
