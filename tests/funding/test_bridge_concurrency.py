# ruff: noqa: F811
"""Bridge loans under concurrency (SQLite and PostgreSQL): the fund never lends more than it
holds — the CHECK on `fund:bridge` refuses the transfer that would take it below zero, whatever
runs at once — and a registered loan is bridged once (its unique key), every request in its own
client thread, all released together by a barrier."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.funding.bridge.service import flag_overdue
from tests.funding.bridge_support import (  # noqa: F401 - the clock fixture
    Clock,
    apply,
    bridges,
    clock,
    fund,
    load,
    registered,
    world,
)
from tests.funding.conftest import FundingHeaders
from tests.funding.riskpool_support import SMALL, balances


def _race(
    client: TestClient, headers: FundingHeaders, requests: list[tuple[str, int]]
) -> list[tuple[int, Any]]:
    barrier = threading.Barrier(len(requests), timeout=30)

    def post(request: tuple[str, int]) -> tuple[int, Any]:
        loan_id, amount = request
        barrier.wait()
        answer = apply(client, headers, loan_id, amount, 10, SMALL)
        return answer.status_code, answer.json()

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(post, requests))


def _outcomes(answers: list[tuple[int, Any]]) -> Counter[str]:
    return Counter("lent" if status == 201 else body["code"] for status, body in answers)


def test_parallel_applications_never_lend_more_than_the_fund_holds(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    clock: Clock,
) -> None:
    world(funding_app, funding_client, funding_headers, 1_000_000)
    loans = [registered(funding_client, funding_headers, n, 250_000) for n in range(1, 9)]
    load(funding_client, funding_headers, 1_000_000)
    # 8 × 250,000 asked of 1,000,000: exactly 4 are lent.
    answers = _race(funding_client, funding_headers, [(loan, 250_000) for loan in loans])
    assert _outcomes(answers) == {"lent": 4, "bridge_fund_short": 4}
    figures = fund(funding_client, funding_headers)
    assert (figures["outstanding_fen"], figures["available_fen"]) == (1_000_000, 0)
    assert balances(funding_client)["fund:bridge"] == 0
    lent = {body["id"] for status, body in answers if status == 201}
    assert {b["id"] for b in bridges(funding_client, funding_headers)} == lent


def test_parallel_applications_on_one_loan_bridge_it_once(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    clock: Clock,
) -> None:
    world(funding_app, funding_client, funding_headers, 1_000_000)
    loan = registered(funding_client, funding_headers, 1, 600_000)
    load(funding_client, funding_headers, 1_000_000)
    answers = _race(funding_client, funding_headers, [(loan, 100_000)] * 8)
    assert _outcomes(answers) == {"lent": 1, "bridge_already_bridged": 7}
    figures = fund(funding_client, funding_headers)
    assert (figures["outstanding_fen"], figures["available_fen"]) == (100_000, 900_000)
    assert len(bridges(funding_client, funding_headers)) == 1


def test_replicas_running_the_overdue_job_at_once_flag_each_loan_once(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    clock: Clock,
) -> None:
    world(funding_app, funding_client, funding_headers, 1_000_000)
    loans = [registered(funding_client, funding_headers, n, 100_000) for n in range(1, 7)]
    load(funding_client, funding_headers, 1_000_000)
    for loan in loans:  # all due 2016-05-30
        assert apply(funding_client, funding_headers, loan, 100_000, 10).status_code == 201
    clock.advance(11)  # 2016-05-31
    database = funding_app.state.database
    barrier = threading.Barrier(4, timeout=30)

    def replica(_: int) -> int:
        barrier.wait()
        flagged = 0
        while True:  # each round claims at most 2 loans, like a busy job
            with database.transaction() as session:
                done = flag_overdue(session, limit=2)
            if done == 0:
                return flagged
            flagged += done

    with ThreadPoolExecutor(4) as pool:
        counts = list(pool.map(replica, range(4)))
    assert sum(counts) == 6
    assert fund(funding_client, funding_headers)["loans_overdue"] == 6
    with database.transaction() as session:
        assert flag_overdue(session) == 0
    events = funding_client.get(
        "/v1/events",
        params={"after": 0, "limit": 500},
        headers=funding_headers(kind="service", org=None, scopes=("events:read",)),
    ).json()["items"]
    flagged = [e["payload"]["bridge_loan_id"] for e in events if e["type"] == "bridge_loan.overdue"]
    assert sorted(flagged) == sorted(b["id"] for b in bridges(funding_client, funding_headers))
