"""Background work any number of replicas can run: rows claimed by one replica at a time.

A job is a table of rows that say when they are due (a deadline, a next attempt, a status).
Every replica runs the same `PeriodicJob`; each round is one transaction that claims due rows
with `claim_due`, does their work and changes them so they are no longer due, then commits.

    def close_expired(session: Session) -> int:
        due = select(Objection).where(col(Objection.status) == OPEN, col(Objection.due_at) <= utcnow())
        rows = claim_due(session, due, limit=100)
        for row in rows:
            row.status = EXPIRED  # no longer due once this commits
            emit(session, "objection.expired", {...})
        return len(rows)

    create_service_app(..., workers=lambda app: [
        PeriodicJob(name="objections.expire", database=app.state.database, step=close_expired)
    ])

The claim: PostgreSQL locks the rows `FOR UPDATE SKIP LOCKED`, so a second replica passes over
rows the first holds and takes others (or none); a row another replica has just finished is
re-checked against the statement's WHERE and left out. SQLite: the round's transaction began
with BEGIN IMMEDIATE (`Database.transaction`), so rounds of all replicas run one at a time and
each sees the previous one's changes. Either way a row's work and its state change commit
together, or neither does: a failing round rolls back and the rows stay due for the next one.

Slow work (an HTTP call, a webhook delivery) should not hold the claim for its whole length
(on SQLite the claim is the database's write lock): claim with a lease instead — the round
sets `claimed_until = now + lease` on the claimed rows and commits, the work runs outside the
transaction, a second transaction records the outcome; a row whose lease ran out is due again.
"""

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from typing import Protocol, TypeVar

from sqlmodel import Session
from sqlmodel.sql.expression import SelectOfScalar
from starlette.concurrency import run_in_threadpool

from services.common.db import Database

log = logging.getLogger("services.jobs")

T = TypeVar("T")
Step = Callable[[Session], int]


class Worker(Protocol):
    """What the app's lifespan runs beside the server: feed consumers, periodic jobs."""

    async def run(self, stop: asyncio.Event) -> None:
        """Work until `stop` is set."""

    async def aclose(self) -> None:
        """Release what it holds (HTTP clients…) once stopped."""


def claim_due(session: Session, statement: SelectOfScalar[T], *, limit: int) -> list[T]:
    """The first `limit` rows of `statement`, claimed for this transaction.

    `statement` (`sqlmodel.select(Model)`) selects one mapped entity with the WHERE that makes a row due (and an ORDER BY
    if the order matters). PostgreSQL: the rows are locked `FOR UPDATE SKIP LOCKED`: rows another
    replica holds are passed over, never waited for. SQLite: call it in a write transaction
    (`Database.transaction()` begins IMMEDIATE), which already excludes other writers. The
    caller changes each row so it is no longer due before the transaction commits.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    claimed = statement.limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        claimed = claimed.with_for_update(skip_locked=True)
    return list(session.exec(claimed).all())


class PeriodicJob:
    """Runs `step(session)` in its own transaction, again and again, on every replica.

    `step` claims due rows (`claim_due`), works them and returns how many it did; while it
    finds work the job goes on at once, otherwise it waits `interval` seconds. A round that
    raises is rolled back, logged and retried after a growing, jittered delay.
    """

    def __init__(
        self,
        *,
        name: str,
        database: Database,
        step: Step,
        interval: float = 5.0,
        max_backoff: float = 60.0,
    ) -> None:
        self.name = name
        self.database = database
        self.step = step
        self.interval = interval
        self.max_backoff = max_backoff
        self.failures = 0

    def run_once(self) -> int:
        """One round: one transaction, committed if `step` returns, rolled back if it raises."""
        with self.database.transaction() as session:
            return self.step(session)

    def backoff(self) -> float:
        """Seconds to wait after `failures` consecutive failed rounds (exponential, jittered)."""
        base = min(self.max_backoff, self.interval * (2 ** min(self.failures, 16)))
        return base * (0.5 + random.random() / 2)

    async def run(self, stop: asyncio.Event) -> None:
        """Run rounds until `stop` is set."""
        while not stop.is_set():
            try:
                done = await run_in_threadpool(self.run_once)
                self.failures = 0
                delay = 0.0 if done > 0 else self.interval
            except Exception:
                self.failures += 1
                delay = self.backoff()
                log.exception("job %s: round failed; retry in %.1fs", self.name, delay)
            if delay == 0.0:
                await asyncio.sleep(0)  # let the server (and stop) have the loop between rounds
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)

    async def aclose(self) -> None:
        """Nothing to release: the database belongs to the app."""

    def __repr__(self) -> str:
        return f"PeriodicJob({self.name!r})"
