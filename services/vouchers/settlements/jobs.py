"""The monthly settlement job and the funding feed's consumer (`disbursement.paid`)."""

from collections.abc import Sequence

from fastapi import FastAPI

from services.common.app import ConsumerFactory, WorkerFactory
from services.common.consumer import FeedConsumer, feed_consumer
from services.common.jobs import PeriodicJob, Worker
from services.vouchers.settings import VouchersSettings
from services.vouchers.settlements.service import HANDLERS, run_previous_month


def workers(settings: VouchersSettings) -> WorkerFactory:
    """The monthly run: every replica checks hourly; the month's unique run row lets one settle."""

    def factory(app: FastAPI) -> Sequence[Worker]:
        if not settings.jobs_enabled:
            return []
        return [
            PeriodicJob(
                name="vouchers.settle",
                database=app.state.database,
                step=run_previous_month,
                interval=3600.0,
            )
        ]

    return factory


def funding_consumer(settings: VouchersSettings) -> ConsumerFactory:
    """The funding feed's consumer (disbursements paid); the app starts it (with the other
    feeds' consumers) only when the service has its client."""

    def start(app: FastAPI) -> Sequence[FeedConsumer]:
        return [
            feed_consumer(
                settings, producer="funding", database=app.state.database, handlers=HANDLERS
            )
        ]

    return start
