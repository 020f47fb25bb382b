"""Faults on the real stack: a service SIGKILLed mid-story, a vouchers process killed during a
burst of redemptions, a consumer killed while it applies a batch.

Every wait is bounded polling on what the API shows; no fixed sleeps. The stack's rate limits
are raised: the bursts and polls here are about faults, not about the limits.
"""

import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest

from tests.e2e.faults_support import (
    CALL_SECONDS,
    Redeemer,
    approved_provider,
    as_,
    assert_problem,
    events,
    first_ratings,
    idempotent,
    issue_voucher,
    open_programme,
    row_counter,
    row_held,
)
from tests.e2e.stack import Stack, running_stack
from tests.e2e.waiting import eventually
from tests.registry.factories import filing, make_uscc, register_row, to_jsonl

pytestmark = pytest.mark.timeout(600)  # a cold stack took 250 s on a 2-core machine at load 25
LIMITS = {"GATEWAY_RATE_LIMIT_WRITE": "100000/minute", "GATEWAY_RATE_LIMIT_READ": "100000/minute"}


@pytest.fixture(scope="module")
def e2e_stack(
    tmp_path_factory: pytest.TempPathFactory, postgres_database: str | None
) -> Iterator[Stack]:
    """The conftest's stack with the rate limits out of the way (its name keeps the conftest's
    report of each process's log on a failure)."""
    directory = tmp_path_factory.mktemp("faults")
    with running_stack(directory, postgres_url=postgres_database, env=LIMITS) as running:
        yield running


@pytest.fixture
def stack(e2e_stack: Stack) -> Stack:
    """This module's stack, by its short name."""
    return e2e_stack


@pytest.fixture
def http(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url, timeout=CALL_SECONDS) as client:
        yield client


@contextmanager
def restarted_at_the_end(stack: Stack, name: str) -> Iterator[None]:
    """Leave `name` running for the next test, even if this one fails while it is down."""
    try:
        yield
    finally:
        if stack.processes[name].poll() is not None:
            stack.start(name)


def books_balance(http: httpx.Client, stack: Stack, programme_id: str) -> dict[str, int]:
    """Funding's trial balance sums to zero; the programme's figures hold their identities."""
    answer = http.get("/funding/v1/ledger/trial-balance", headers=as_(stack, "admin"))
    assert answer.status_code == 200, answer.text
    trial = answer.json()
    assert trial["zero_sum"] and trial["total_fen"] == 0 and trial["entries_agree"], trial
    report = http.get(f"/vouchers/v1/programmes/{programme_id}/report", headers=as_(stack, "admin"))
    assert report.status_code == 200, report.text
    figures = report.json()
    assert all(identity["holds"] for identity in figures["identities"]), figures["identities"]
    assert figures["budget_fen"] == figures["committed_fen"] + figures["remaining_fen"]
    assert figures["committed_fen"] == figures["issued_fen"] - figures["released_fen"]
    return {name: value for name, value in figures.items() if name.endswith("_fen")}


