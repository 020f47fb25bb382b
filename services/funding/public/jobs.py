"""The daily checkpoint: every replica runs the job; the head row's claim lets one sign a day."""

from collections.abc import Sequence
from functools import partial

from fastapi import FastAPI

from services.common.app import WorkerFactory
from services.common.db import Database
from services.common.jobs import PeriodicJob, Worker
from services.funding.public.keys import LedgerKey, load_ledger_key
from services.funding.public.service import issue_daily_checkpoint
from services.funding.settings import FundingSettings

NAME = "funding.ledger_checkpoint"


def checkpoint_job(database: Database, key: LedgerKey, *, interval: float) -> PeriodicJob:
    """The periodic job signing the day's checkpoint (Asia/Shanghai) once it is due."""
    step = partial(issue_daily_checkpoint, key=key)
    return PeriodicJob(name=NAME, database=database, step=step, interval=interval)


def workers(settings: FundingSettings) -> WorkerFactory:
    """The app's factory of the checkpoint job (none when `jobs` is off, as in tests)."""

    def factory(app: FastAPI) -> Sequence[Worker]:
        if not settings.jobs_enabled:
            return []
        key = load_ledger_key(settings)
        app.state.ledger_key = key
        return [
            checkpoint_job(app.state.database, key, interval=settings.ledger_checkpoint_interval)
        ]

    return factory
