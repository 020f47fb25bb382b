# ruff: noqa: F811
"""Bridge loans under concurrency (SQLite and PostgreSQL): the fund never lends more than it
holds — the CHECK on `fund:bridge` refuses the transfer that would take it below zero, whatever
runs at once — and a registered loan is bridged once (its unique key), every request in its own
client thread, all released together by a barrier."""

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.identity import ClientKind, Principal
from services.funding.bridge import service as bridge_service
from services.funding.bridge.schemas import BridgeRepaymentCreate
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
from tests.funding.disbursement_support import events
from tests.funding.riskpool_support import SMALL, admin, balances
from tests.locks import wait_for_lock_waiter


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


def test_a_second_repayment_waits_for_the_first_and_is_refused(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    clock: Clock,
    postgres_database: str | None,
) -> None:
    """The first repayment holds the loan's row until it commits; the second, waiting on the
    row, then finds it repaid: one repayment's money moves and one event is written."""
    if postgres_database is None:
        pytest.skip("SQLite's write transaction queues the second repayment behind the first")
    world(funding_app, funding_client, funding_headers, 1_000_000)
    loan = registered(funding_client, funding_headers, 1, 600_000)
    load(funding_client, funding_headers, 1_000_000)
    lent = apply(funding_client, funding_headers, loan, 100_000, 10, SMALL)
    assert lent.status_code == 201, lent.text
    bridge_id, owed = lent.json()["id"], lent.json()["owed_fen"]
    database = funding_app.state.database
    first_repayer = Principal(
        client_id="cli_admin_a", kind=ClientKind.ADMIN, org=None, scopes=frozenset()
    )
    repayment = BridgeRepaymentCreate(repaid_on=date(2016, 5, 20), amount_fen=owed)

    def second() -> Any:
        return funding_client.post(
            f"/v1/bridge-loans/{bridge_id}/repayment",
            json={"repaid_on": "2016-05-20", "amount_fen": owed},
            headers={**admin(funding_headers), "Idempotency-Key": uuid.uuid4().hex},
        )

    holder = database.session()
    with ThreadPoolExecutor(1) as pool:
        try:
            bridge_service.repay(  # the first repayment, its transaction left open
                session=holder, principal=first_repayer, bridge_id=bridge_id, data=repayment
            )
            running = pool.submit(second)
            # on the loan's row; without its lock, later, on the ledger's accounts
            wait_for_lock_waiter(running, database, what="the second repayment")
            assert not running.done(), "the second repayment did not wait for the first"
            holder.commit()
        finally:
            holder.close()  # on a failure: rolled back, so the second is not left waiting
        answer = running.result(timeout=30)
    assert answer.status_code == 409 and answer.json()["code"] == "bridge_already_repaid"
    assert balances(funding_client)["fund:bridge"] == 1_000_000
    assert len(events(funding_app, "bridge_loan.repaid")) == 1
    assert fund(funding_client, funding_headers)["loans_repaid"] == 1
