"""The vouchers service: 创业券/创新券 programmes, providers, issuance, redemption, settlement."""

from pathlib import Path

from fastapi import FastAPI

from services.common.app import create_service_app
from services.vouchers.applications.router import router as applications_router
from services.vouchers.settings import VouchersSettings
from services.vouchers.vouchers.router import router as vouchers_router

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: VouchersSettings | None = None) -> FastAPI:
    """Build the vouchers app; its domain routes arrive with their issues."""
    return create_service_app(
        settings=settings or VouchersSettings(),
        title="Taiyuan SME vouchers",
        description="创业券/创新券 programmes, providers, issuance, redemption, settlement.",
        routers=[applications_router, vouchers_router],
        migrations=MIGRATIONS,
    )
