"""Parallel registrations never pass the pool's headroom or an enterprise's cap together (SQLite
and PostgreSQL): each request in its own client thread and session, all released at once by a
barrier; registrations serialise on the pool row's lock."""

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.funding.conftest import FundingHeaders
from tests.funding.riskpool_support import (
    MICRO,
    SMALL,
    admin,
    agree,
    bank,
    deposit,
    file_enterprises,
    loan_body,
    pool,
    trial_balance,
)

RACERS = 12


def _race(calls: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(calls), timeout=30)

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as executor:
        return list(executor.map(run, calls))


def _registration(
    client: TestClient, headers: FundingHeaders, body: dict[str, Any]
) -> Callable[[], Any]:
    sent = bank(headers)
    return lambda: client.post("/v1/risk-pool/loans", json=body, headers=sent)


def _outstanding_of_loans(client: TestClient, headers: FundingHeaders) -> int:
    answer = client.get("/v1/risk-pool/loans?limit=50", headers=admin(headers))
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    return sum(loan["outstanding_fen"] for loan in items)


def test_parallel_registrations_never_pass_the_headroom_together(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    file_enterprises(funding_app)
    agree(funding_client, funding_headers, per_enterprise_cap_fen=5_000_000)
    deposit(funding_client, funding_headers, 100_000)  # × 10 = 1,000,000 fen of capacity
    # Twelve loans of 150,000: six fit (900,000), a seventh would make 1,050,000.
    calls = [
        _registration(
            funding_client, funding_headers, loan_body(n, 150_000, SMALL if n % 2 else MICRO)
        )
        for n in range(1, RACERS + 1)
    ]
    answers = _race(calls)
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {201: 6, 409: 6}, [answer.text for answer in answers]
    for answer in answers:
        if answer.status_code == 409:
            assert answer.json()["code"] == "loan_over_leverage_headroom", answer.text
    figures = pool(funding_client, funding_headers)
    assert (figures["outstanding_fen"], figures["headroom_fen"]) == (900_000, 100_000)
    assert _outstanding_of_loans(funding_client, funding_headers) == 900_000
    trial_balance(funding_client)


def test_parallel_registrations_never_pass_an_enterprise_cap_together(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    file_enterprises(funding_app)
    agree(funding_client, funding_headers)  # per loan 700,000; per enterprise 2,000,000
    deposit(funding_client, funding_headers, 10_000_000)
    # Eight loans of 600,000 to one enterprise: three fit (1,800,000), a fourth makes 2,400,000.
    calls = [
        _registration(funding_client, funding_headers, loan_body(n, 600_000, SMALL))
        for n in range(1, 9)
    ]
    answers = _race(calls)
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {201: 3, 409: 5}, [answer.text for answer in answers]
    for answer in answers:
        if answer.status_code == 409:
            assert answer.json()["code"] == "loan_over_enterprise_cap", answer.text
    assert pool(funding_client, funding_headers)["outstanding_fen"] == 1_800_000
    assert _outstanding_of_loans(funding_client, funding_headers) == 1_800_000
