"""The daily overdue check: every replica runs it; `claim_due` lets one flag each loan."""

from collections.abc import Sequence

from fastapi import FastAPI
from sqlmodel import Session

from services.common.app import WorkerFactory
from services.common.jobs import PeriodicJob, Worker
from services.funding.bridge.service import flag_overdue
from services.funding.settings import FundingSettings

NAME = "funding.bridge_overdue"
INTERVAL = 600.0  # checked every 10 minutes; a loan is flagged once, the day after it was due


def _step(session: Session) -> int:
    return flag_overdue(session)


def workers(settings: FundingSettings) -> WorkerFactory:
    """The app's factory of the overdue job (none when `jobs` is off, as in tests)."""

    def factory(app: FastAPI) -> Sequence[Worker]:
        if not settings.jobs_enabled:
            return []
        return [PeriodicJob(name=NAME, database=app.state.database, step=_step, interval=INTERVAL)]

    return factory
