"""Rating work in the background: a queued run left behind, a run claimed once, a failure's
error kept, the ratings consumer from the outbox's first event and beside another replica, a
batch read in parts, the longest list of enterprises a run takes; the daily step's anniversaries
and new year, its cursor and the consumer's kept apart.

Runs here are put in the table as the API queues them (`queued`), so that a step can claim them.
"""

from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update
from sqlmodel import col

from services.common.consumer import claim_cursor
from services.common.db import Database
from services.common.models import ConsumerCursor
from services.common.outbox import emit
from services.credit.certification.service import CONSUMER as CERTIFICATION
from services.credit.monitoring.jobs import CURSOR as WEBHOOKS
from services.credit.ratings import inputs as rating_inputs
from services.credit.ratings import run as rating_run
from services.credit.ratings import service as rating_service
from services.credit.ratings.errors import RatingConcurrentChange
from services.credit.ratings.models import CreditRating, RatingRun
from services.credit.records.models import CreditRecord
from tests.credit.conftest import Clock, CreditHeaders, SeedEnterprise
from tests.credit.ratings_support import (
    ME,
    daily,
    events_round,
    outbox_count,
    rating_of,
    start_run,
)
from tests.credit.records_support import add_record, file_indicators
from tests.registry.factories import make_uscc

OTHER = "91140105MA0KDE119Q"


def _queue(database: Database, run_id: str, *, at: datetime, status: str = "queued") -> None:
    """A run as the API queues it (every active enterprise), created at `at`."""
    with database.transaction() as session:
        session.add(RatingRun(id=run_id, status=status, requested_by="cli_admin", created_at=at))


def _run(client: TestClient, headers: CreditHeaders, run_id: str) -> dict[str, Any]:
    answer = client.get(f"/v1/ratings/runs/{run_id}", headers=headers(kind="admin", org=None))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _run_queued(database: Database) -> int:
    with database.transaction() as session:
        return rating_run.run_queued(session)


