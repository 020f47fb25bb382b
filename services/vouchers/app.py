"""The vouchers service: 创业券/创新券 programmes, providers, issuance, redemption, settlement."""

from pathlib import Path

from fastapi import FastAPI

from services.common.app import create_service_app
from services.vouchers.expiry import jobs as expiry_jobs
from services.vouchers.redemptions.router import router as redemptions_router
from services.vouchers.settings import VouchersSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: VouchersSettings | None = None) -> FastAPI:
    """Build the vouchers app; its domain routes arrive with their issues."""
    settings = settings or VouchersSettings()
    return create_service_app(
        settings=settings,
        title="Taiyuan SME vouchers",
        description="创业券/创新券 programmes, providers, issuance, redemption, settlement.",
        routers=[redemptions_router],
        migrations=MIGRATIONS,
        workers=expiry_jobs.workers(settings),
    )
