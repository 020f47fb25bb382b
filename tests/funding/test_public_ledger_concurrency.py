"""Appends under concurrency (SQLite and PostgreSQL): one head row serialises them, so the
sequence has no gaps and the chain no forks, even when some of the payments roll back.

Each thread publishes in its own session and transaction (as concurrent `pay` requests do),
all released together by a barrier."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select

from services.common.tokens import generate_ed25519_pem
from services.funding.app import MIGRATIONS
from services.funding.public.keys import load_ledger_key
from services.funding.public.models import PublicCheckpoint, PublicRecord
from services.funding.public.service import issue_daily_checkpoint, publish
from services.funding.settings import FundingSettings
from services.funding.verify import verify_ledger
from tests.conftest import DatabaseTarget
from tests.funding.ledger_support import record_fields
from tests.support import migrated_settings

THREADS = 24


@pytest.fixture
def funding_settings(database_target: DatabaseTarget, jwks_json: str) -> FundingSettings:
    """tests/funding/conftest.py's settings, with a checkpoint key of their own."""
    return migrated_settings(
        FundingSettings,
        target=database_target,
        jwks_json=jwks_json,
        migrations=MIGRATIONS,
        ledger_signing_key_pem=generate_ed25519_pem().decode(),
    )


class PaymentFailed(Exception):
    """A payment that fails after it published (its transaction rolls back)."""


def _race(count: int, work: Any) -> list[Any]:
    barrier = threading.Barrier(count, timeout=30)

    def run(n: int) -> Any:
        barrier.wait()
        try:
            return work(n)
        except PaymentFailed:
            return "rolled back"

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(1, count + 1)))


def test_parallel_payments_get_consecutive_sequences_and_one_chain(
    funding_app: FastAPI, funding_client: TestClient
) -> None:
    database = funding_app.state.database

    def pay(n: int) -> int:
        with database.transaction() as session:
            record = publish(session, **record_fields(n))
            if n % 4 == 0:
                raise PaymentFailed  # its record goes with it
            return record.sequence

    outcomes = _race(THREADS, pay)
    kept = sorted(o for o in outcomes if isinstance(o, int))
    assert outcomes.count("rolled back") == THREADS // 4
    assert kept == list(range(1, THREADS - THREADS // 4 + 1))
    with database.session() as session:
        rows = session.exec(select(PublicRecord).order_by(PublicRecord.sequence)).all()  # type: ignore[arg-type]
    assert sorted(int(r.disbursement_id[-4:]) for r in rows) == [
        n for n in range(1, THREADS + 1) if n % 4
    ]
    report = verify_ledger(funding_client, prefix="")
    assert report.ok, report.findings
    assert report.head_sequence == report.records == len(kept)


def test_parallel_publishes_of_one_disbursement_publish_it_once(
    funding_app: FastAPI, funding_client: TestClient
) -> None:
    database = funding_app.state.database

    def pay(_n: int) -> int:
        with database.transaction() as session:
            return publish(session, **record_fields(1)).sequence

    assert Counter(_race(THREADS, pay)) == {1: THREADS}
    assert verify_ledger(funding_client, prefix="").records == 1


def test_replicas_racing_for_the_daily_checkpoint_issue_one(
    funding_app: FastAPI, funding_settings: FundingSettings
) -> None:
    database = funding_app.state.database
    key = load_ledger_key(funding_settings)
    with database.transaction() as session:
        publish(session, **record_fields(1))

    def round_(_n: int) -> int:
        with database.transaction() as session:
            return issue_daily_checkpoint(session, key=key)

    assert sum(_race(8, round_)) == 1
    with database.session() as session:
        assert len(session.exec(select(PublicCheckpoint)).all()) == 1
