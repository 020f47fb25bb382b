"""The funding service: budgets, block allocation with district matching, bases, rules, acceptance and rewards, disbursements, risk pool, bridge loans, subsidies, public ledger."""

import logging
from collections.abc import Sequence
from pathlib import Path

from fastapi import FastAPI

from services.common.app import ConsumerFactory, WorkerFactory, create_service_app
from services.common.consumer import FeedConsumer, feed_consumer
from services.common.jobs import Worker
from services.common.rules.router import rule_sets_router
from services.funding.acceptance.router import router as acceptance_router
from services.funding.agreements.router import router as agreements_router
from services.funding.allocations.router import router as allocations_router
from services.funding.bases.router import router as bases_router
from services.funding.bridge import jobs as bridge_jobs
from services.funding.bridge.router import router as bridge_router
from services.funding.budgets.router import router as budgets_router
from services.funding.disbursements.router import router as disbursements_router
from services.funding.disbursements.settlements import settlement_handlers
from services.funding.enterprises.service import credit_handlers, registry_handlers
from services.funding.fees.router import router as fees_router
from services.funding.guarantees.router import router as guarantees_router
from services.funding.interest.router import router as interest_router
from services.funding.ledger.router import router as ledger_router
from services.funding.public import jobs as public_ledger_jobs
from services.funding.public.router import router as public_ledger_router
from services.funding.rewards.router import router as rewards_router
from services.funding.riskpool.router import router as riskpool_router
from services.funding.rules import FAMILIES, RuleAdmin, RuleReader
from services.funding.settings import FundingSettings

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger("services.funding")


def feed_consumers(settings: FundingSettings) -> ConsumerFactory:
    """The registry, credit and vouchers feeds' consumers, started with the app when funding has
    its service client (`FUNDING_SERVICE_CLIENT_ID`/`_SECRET`, or the file `make run` writes)."""

    def start(app: FastAPI) -> Sequence[FeedConsumer]:
        if settings.service_client() is None:
            log.warning(
                "funding: no service client configured; not reading the registry, credit and "
                "vouchers feeds (set FUNDING_SERVICE_CLIENT_ID and FUNDING_SERVICE_CLIENT_SECRET, "
                "or `make run`)"
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
            feed_consumer(
                settings,
                producer="vouchers",
                database=database,
                handlers=settlement_handlers(settings),
            ),
        ]

    return start


def background_work(settings: FundingSettings) -> WorkerFactory:
    """Every periodic job of the funding service (the ledger checkpoint, bridge loans overdue)."""
    factories = (public_ledger_jobs.workers(settings), bridge_jobs.workers(settings))

    def start(app: FastAPI) -> Sequence[Worker]:
        return [worker for factory in factories for worker in factory(app)]

    return start


def create_app(settings: FundingSettings | None = None) -> FastAPI:
    """Build the funding app; it reads the registry's, credit's and vouchers' feeds."""
    settings = settings or FundingSettings()
    return create_service_app(
        settings=settings,
        title="Taiyuan SME funding",
        description="Budgets, block allocation with district matching, bases, rules, acceptance and rewards, disbursements, risk pool, bridge loans, subsidies, public ledger.",
        routers=[
            ledger_router,
            budgets_router,
            bases_router,
            acceptance_router,
            rule_sets_router(families=FAMILIES, reader=RuleReader, admin=RuleAdmin),
            allocations_router,
            disbursements_router,
            rewards_router,
            interest_router,
            guarantees_router,
            fees_router,
            public_ledger_router,
            bridge_router,
            agreements_router,
            riskpool_router,
        ],
        migrations=MIGRATIONS,
        consumers=feed_consumers(settings),
        workers=background_work(settings),
    )
