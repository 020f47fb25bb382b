"""Expiry: past-due vouchers give their unused balance back to the budget, once, by one runner."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from services.common.db import Database
from services.common.ids import new_id
from services.common.jobs import PeriodicJob
from services.common.models import OutboxEvent
from services.vouchers.expiry import service as expiry_service
from services.vouchers.expiry.jobs import workers
from services.vouchers.expiry.service import expire_due
from services.vouchers.programmes.models import Programme
from services.vouchers.settings import VouchersSettings
from services.vouchers.vouchers.models import ACTIVE, EXPIRED, VOID, Voucher
from tests.vouchers.conftest import SeedEnterprise, VouchersHeaders
from tests.vouchers.seeding import add_programme, issue

HOLDER = "91140100MA0K000017"
# 2026-03-31 16:30 UTC is 2026-04-01 00:30 in Shanghai; 15:59 UTC is still 23:59 on the 31st.
JUST_AFTER = datetime(2026, 3, 31, 16, 30, tzinfo=UTC)
JUST_BEFORE = datetime(2026, 3, 31, 15, 59, tzinfo=UTC)


def _voucher(database: Database, voucher_id: str) -> Voucher:
    with database.session(write=False) as session:
        row = session.get(Voucher, voucher_id)
        assert row is not None
        return row


def _committed(database: Database, programme_id: str) -> int:
    with database.session(write=False) as session:
        row = session.get(Programme, programme_id)
        assert row is not None
        return row.committed_fen


def test_a_voucher_expires_the_day_after_its_last_valid_day_in_shanghai(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    seed_enterprise: SeedEnterprise,
) -> None:
    database: Database = vouchers_app.state.database
    seed_enterprise(HOLDER)
    programme = add_programme(database)
    with database.transaction() as session:
        used = issue(session, programme, HOLDER, balance_fen=400_000, expires_on=date(2026, 3, 31))
        full = issue(session, programme, HOLDER, expires_on=date(2026, 3, 31))
        later = issue(session, programme, HOLDER, expires_on=date(2026, 4, 1))
        void = issue(session, programme, HOLDER, expires_on=date(2026, 3, 1))
        void.status = VOID
        session.add(void)
    assert _committed(database, programme.id) == 4_000_000

    with database.transaction() as session:
        assert expire_due(session, now=JUST_BEFORE) == 0  # still the 31st in Shanghai
    with database.transaction() as session:
        assert expire_due(session, now=JUST_AFTER) == 2
    with database.transaction() as session:
        assert expire_due(session, now=JUST_AFTER) == 0  # nothing twice

    first, second = _voucher(database, used.id), _voucher(database, full.id)
    assert (first.status, first.balance_fen, first.released_fen) == (EXPIRED, 0, 400_000)
    assert (second.status, second.balance_fen, second.released_fen) == (EXPIRED, 0, 1_000_000)
    assert first.expired_at == JUST_AFTER and first.version == 2
    assert _voucher(database, later.id).status == ACTIVE
    assert _voucher(database, void.id).status == VOID
    # The unused balances came back: 4,000,000 − 400,000 − 1,000,000.
    assert _committed(database, programme.id) == 2_600_000

    feed = vouchers_client.get("/v1/events", headers=vouchers_headers()).json()["items"]
    expired = {
        e["payload"]["voucher_id"]: e["payload"] for e in feed if e["type"] == "voucher.expired"
    }
    assert expired == {
        used.id: {
            "voucher_id": used.id,
            "uscc": HOLDER,
            "programme_id": programme.id,
            "face_value_fen": 1_000_000,
            "released_fen": 400_000,
            "expires_on": "2026-03-31",
            "expired_on": "2026-04-01",
        },
        full.id: {
            "voucher_id": full.id,
            "uscc": HOLDER,
            "programme_id": programme.id,
            "face_value_fen": 1_000_000,
            "released_fen": 1_000_000,
            "expires_on": "2026-03-31",
            "expired_on": "2026-04-01",
        },
    }


def test_a_spent_voucher_expires_giving_nothing_back(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    seed_enterprise: SeedEnterprise,
) -> None:
    database: Database = vouchers_app.state.database
    seed_enterprise(HOLDER)
    programme = add_programme(database)
    with database.transaction() as session:
        spent = issue(session, programme, HOLDER, balance_fen=0, expires_on=date(2026, 3, 31))
    assert _committed(database, programme.id) == 1_000_000
    with database.transaction() as session:
        assert expire_due(session, now=JUST_AFTER) == 1
    row = _voucher(database, spent.id)
    assert (row.status, row.balance_fen, row.released_fen) == (EXPIRED, 0, 0)
    assert _committed(database, programme.id) == 1_000_000  # all of it was redeemed: kept
    feed = vouchers_client.get("/v1/events", headers=vouchers_headers()).json()["items"]
    expired = [e["payload"] for e in feed if e["type"] == "voucher.expired"]
    assert [(e["voucher_id"], e["released_fen"]) for e in expired] == [(spent.id, 0)]


def test_a_round_that_fails_rolls_back_and_leaves_the_voucher_due(
    vouchers_app: FastAPI, seed_enterprise: SeedEnterprise
) -> None:
    database: Database = vouchers_app.state.database
    seed_enterprise(HOLDER)
    programme = add_programme(database)
    with database.transaction() as session:
        voucher = issue(session, programme, HOLDER, expires_on=date(2026, 3, 1))
        # Books broken on purpose: less committed than the balance to release.
        session.get_one(Programme, programme.id).committed_fen = 10
    job = PeriodicJob(name="t", database=database, step=lambda s: expire_due(s, now=JUST_AFTER))
    try:
        job.run_once()
        raise AssertionError("the round should fail")
    except Exception as error:
        assert getattr(error, "code", None) == "voucher_books_out_of_balance"
    row = _voucher(database, voucher.id)
    assert (row.status, row.balance_fen, row.released_fen) == (ACTIVE, 1_000_000, 0)
    assert _committed(database, programme.id) == 10
    with database.session(write=False) as session:
        assert session.exec(select(OutboxEvent)).all() == []


def test_two_runners_expire_each_voucher_once(
    vouchers_app: FastAPI, seed_enterprise: SeedEnterprise
) -> None:
    """Two replicas' jobs run rounds of 3 at once until nothing is due: 30 vouchers, 30 events."""
    database: Database = vouchers_app.state.database
    seed_enterprise(HOLDER)
    programme = add_programme(database, yearly_cap_fen=30 * 1_000_000)
    ids = []
    with database.transaction() as session:
        for i in range(30):
            ids.append(
                issue(
                    session,
                    programme,
                    HOLDER,
                    balance_fen=10_000 * (i + 1),
                    expires_on=date(2026, 3, 1),
                ).id
            )
    released_total = sum(10_000 * (i + 1) for i in range(30))
    start = threading.Barrier(2)
    rounds: list[int] = []

    def runner() -> int:
        job = PeriodicJob(
            name="vouchers.expire",
            database=database,
            step=lambda s: expire_due(s, now=JUST_AFTER, limit=3),
        )
        start.wait()
        done = 0
        while (n := job.run_once()) > 0:
            rounds.append(n)
            done += n
        return done

    with ThreadPoolExecutor(2) as pool:
        totals = [f.result() for f in [pool.submit(runner), pool.submit(runner)]]
    assert sum(totals) == 30
    with database.session(write=False) as session:
        events = session.exec(
            select(OutboxEvent).where(col(OutboxEvent.type) == "voucher.expired")
        ).all()
        vouchers = session.exec(select(Voucher).where(col(Voucher.id).in_(ids))).all()
    assert sorted(e.payload["voucher_id"] for e in events) == sorted(ids)
    assert all(v.status == EXPIRED and v.balance_fen == 0 for v in vouchers)
    assert sum(v.released_fen for v in vouchers) == released_total
    assert _committed(database, programme.id) == 30 * 1_000_000 - released_total


