"""The credit service: credit records, ratings, consent-based reports, query logs, objections, the 诚信企业 list, monitoring."""

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from fastapi import FastAPI

from services.common.app import ConsumerFactory, create_service_app
from services.common.consumer import FeedConsumer, feed_consumer
from services.credit.consents.router import router as consents_router
from services.credit.enterprises.service import ChangeListener, registry_handlers
from services.credit.queries.router import router as queries_router
from services.credit.records.router import router as records_router
from services.credit.reports.router import router as reports_router
from services.credit.settings import CreditSettings

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger("services.credit")

# Called in the registry consumer's transaction when an enterprise's data changes (filed,
# updated, deregistered, new indicators): e.g. the rating domain's recompute.
CHANGE_LISTENERS: tuple[ChangeListener, ...] = ()


def registry_consumer(
    settings: CreditSettings, listeners: Iterable[ChangeListener] = CHANGE_LISTENERS
) -> ConsumerFactory:
    """The registry feed's consumer, started with the app when credit has its service client.

    Without one (`CREDIT_SERVICE_CLIENT_ID`/`_SECRET`, or the file `make run` writes) the
    service runs without reading the feed, and says so in its log.
    """

    def start(app: FastAPI) -> Sequence[FeedConsumer]:
        if settings.service_client() is None:
            log.warning(
                "credit: no service client configured; not reading the registry feed "
                "(set CREDIT_SERVICE_CLIENT_ID and CREDIT_SERVICE_CLIENT_SECRET, or `make run`)"
            )
            return []
        return [
            feed_consumer(
                settings,
                producer="registry",
                database=app.state.database,
                handlers=registry_handlers(listeners),
            )
        ]

    return start


def create_app(
    settings: CreditSettings | None = None,
    *,
    listeners: Iterable[ChangeListener] = CHANGE_LISTENERS,
) -> FastAPI:
    """Build the credit app; it reads the registry's feed into its replica of the register."""
    settings = settings or CreditSettings()
    return create_service_app(
        settings=settings,
        title="Taiyuan SME credit",
        description="Credit records, ratings, consent-based reports, query logs, objections, the 诚信企业 list, monitoring.",
        routers=[consents_router, reports_router, queries_router, records_router],
        migrations=MIGRATIONS,
        consumers=registry_consumer(settings, listeners),
    )