def test_a_killed_service_answers_503_while_the_others_work_and_catches_up_once_back(
    stack: Stack, http: httpx.Client
) -> None:
    """Credit SIGKILLed after three filings reached it: its routes answer 503 problems at once
    while the registry, vouchers and funding answer; three more filings wait in the registry's
    feed; credit, started again, applies them from its cursor, and every filing once."""
    before = [make_uscc(n) for n in range(9101, 9104)]
    during = [make_uscc(n) for n in range(9104, 9107)]
    for n in range(9101, 9104):
        filed = http.post("/registry/v1/enterprises", json=filing(n), headers=as_(stack, "admin"))
        assert filed.status_code == 201, filed.text

    def rated(usccs: list[str]) -> None:
        for uscc in usccs:
            answer = http.get(f"/credit/v1/enterprises/{uscc}/rating", headers=as_(stack, "admin"))
            assert answer.status_code == 200, answer.text

    eventually(lambda: rated(before))
    registry_feed = events(http, stack, "registry")

    with restarted_at_the_end(stack, "credit"):
        stack.kill("credit")
        # The credit routes: a problem at once, again and again (the breaker opens meanwhile).
        for _ in range(8):
            records = http.get("/credit/v1/records", headers=as_(stack, "department"))
            assert_problem(records, 503, "upstream_unavailable")
            assert int(records.headers["retry-after"]) >= 1
        public = http.get("/credit/v1/public/dishonesty-list")
        assert_problem(public, 503, "upstream_unavailable")
        consent = http.post(
            "/credit/v1/consents",
            json={"bank": "JSB", "purpose": "pre_loan_review"},
            headers=idempotent(stack, "enterprise"),
        )
        assert_problem(consent, 503, "upstream_unavailable")

        # Everyone else works: the registry files, vouchers opens a programme, funding reads.
        for n, uscc in enumerate(during, start=9104):
            filed = http.post(
                "/registry/v1/enterprises", json=filing(n), headers=as_(stack, "admin")
            )
            assert filed.status_code == 201, filed.text
            assert filed.json()["uscc"] == uscc
        programme_id = open_programme(http, stack, face=1_000_000, name="停机期间的创新券")
        listed = http.get("/vouchers/v1/public/programmes")
        assert listed.status_code == 200 and programme_id in {
            p["id"] for p in listed.json()["items"]
        }
        books_balance(http, stack, programme_id)
        # The filings wait in the registry's feed, once each, for credit to come back.
        waiting = events(http, stack, "registry", after=registry_feed[-1]["seq"])
        filed_meanwhile = Counter(
            e["payload"]["uscc"] for e in waiting if e["type"] == "enterprise.filed"
        )
        assert filed_meanwhile == dict.fromkeys(during, 1)
        assert_problem(
            http.get(f"/credit/v1/enterprises/{during[0]}/rating", headers=as_(stack, "admin")),
            503,
            "upstream_unavailable",
        )

        stack.start("credit")

    # Its consumer catches up from its cursor: the filings reach credit's replica and ratings.
    eventually(lambda: rated(during))
    assert http.get("/credit/v1/records", headers=as_(stack, "department")).status_code == 200
    # Each filing applied once: one first rating each, before the kill or after it.
    everyone = set(before) | set(during)
    assert first_ratings(events(http, stack, "credit"), everyone) == dict.fromkeys(everyone, 1)
    books_balance(http, stack, programme_id)


