"""The expiry job: every replica runs it; each round claims due vouchers (one replica each)."""

from collections.abc import Sequence

from fastapi import FastAPI

from services.common.app import WorkerFactory
from services.common.db import Database
from services.common.jobs import PeriodicJob, Worker
from services.vouchers.expiry.service import expire_due
from services.vouchers.settings import VouchersSettings

NAME = "vouchers.expire"


def expiry_job(database: Database, *, interval: float = 60.0) -> PeriodicJob:
    """The periodic job expiring due vouchers (a round: up to 200, one transaction)."""
    return PeriodicJob(name=NAME, database=database, step=expire_due, interval=interval)


def workers(settings: VouchersSettings) -> WorkerFactory:
    """The app's factory of the expiry job (none when `jobs` is off, as in tests)."""

    def factory(app: FastAPI) -> Sequence[Worker]:
        if not settings.jobs_enabled:
            return []
        return [expiry_job(app.state.database)]

    return factory
