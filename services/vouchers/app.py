"""The vouchers service: 创业券/创新券 programmes, providers, issuance, redemption, settlement."""

import logging
from collections.abc import Sequence
from pathlib import Path

from fastapi import FastAPI

from services.common.app import ConsumerFactory, WorkerFactory, create_service_app
from services.common.consumer import FeedConsumer, feed_consumer
from services.common.jobs import Worker
from services.common.rules.router import rule_sets_router
from services.vouchers.applications.router import router as applications_router
from services.vouchers.enterprises.service import credit_handlers, registry_handlers
from services.vouchers.expiry import jobs as expiry_jobs
from services.vouchers.programmes.dependencies import RuleAdmin, RuleReader
from services.vouchers.programmes.router import router as programmes_router
from services.vouchers.programmes.rules import FAMILIES
from services.vouchers.providers.router import router as providers_router
from services.vouchers.redemptions.router import router as redemptions_router
from services.vouchers.reports.router import router as reports_router
from services.vouchers.settings import VouchersSettings
from services.vouchers.settlements import jobs as settlement_jobs
from services.vouchers.settlements.router import router as settlements_router
from services.vouchers.vouchers.router import router as vouchers_router

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger("services.vouchers")


def feed_consumers(settings: VouchersSettings) -> ConsumerFactory:
    """The registry, credit and funding feeds' consumers, started with the app when vouchers has
    its service client (`VOUCHERS_SERVICE_CLIENT_ID`/`_SECRET`, or the file `make run` writes)."""

    def start(app: FastAPI) -> Sequence[FeedConsumer]:
        if settings.service_client() is None:
            log.warning(
                "vouchers: no service client configured; not reading the registry and credit "
                "feeds (set VOUCHERS_SERVICE_CLIENT_ID and VOUCHERS_SERVICE_CLIENT_SECRET, or "
                "`make run`)"
            )
            return []
        database = app.state.database
        return [
            feed_consumer(
                settings, producer="registry", database=database, handlers=registry_handlers()
            ),
            feed_consumer(
                settings, producer="credit", database=database, handlers=credit_handlers()
            ),
            *settlement_jobs.funding_consumer(settings)(app),
        ]

    return start


def _workers(settings: VouchersSettings) -> WorkerFactory:
    factories = (expiry_jobs.workers(settings), settlement_jobs.workers(settings))

    def start(app: FastAPI) -> Sequence[Worker]:
        return [worker for factory in factories for worker in factory(app)]

    return start


def create_app(settings: VouchersSettings | None = None) -> FastAPI:
    """Build the vouchers app; it reads the registry's and credit's feeds into its replica."""
    settings = settings or VouchersSettings()
    return create_service_app(
        settings=settings,
        title="Taiyuan SME vouchers",
        description="创业券/创新券 programmes, providers, issuance, redemption, settlement.",
        routers=[
            programmes_router,
            providers_router,
            applications_router,
            vouchers_router,
            rule_sets_router(families=FAMILIES, reader=RuleReader, admin=RuleAdmin),
            redemptions_router,
            settlements_router,
            reports_router,
        ],
        migrations=MIGRATIONS,
        consumers=feed_consumers(settings),
        workers=_workers(settings),
    )
