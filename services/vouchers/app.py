"""The vouchers service: 创业券/创新券 programmes, providers, issuance, redemption, settlement."""

from collections.abc import Sequence
from pathlib import Path

from fastapi import FastAPI

from services.common.app import WorkerFactory, create_service_app
from services.common.jobs import Worker
from services.vouchers.expiry import jobs as expiry_jobs
from services.vouchers.redemptions.router import router as redemptions_router
from services.vouchers.settings import VouchersSettings
from services.vouchers.settlements import jobs as settlement_jobs
from services.vouchers.settlements.router import router as settlements_router

MIGRATIONS = Path(__file__).parent / "migrations"


def _workers(settings: VouchersSettings) -> WorkerFactory:
    factories = (expiry_jobs.workers(settings), settlement_jobs.workers(settings))

    def start(app: FastAPI) -> Sequence[Worker]:
        return [worker for factory in factories for worker in factory(app)]

    return start


def create_app(settings: VouchersSettings | None = None) -> FastAPI:
    """Build the vouchers app; its domain routes arrive with their issues."""
    settings = settings or VouchersSettings()
    return create_service_app(
        settings=settings,
        title="Taiyuan SME vouchers",
        description="创业券/创新券 programmes, providers, issuance, redemption, settlement.",
        routers=[redemptions_router, settlements_router],
        migrations=MIGRATIONS,
        consumers=settlement_jobs.funding_consumer(settings),
        workers=_workers(settings),
    )