def test_the_oldest_run_left_queued_is_claimed_and_done_one_per_step(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    seed_enterprise(ME)
    # Older runs that failed or finished are never taken again; of the queued ones the older
    # (created first, though its id sorts last) goes first.
    _queue(database, "rrn_0failed", at=datetime(2026, 6, 1, tzinfo=UTC), status="failed")
    _queue(database, "rrn_1done", at=datetime(2026, 6, 2, tzinfo=UTC), status="succeeded")
    _queue(database, "rrn_9older", at=datetime(2026, 6, 10, tzinfo=UTC))
    _queue(database, "rrn_5newer", at=datetime(2026, 6, 11, tzinfo=UTC))

    assert _run_queued(database) == 1
    older = _run(credit_client, credit_headers, "rrn_9older")
    assert (older["status"], older["rated"], older["first_ratings"]) == ("succeeded", 1, 1)
    assert older["skipped"] == 0  # a run of every enterprise skips none
    assert _run(credit_client, credit_headers, "rrn_5newer")["status"] == "queued"
    assert _run(credit_client, credit_headers, "rrn_0failed")["status"] == "failed"
    assert _run_queued(database) == 1
    newer = _run(credit_client, credit_headers, "rrn_5newer")
    assert (newer["status"], newer["rated"], newer["unchanged"]) == ("succeeded", 1, 1)
    assert _run_queued(database) == 0
    assert rating_of(credit_client, credit_headers)["uscc"] == ME


def test_a_run_is_claimed_once_and_alone(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    seed_enterprise(ME)
    _queue(database, "rrn_mine", at=datetime(2026, 6, 10, tzinfo=UTC))
    for other in ("rrn_before", "rrn_other"):  # ids either side of it
        _queue(database, other, at=datetime(2026, 6, 10, tzinfo=UTC))
    assert rating_run.execute_run(database=database, run_id="rrn_mine") is True
    assert _run(credit_client, credit_headers, "rrn_mine")["status"] == "succeeded"
    for other in ("rrn_before", "rrn_other"):
        assert _run(credit_client, credit_headers, other)["status"] == "queued"
    # A failed run is not taken again either.
    _queue(database, "rrn_failed", at=datetime(2026, 6, 10, tzinfo=UTC), status="failed")
    assert rating_run.execute_run(database=database, run_id="rrn_failed") is False
    assert _run(credit_client, credit_headers, "rrn_failed")["status"] == "failed"
    # Done already (or taken by another replica): nothing is done again.
    assert rating_run.execute_run(database=database, run_id="rrn_mine") is False
    assert _run(credit_client, credit_headers, "rrn_mine")["rated"] == 1


def test_a_failed_runs_error_is_kept_to_1000_characters(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    seed_enterprise(ME)
    grade = "X" * 1500
    saved = credit_client.post(
        "/v1/rule-sets",
        json={
            "family": "credit.scorecard",
            "effective_from": "2026-06-01",
            "rules": [
                {"name": "score", "expression": "500"},
                {"name": "grade", "expression": f'"{grade}"'},
                {"name": "reason_codes", "expression": '{"x": "X1"}'},
            ],
        },
        headers={**credit_headers(kind="admin", org=None), "Idempotency-Key": "long-grade"},
    )
    assert saved.status_code == 201, saved.text
    run = start_run(credit_client, credit_headers, "long", [ME])
    assert run["status"] == "failed"
    # A run that fails was still claimed and done by this replica.
    _queue(database, "rrn_fails", at=datetime(2026, 6, 10, tzinfo=UTC))
    assert rating_run.execute_run(database=database, run_id="rrn_fails") is True
    assert _run(credit_client, credit_headers, "rrn_fails")["status"] == "failed"
    expected = f"RatingScorecardInvalid: credit.scorecard version 2 gave the grade '{grade}'"
    assert run["error"] == expected[:1000]


def test_the_ratings_consumer_applies_the_outboxs_first_event(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    seed_enterprise(ME)
    serious = add_record(database, ME, "serious_dishonesty", "negative")  # the event of seq 1
    with database.transaction() as session:
        assert rating_run.apply_rating_events(session) == 1
    factors = {f["name"]: f for f in rating_of(credit_client, credit_headers)["factors"]}
    assert factors["serious_dishonesty"]["record_ids"] == [serious]


def test_a_second_replica_skips_the_ratings_round_the_first_holds(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
    postgres_database: str | None,
) -> None:
    """While one replica rates a page of events, another finds the cursor locked and reads
    nothing; the first's page is then done once."""
    if postgres_database is None:
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite runs one writer at a time")
    seed_enterprise(ME)
    with database.transaction() as session:
        assert rating_run.apply_rating_events(session) == 0  # creates the cursor
    serious = add_record(database, ME, "serious_dishonesty", "negative")
    holder = database.session()
    try:
        assert rating_run.apply_rating_events(holder) == 1
        with database.transaction() as session:
            # One thread holds both: a wait would never end, so make it an error instead.
            session.execute(text("SET LOCAL lock_timeout = '5s'"))
            assert rating_run.apply_rating_events(session) == 0
        holder.commit()
    finally:
        holder.close()
    with database.transaction() as session:  # only the rating.changed the first one sent
        assert rating_run.apply_rating_events(session) == 1
    with database.transaction() as session:
        assert rating_run.apply_rating_events(session) == 0
    factors = {f["name"]: f for f in rating_of(credit_client, credit_headers)["factors"]}
    assert factors["serious_dishonesty"]["record_ids"] == [serious]
    events = credit_client.get("/v1/events", headers=credit_headers(kind="service", org=None))
    assert [e["type"] for e in events.json()["items"]] == ["record.added", "rating.changed"]


def test_a_batch_reads_its_ratings_and_disputed_records_in_parts(
    monkeypatch: pytest.MonkeyPatch,
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    """Five enterprises read, closed and written two at a time (the part sizes shrunk from 500
    and 2,000): each one's open rating and, for its disputed record, the rating's inputs are
    found in whichever part; every new rating is written and every old one closed."""
    monkeypatch.setattr(rating_inputs, "CHUNK", 2)
    monkeypatch.setattr(rating_service, "WRITE_CHUNK", 2)
    usccs = sorted(make_uscc(n) for n in range(5))
    for uscc in usccs:
        seed_enterprise(uscc)
        add_record(database, uscc, "serious_dishonesty", "negative")
    first = start_run(credit_client, credit_headers, "parts-1", usccs)
    assert (first["rated"], first["first_ratings"]) == (5, 5)
    with database.transaction() as session:  # every record disputed: each counts as it did
        session.execute(
            update(CreditRecord).where(col(CreditRecord.uscc).in_(usccs)).values(disputed=True)
        )
    again = start_run(credit_client, credit_headers, "parts-2", usccs)
    assert (again["rated"], again["first_ratings"], again["unchanged"]) == (5, 0, 5)
    for uscc in usccs:
        rating = rating_of(credit_client, credit_headers, uscc)
        serious = next(f for f in rating["factors"] if f["name"] == "serious_dishonesty")
        assert serious["input"] == 1, uscc
    for uscc in usccs:  # a second record each: five ratings change
        add_record(database, uscc, "administrative_penalty", "negative")
    third = start_run(credit_client, credit_headers, "parts-3", usccs)
    assert (third["rated"], third["changed"]) == (5, 5)
    assert _open_ratings(database) == {uscc: 1 for uscc in usccs}


def _open_ratings(database: Database) -> dict[str, int]:
    """How many open ratings each enterprise has (one, or the history is broken)."""
    with database.session() as session:
        rows = session.execute(
            select(CreditRating.uscc).where(col(CreditRating.valid_to).is_(None))
        ).all()
    counts: dict[str, int] = {}
    for (uscc,) in rows:
        counts[uscc] = counts.get(uscc, 0) + 1
    return counts


def test_three_hundred_ratings_closed_in_one_part(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    """A part's closed count is compared by value (300 is past the small integers Python
    keeps one copy of)."""
    usccs = sorted(make_uscc(n) for n in range(300))
    for uscc in usccs:
        seed_enterprise(uscc, founded_on=date(2020, 7, 1))
    clock.now = datetime(2025, 6, 30, 4, 0, tzinfo=UTC)
    assert start_run(credit_client, credit_headers, "300-1")["first_ratings"] == 300
    clock.now = datetime(2025, 7, 1, 4, 0, tzinfo=UTC)  # five years each: every rating moves
    again = start_run(credit_client, credit_headers, "300-2")
    assert (again["status"], again["changed"]) == ("succeeded", 300), again
    assert _open_ratings(database) == {uscc: 1 for uscc in usccs}


def test_a_run_lists_at_most_ten_thousand_enterprises(
    credit_client: TestClient, credit_headers: CreditHeaders
) -> None:
    admin = credit_headers(kind="admin", org=None)
    usccs = [make_uscc(n) for n in range(10_001)]
    refused = credit_client.post(
        "/v1/ratings/runs", json={"usccs": usccs}, headers={**admin, "Idempotency-Key": "max-1"}
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "rating_run_too_many_enterprises"
    assert refused.json()["errors"][0]["field"] == "body.usccs"
    # Ten thousand, or more entries naming ten thousand enterprises, are taken.
    taken = start_run(credit_client, credit_headers, "max-2", usccs[:10_000] + usccs[:1])
    assert (taken["status"], taken["enterprises"], taken["skipped"]) == ("succeeded", 0, 10_000)


def test_the_daily_step_and_the_event_consumer_each_move_only_their_own_cursor(
    seed_enterprise: SeedEnterprise, database: Database, clock: Clock
) -> None:
    seed_enterprise(ME)
    with database.transaction() as session:  # others', named before and after the ratings'
        for other in (CERTIFICATION, WEBHOOKS):
            assert claim_cursor(session, other) is not None
    clock.now = datetime(2025, 6, 30, 4, 0, tzinfo=UTC)
    assert daily(database) == 1  # today done
    add_record(database, ME, "administrative_penalty", "negative")
    assert events_round(database) >= 1
    while events_round(database):  # and the rating.changed that round wrote
        pass
    assert daily(database) == 0  # the event rounds left the daily cursor on today
    clock.now = datetime(2025, 7, 1, 4, 0, tzinfo=UTC)
    assert daily(database) == 1
    # The daily step left the event cursor where it was: the next record is read.
    add_record(database, ME, "administrative_penalty", "negative")
    assert events_round(database) >= 1
    with database.session() as session:
        for name in (CERTIFICATION, WEBHOOKS):
            other = session.get(ConsumerCursor, name)
            assert other is not None and other.position == 0, name


def test_the_daily_step_rates_an_enterprise_again_on_its_founding_anniversary(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    seed_enterprise(ME, founded_on=date(2020, 7, 1))
    seed_enterprise(OTHER, founded_on=date(2020, 3, 1))
    clock.now = datetime(2025, 6, 30, 4, 0, tzinfo=UTC)
    start_run(credit_client, credit_headers, "anniversary")
    before, other = (
        rating_of(credit_client, credit_headers),
        rating_of(credit_client, credit_headers, uscc=OTHER),
    )
    assert daily(database) == 1
    # A record of OTHER whose event is not applied: rated again, OTHER would get a new rating.
    add_record(database, OTHER, "administrative_penalty", "negative")
    clock.now = datetime(2025, 6, 30, 16, 30, tzinfo=UTC)  # 2025-07-01 00:30 in Shanghai
    assert daily(database) == 1
    after = rating_of(credit_client, credit_headers)
    assert after["scored_on"] == "2025-07-01" and after["score"] > before["score"]  # five years
    assert rating_of(credit_client, credit_headers, uscc=OTHER)["id"] == other["id"]


def test_the_daily_step_rates_everyone_again_when_a_new_year_begins(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    seed_enterprise(ME, founded_on=date(2015, 7, 1))  # no anniversary near the new year
    file_indicators(database, ME, {2022: 10, 2023: 10, 2024: 10})  # 2025 not yet filed
    clock.now = datetime(2025, 12, 31, 4, 0, tzinfo=UTC)
    start_run(credit_client, credit_headers, "new-year")
    before = rating_of(credit_client, credit_headers)
    assert daily(database) == 1
    clock.now = datetime(2025, 12, 31, 16, 30, tzinfo=UTC)  # 2026-01-01 00:30 in Shanghai
    assert daily(database) == 1
    after = rating_of(credit_client, credit_headers)
    # The filing window moved a year: one year fewer filed among the years it reads.
    assert after["scored_on"] == "2026-01-01" and after["score"] < before["score"]


class _PausedSession:
    """A replica's session whose second statement waits for `between()`: the moment between a
    read and the write that relies on it."""

    def __init__(self, session: Any, between: Any) -> None:
        self._session, self._between, self._calls = session, between, 0

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        self._calls += 1
        if self._calls == 2:
            self._between()
        return self._session.execute(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


@pytest.mark.parametrize("meanwhile", ["running", "succeeded", "failed"])
def test_a_queued_run_another_replica_took_after_it_was_read_is_left_to_it(
    database: Database, clock: Clock, postgres_database: str | None, meanwhile: str
) -> None:
    if postgres_database is None:
        pytest.skip("SQLite's BEGIN IMMEDIATE lets no other writer commit after the read")
    _queue(database, "rrn_taken", at=datetime(2026, 1, 1, tzinfo=UTC))

    def taken() -> None:
        with database.transaction() as other:
            other.execute(
                update(RatingRun).where(col(RatingRun.id) == "rrn_taken").values(status=meanwhile)
            )

    with database.transaction() as session:
        assert rating_run.run_queued(_PausedSession(session, taken)) == 0  # type: ignore[arg-type]
    with database.session() as session:
        run = session.get(RatingRun, "rrn_taken")
        assert run is not None and (run.status, run.started_at) == (meanwhile, None)


def test_an_event_of_another_kind_naming_an_enterprise_does_not_rate_it(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    seed_enterprise(ME, founded_on=date(2020, 7, 1))
    clock.now = datetime(2025, 6, 30, 4, 0, tzinfo=UTC)
    first = start_run(credit_client, credit_headers, "other-kind")
    assert first["rated"] == 1
    while events_round(database):  # the run's rating.changed
        pass
    clock.now = datetime(2025, 7, 1, 4, 0, tzinfo=UTC)  # five years: rated again, it would move
    rated = rating_of(credit_client, credit_headers)
    with database.transaction() as session:
        emit(session, "consent.granted", {"uscc": ME})
    assert events_round(database) == 1
    assert rating_of(credit_client, credit_headers)["id"] == rated["id"]


def test_a_rating_closed_by_another_writer_meanwhile_fails_the_pass(
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
    postgres_database: str | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if postgres_database is None:
        pytest.skip("SQLite's BEGIN IMMEDIATE lets no other writer commit during a pass")
    seed_enterprise(ME, founded_on=date(2020, 7, 1))
    clock.now = datetime(2025, 6, 30, 4, 0, tzinfo=UTC)
    with database.transaction() as session:
        rating_service.rate(session, usccs=[ME], trigger="first")
    clock.now = datetime(2025, 7, 1, 4, 0, tzinfo=UTC)  # a new year of operation: a new rating
    write = rating_service._write
    others: list[str] = []

    def another_writer_first(session: Any, **kwargs: Any) -> None:
        if not others:  # the late pass, before it writes: the other one writes and commits
            others.append("other")
            with database.transaction() as other:
                rating_service.rate(other, usccs=[ME], trigger="other")
        write(session, **kwargs)

    monkeypatch.setattr(rating_service, "_write", another_writer_first)
    late = pytest.raises(RatingConcurrentChange, match="Another rating of the same enterprise")
    with late, database.transaction() as session:
        rating_service.rate(session, usccs=[ME], trigger="late")
    with database.session() as session:
        open_ = session.execute(
            text("SELECT count(*) FROM credit_ratings WHERE valid_to IS NULL")
        ).scalar_one()
    assert open_ == 1


def test_a_rating_asked_for_as_of_a_day_includes_its_last_second(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    clock: Clock,
) -> None:
    seed_enterprise(ME)
    clock.now = datetime(2025, 6, 30, 15, 59, 59, 999_999, tzinfo=UTC)  # its last microsecond
    start_run(credit_client, credit_headers, "last-second")
    assert rating_of(credit_client, credit_headers, as_of="2025-06-30")["scored_on"] == "2025-06-30"


def test_the_ratings_consumer_reads_500_events_a_round(
    seed_enterprise: SeedEnterprise, database: Database, clock: Clock
) -> None:
    with database.transaction() as session:
        for n in range(501):
            emit(session, "consent.granted", {"n": n})
    assert [events_round(database), events_round(database), events_round(database)] == [500, 1, 0]


def test_the_daily_steps_first_round_takes_today_only_and_never_a_day_it_did(
    seed_enterprise: SeedEnterprise, database: Database, clock: Clock
) -> None:
    seed_enterprise(ME)
    add_record(  # left the list yesterday, before the step first ran
        database,
        ME,
        "serious_dishonesty",
        "negative",
        occurred_on=date(2024, 1, 1),
        ended_on=date(2025, 6, 29),
        filed_at=datetime(2024, 1, 2, 2, 0, tzinfo=UTC),
        updated_at=datetime(2024, 1, 2, 2, 0, tzinfo=UTC),
    )
    clock.now = datetime(2025, 6, 30, 4, 0, tzinfo=UTC)
    assert daily(database) == 1
    assert outbox_count(database, "dishonesty.cleared") == 0
    clock.now = datetime(2025, 6, 28, 4, 0, tzinfo=UTC)  # a clock behind: the day is done
    assert daily(database) == 0
    clock.now = datetime(2025, 6, 30, 10, 0, tzinfo=UTC)
    assert daily(database) == 0
    assert outbox_count(database, "dishonesty.cleared") == 0
    with database.transaction() as session:  # a first round the day it ended clears it
        session.execute(
            text("DELETE FROM consumer_cursors WHERE consumer = 'credit.ratings.daily'")
        )
    clock.now = datetime(2025, 6, 29, 4, 0, tzinfo=UTC)
    assert daily(database) == 1
    assert outbox_count(database, "dishonesty.cleared") == 1


def test_a_rating_whose_factors_change_but_not_its_score_is_kept_without_rating_changed(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    seed_enterprise(ME)
    first = add_record(database, ME, "administrative_penalty", "negative")
    start_run(credit_client, credit_headers, "factors-1", [ME])
    before = rating_of(credit_client, credit_headers)
    with database.transaction() as session:  # the record withdrawn, another alike filed
        session.execute(
            update(CreditRecord).where(col(CreditRecord.id) == first).values(status="withdrawn")
        )
    second = add_record(database, ME, "administrative_penalty", "negative")
    run = start_run(credit_client, credit_headers, "factors-2", [ME])
    assert (run["rated"], run["first_ratings"], run["changed"], run["unchanged"]) == (1, 0, 0, 0)
    after = rating_of(credit_client, credit_headers)
    assert after["id"] != before["id"] and after["score"] == before["score"]
    assert second in str(after["factors"]) and first not in str(after["factors"])
    assert outbox_count(database, "rating.changed") == 1  # the first rating's only


def test_the_oldest_queued_run_is_claimed_alone_whatever_its_id(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    seed_enterprise(ME)
    _queue(database, "rrn_1oldest", at=datetime(2026, 6, 10, tzinfo=UTC))
    _queue(database, "rrn_2later", at=datetime(2026, 6, 11, tzinfo=UTC))  # its id sorts after
    assert _run_queued(database) == 1
    assert _run(credit_client, credit_headers, "rrn_1oldest")["status"] == "succeeded"
    assert _run(credit_client, credit_headers, "rrn_2later")["status"] == "queued"


def test_an_event_rounds_trigger_names_its_kinds_cut_at_80_characters(
    seed_enterprise: SeedEnterprise, database: Database, clock: Clock
) -> None:
    seed_enterprise(ME)
    kinds = sorted(rating_run.RECOMPUTE_ON)
    with database.transaction() as session:
        for kind in kinds:
            emit(session, kind, {"uscc": ME})
    assert events_round(database) == len(kinds)
    with database.session() as session:
        (trigger,) = session.execute(select(CreditRating.trigger)).one()
    assert trigger == ("event:" + ",".join(kinds))[:80] and len(trigger) == 80


@pytest.mark.parametrize("enabled", [True, False])
def test_a_rating_pass_leaves_the_garbage_collector_as_it_found_it(
    seed_enterprise: SeedEnterprise, database: Database, clock: Clock, enabled: bool
) -> None:
    import gc

    seed_enterprise(ME)
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        with database.transaction() as session:
            assert rating_service.rate(session, usccs=[ME], trigger="gc").rated == 1
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
