"""The credit service: credit records, ratings, consent-based reports, query logs, objections, the 诚信企业 list, monitoring."""

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from fastapi import FastAPI
from sqlmodel import Session

from services.common.app import ConsumerFactory, WorkerFactory, create_service_app
from services.common.consumer import FeedConsumer, feed_consumer
from services.common.jobs import PeriodicJob, Worker
from services.common.rules.router import rule_sets_router
from services.credit.certification import service as certification
from services.credit.certification.router import router as certification_router
from services.credit.consents.router import router as consents_router
from services.credit.enterprises.service import ChangeListener, registry_handlers
from services.credit.monitoring import jobs as monitoring_jobs
from services.credit.monitoring.router import router as monitoring_router
from services.credit.objections import service as objections
from services.credit.objections.router import router as objections_router
from services.credit.queries.router import router as queries_router
from services.credit.ratings.router import router as ratings_router
from services.credit.ratings.run import (
    apply_rating_events,
    rate_date_changes,
    rating_listener,
    run_queued,
)
from services.credit.records.feeds import funding_handlers
from services.credit.records.router import router as records_router
from services.credit.reports.router import router as reports_router
from services.credit.rulesets.dependencies import RuleAdmin, RuleReader
from services.credit.rulesets.families import FAMILIES
from services.credit.settings import CreditSettings

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger("services.credit")

# Called in the registry consumer's transaction when an enterprise's data changes (filed,
# updated, deregistered, new indicators): e.g. the rating domain's recompute.
CHANGE_LISTENERS: tuple[ChangeListener, ...] = (rating_listener,)


def feed_consumers(
    settings: CreditSettings, listeners: Iterable[ChangeListener] = CHANGE_LISTENERS
) -> ConsumerFactory:
    """The registry's and funding's feed consumers, started with the app when credit has its
    service client.

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
            ),
            # The bridge fund's overdue loans become negative records.
            feed_consumer(
                settings,
                producer="funding",
                database=app.state.database,
                handlers=funding_handlers(),
            ),
        ]

    return start


def rating_jobs(settings: CreditSettings) -> WorkerFactory:
    """The ratings' periodic jobs: the consumer of the credit outbox, left-behind runs, the
    daily re-rating of what changes by the date alone."""

    def start(app: FastAPI) -> Sequence[Worker]:
        if not settings.rating_jobs:
            return []
        database = app.state.database
        return [
            PeriodicJob(name="credit.ratings.events", database=database, step=apply_rating_events),
            PeriodicJob(
                name="credit.ratings.runs", database=database, step=run_queued, interval=30
            ),
            # Once per Shanghai day (checked every 5 minutes): changes by the date alone.
            PeriodicJob(
                name="credit.ratings.daily", database=database, step=rate_date_changes, interval=300
            ),
        ]

    return start


def _mark_overdue(session: Session) -> int:
    return len(objections.mark_overdue(session=session))


def _revoke_titles(session: Session) -> int:
    return certification.catch_up(session=session)


def upkeep_jobs(settings: CreditSettings) -> WorkerFactory:
    """The objection clock and the 诚信企业 revocation consumer of the credit outbox.

    Every replica runs them; each round claims its work (objections `FOR UPDATE SKIP LOCKED`,
    the consumer's cursor row locked), so one replica does a piece of work at a time.
    """

    def start(app: FastAPI) -> Sequence[Worker]:
        if not settings.upkeep_jobs_enabled:
            return []
        database = app.state.database
        jobs = [
            PeriodicJob(
                name="credit.objections.overdue", database=database, step=_mark_overdue, interval=60
            ),
            PeriodicJob(
                name="credit.certification.revocations", database=database, step=_revoke_titles
            ),
        ]
        app.state.upkeep_jobs = tuple(jobs)
        return jobs

    return start


def background_work(settings: CreditSettings) -> WorkerFactory:
    """Every periodic job of the credit service, each claimed by one replica at a time."""
    factories = (
        rating_jobs(settings),
        monitoring_jobs.workers(settings),
        upkeep_jobs(settings),
    )

    def start(app: FastAPI) -> Sequence[Worker]:
        return [worker for factory in factories for worker in factory(app)]

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
        routers=[
            records_router,
            consents_router,
            reports_router,
            queries_router,
            rule_sets_router(families=FAMILIES, reader=RuleReader, admin=RuleAdmin),
            ratings_router,
            objections_router,
            certification_router,
            monitoring_router,
        ],
        migrations=MIGRATIONS,
        consumers=feed_consumers(settings, listeners),
        workers=background_work(settings),
    )