def test_a_vouchers_process_killed_during_a_burst_loses_and_doubles_no_redemption(
    stack: Stack, http: httpx.Client
) -> None:
    """60 redemptions of ¥100 from 12 clients at once against a ¥5,000 voucher (50 fit), each
    under its own key, retried under that key until final; the vouchers process is SIGKILLed
    once 10 are in and started again. Every key ends with one answer: a redemption (201) or
    `insufficient_balance`, never stuck in progress, and the books show exactly the 201s.

    On PostgreSQL the test holds the voucher's row just before the kill, so at least three
    redemptions are inside the process, mid-transaction with their keys claimed, when it dies;
    on SQLite the kill lands wherever the burst is."""
    face, amount, clients, keys = 500_000, 10_000, 12, 60
    approved_provider(http, stack)
    programme_id = open_programme(http, stack, face=face, name="并发兑付的创新券")
    voucher = issue_voucher(http, stack, programme_id)
    redeemer = Redeemer(stack, code=voucher["code"], amount=amount)
    names = [f"burst-{uuid.uuid4().hex[:12]}-{n}" for n in range(keys)]

    with restarted_at_the_end(stack, "vouchers"), ThreadPoolExecutor(clients) as pool:
        pending = [pool.submit(redeemer.redeem, key) for key in names]

        def ten_in() -> None:
            assert sum(f.done() and f.result().status_code == 201 for f in pending) >= 10

        eventually(ten_in, first=0.01, most=0.01)
        if stack.database("vouchers")[1] is None:  # SQLite: the kill lands where the burst is
            stack.kill("vouchers")
        else:  # PostgreSQL: redemptions stopped mid-transaction, their keys claimed, at the kill
            with row_held(stack, "vouchers", "vouchers", voucher["id"]) as waiting:

                def three_held() -> None:
                    assert waiting() >= 3

                eventually(three_held, first=0.01, most=0.01)
                stack.kill("vouchers")
        stack.start("vouchers")
        answers = {key: future.result() for key, future in zip(names, pending, strict=True)}

    # The kill landed mid-burst: calls found the process gone.
    assert redeemer.attempts["503"] + redeemer.attempts["502"] > 0, redeemer.attempts
    outcomes = Counter(
        (a.status_code, a.json()["code"] if a.status_code != 201 else None)
        for a in answers.values()
    )
    assert outcomes == {(201, None): face // amount, (409, "insufficient_balance"): keys - 50}
    accepted = {key: a.json()["id"] for key, a in answers.items() if a.status_code == 201}

    listed, cursor = [], None
    while True:
        page = http.get(
            "/vouchers/v1/redemptions",
            params={
                "voucher": voucher["id"],
                "limit": 100,
                **({"cursor": cursor} if cursor else {}),
            },
            headers=as_(stack, "provider"),
        ).json()
        listed += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    # Nothing doubled, nothing lost: one redemption per accepted key, the one its 201 named.
    assert Counter(r["contract"]["reference"] for r in listed) == dict.fromkeys(accepted, 1)
    assert {r["contract"]["reference"]: r["id"] for r in listed} == accepted
    drawn = sum(r["amount_fen"] for r in listed)
    shown = http.get(f"/vouchers/v1/vouchers/{voucher['id']}", headers=as_(stack, "enterprise"))
    assert (shown.json()["balance_fen"], shown.json()["used_fen"]) == (face - drawn, drawn)
    announced = Counter(
        e["payload"]["redemption_id"]
        for e in events(http, stack, "vouchers")
        if e["type"] == "voucher.redeemed" and e["payload"]["voucher_id"] == voucher["id"]
    )
    assert announced == dict.fromkeys(accepted.values(), 1)
    figures = books_balance(http, stack, programme_id)
    assert figures["redeemed_fen"] == drawn == face and figures["balance_fen"] == 0


def test_a_consumer_killed_mid_batch_applies_nothing_twice(
    stack: Stack, http: httpx.Client
) -> None:
    """Credit, down, misses 1,000 filings (a register import); started again, its registry
    consumer applies them in pages of 20 (`CREDIT_FEED_BATCH_SIZE`: fifty transactions), and is
    stopped (SIGSTOP, then SIGKILL) as soon as its database shows a first page committed, so
    the kill finds some applied and the rest not, on a quiet machine too: the count is polled
    on credit's database from the moment the process is spawned, not through its API after it
    answers /readyz (by then a quiet machine has applied all fifty pages).

    Why nothing is applied twice (services/common/consumer.py, `FeedConsumer._apply`): a page's
    effects (the replica rows and the first ratings, with their `rating.changed` events in
    credit's outbox), the processed-event ids and the cursor's new position are written in one
    transaction, under the cursor row's lock. The kill rolls that transaction back whole: the
    next process reads the cursor as the last committed page left it and fetches the page
    again; an event already applied is skipped by the processed-event ids (and the replica's
    version). So a page is applied entirely once or not at all, and each enterprise is rated
    for the first time exactly once.
    """
    total = 1000
    rows = [register_row(n) for n in range(20_000, 20_000 + total)]
    usccs = {row["uscc"] for row in rows}
    with (
        restarted_at_the_end(stack, "credit"),
        row_counter(stack, "credit", "enterprise_replicas") as replicas,
    ):
        stack.kill("credit")
        imported = http.post(
            "/registry/v1/imports",
            content=to_jsonl(rows),
            headers=idempotent(stack, "admin") | {"Content-Type": "application/x-ndjson"},
        )
        assert imported.status_code == 202, imported.text

        def filed() -> None:
            job = http.get(
                f"/registry/v1/imports/{imported.json()['id']}", headers=as_(stack, "admin")
            ).json()
            assert (job["status"], job["filed_rows"]) == ("succeeded", total), job

        eventually(filed)
        before = replicas()  # credit is down: nobody else writes them
        stack.spawn("credit", env={"CREDIT_FEED_BATCH_SIZE": "20"})

        def page_committed() -> None:
            assert replicas() > before

        eventually(page_committed, timeout=180, first=0.001, most=0.001)
        stack.pause("credit")  # a page committed; the next one fetched or being applied
        applied = replicas() - before
        stack.kill("credit")
        assert 0 < applied < total, applied

    # Back (started by the context's end if the kill stopped it): the rest, and nothing twice.
    def all_applied() -> Counter[str]:
        counted = first_ratings(events(http, stack, "credit"), usccs)
        assert sum(counted.values()) >= total, sum(counted.values())
        return counted

    assert eventually(all_applied) == dict.fromkeys(usccs, 1)
    for uscc in sorted(usccs)[:: total // 3]:
        rating = http.get(f"/credit/v1/enterprises/{uscc}/rating", headers=as_(stack, "admin"))
        assert rating.status_code == 200, rating.text