def test_the_app_runs_the_job_only_when_jobs_are_on(
    vouchers_app: FastAPI, vouchers_settings: VouchersSettings
) -> None:
    assert vouchers_settings.jobs_enabled is False  # tests drive the rounds themselves
    assert workers(vouchers_settings)(vouchers_app) == []
    on = vouchers_settings.model_copy(update={"jobs": True})
    [job] = workers(on)(vouchers_app)
    assert isinstance(job, PeriodicJob) and job.name == "vouchers.expire"
    assert job.step is expire_due and job.database is vouchers_app.state.database


def test_each_voucher_gives_back_to_its_own_programme_and_touches_no_other_voucher(
    vouchers_app: FastAPI, seed_enterprise: SeedEnterprise
) -> None:
    """Programmes made before and after the due voucher's, each with a valid voucher (the
    earlier one's issued before the due one)."""
    database: Database = vouchers_app.state.database
    seed_enterprise(HOLDER)
    # ids made in one millisecond do not sort in order of making: sort them first
    earlier, own, later = (
        add_programme(database, id=programme_id)
        for programme_id in sorted(new_id("prg") for _ in range(3))
    )
    with database.transaction() as session:
        made = issue(session, earlier, HOLDER), issue(session, own, HOLDER)
        valid, due = sorted(made, key=lambda voucher: voucher.id)
        valid.programme_id, due.programme_id = earlier.id, own.id
        valid.expires_on, due.expires_on = date(2026, 4, 30), date(2026, 3, 1)
        due.balance_fen = 250_000
        session.add_all([valid, due])
        issue(session, later, HOLDER, expires_on=date(2026, 4, 30))
    with database.transaction() as session:
        assert expire_due(session, now=JUST_AFTER) == 1
    assert _voucher(database, due.id).status == EXPIRED
    kept = _voucher(database, valid.id)
    assert (kept.status, kept.balance_fen, kept.version) == (ACTIVE, 1_000_000, 1)
    assert _committed(database, earlier.id) == 1_000_000
    assert _committed(database, own.id) == 1_000_000 - 250_000
    assert _committed(database, later.id) == 1_000_000


def test_a_round_expires_at_most_200_vouchers_by_default(
    vouchers_app: FastAPI, seed_enterprise: SeedEnterprise
) -> None:
    """Its transaction stays bounded: 201 due vouchers take two rounds, 200 then 1."""
    database: Database = vouchers_app.state.database
    seed_enterprise(HOLDER)
    programme = add_programme(database, budget_fen=201 * 10_000, face_value_fen=10_000)
    with database.transaction() as session:
        for _ in range(201):
            issue(session, programme, HOLDER, expires_on=date(2026, 3, 1))
    rounds = []
    for _ in range(3):
        with database.transaction() as session:
            rounds.append(expire_due(session, now=JUST_AFTER))
    assert rounds == [200, 1, 0]
    assert _committed(database, programme.id) == 0


def test_a_voucher_changed_after_its_claim_is_passed_over_and_the_round_goes_on(
    vouchers_app: FastAPI, seed_enterprise: SeedEnterprise, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claim's lock keeps others out, but the UPDATE is conditional all the same: a caller
    holding no lock, whose first claimed voucher is voided before its UPDATE (done here inside
    the claim), leaves that one as it is and expires the next."""
    database: Database = vouchers_app.state.database
    seed_enterprise(HOLDER)
    programme = add_programme(database)
    with database.transaction() as session:
        first = issue(session, programme, HOLDER, expires_on=date(2026, 2, 1))
        second = issue(session, programme, HOLDER, balance_fen=300_000, expires_on=date(2026, 3, 1))
    real_claim = expiry_service.claim_due

    def claim_then_void_the_first(session: Session, statement: Any, *, limit: int) -> list[Any]:
        claimed = real_claim(session, statement, limit=limit)
        session.execute(update(Voucher).where(col(Voucher.id) == first.id).values(status=VOID))
        return claimed

    monkeypatch.setattr(expiry_service, "claim_due", claim_then_void_the_first)
    with database.transaction() as session:
        assert expire_due(session, now=JUST_AFTER) == 1
    voided = _voucher(database, first.id)
    assert (voided.status, voided.balance_fen, voided.released_fen) == (VOID, 1_000_000, 0)
    expired = _voucher(database, second.id)
    assert (expired.status, expired.released_fen) == (EXPIRED, 300_000)
    assert _committed(database, programme.id) == 2_000_000 - 300_000
    with database.session(write=False) as session:
        events = session.exec(
            select(OutboxEvent).where(col(OutboxEvent.type) == "voucher.expired")
        ).all()
    assert [e.payload["voucher_id"] for e in events] == [second.id]
