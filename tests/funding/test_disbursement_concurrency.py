"""Parallel approvals and payments of one disbursement approve it once and pay it once (SQLite
and PostgreSQL): every request in its own client thread, all released together by a barrier,
through one TestClient (the kernel's admission gate admits no more at once than the pool has
connections); and payments through the service function, each thread in its own session."""

import threading
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select

from services.common.db import Database
from services.common.errors import DomainError
from services.common.identity import ClientKind, Principal
from services.funding.disbursements.service import pay, propose
from services.funding.public.models import PublicRecord
from tests.funding.conftest import FundingHeaders
from tests.funding.disbursement_support import (
    ACCOUNT,
    PAYEE,
    balance,
    events,
    fund_line,
    proposal,
    propose_one,
    transfers,
)

RACERS = 16
AMOUNT = 1_250_000


def _race(calls: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(calls), timeout=30)

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _admin(headers: FundingHeaders, n: int, **extra: str) -> dict[str, str]:
    return {**headers(kind="admin", org=None, client_id=f"cli_admin_{n}"), **extra}


def _paid_once(app: FastAPI, disbursement_id: str) -> None:
    assert transfers(app, "disbursement_payment", disbursement_id) == 1
    assert balance(app, f"payee:{PAYEE}") == AMOUNT and balance(app, "payable") == 0
    assert balance(app, ACCOUNT) == 10_000_000 - AMOUNT
    assert [e["disbursement_id"] for e in events(app, "disbursement.paid")] == [disbursement_id]
    with app.state.database.session(write=False) as session:
        published = session.exec(select(PublicRecord.disbursement_id)).all()
    assert published == [disbursement_id]


def test_parallel_approvals_then_parallel_payments_approve_once_and_pay_once(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    fund_line(funding_app, amount_fen=10_000_000)
    disbursement_id = propose_one(funding_app, amount_fen=AMOUNT, principal_id="cli_admin_0")
    url = f"/v1/disbursements/{disbursement_id}"

    def approval(n: int) -> Callable[[], Any]:
        headers = _admin(funding_headers, n, **{"If-Match": f'"{disbursement_id}.1"'})
        return lambda: funding_client.post(f"{url}/approval", json={}, headers=headers)

    approvals = _race([approval(n) for n in range(1, RACERS + 1)])
    statuses = Counter(answer.status_code for answer in approvals)
    assert statuses[200] == 1 and set(statuses) <= {200, 409, 412}, statuses
    assert len(events(funding_app, "disbursement.approved")) == 1

    # Half the payments carry one reference, the rest each their own: one reference wins.
    def payment(n: int) -> Callable[[], Any]:
        reference = "BOC-SAME" if n % 2 else f"BOC-{n}"
        headers = _admin(
            funding_headers,
            n,
            **{"If-Match": f'"{disbursement_id}.2"', "Idempotency-Key": uuid.uuid4().hex},
        )
        return lambda: funding_client.post(
            f"{url}/payment", json={"payment_reference": reference}, headers=headers
        )

    payments = _race([payment(n) for n in range(RACERS)])
    won = {answer.json()["payment_reference"] for answer in payments if answer.status_code == 200}
    assert len(won) == 1, [answer.text for answer in payments]
    [reference] = won
    for answer in payments:
        if answer.status_code != 200:
            assert answer.json()["code"] == "disbursement_paid_otherwise", answer.text
    wins = sum(answer.status_code == 200 for answer in payments)
    assert wins == (RACERS // 2 if reference == "BOC-SAME" else 1)
    _paid_once(funding_app, disbursement_id)


def test_approvals_and_payments_racing_together_pay_once(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    fund_line(funding_app, amount_fen=10_000_000)
    disbursement_id = propose_one(funding_app, amount_fen=AMOUNT, principal_id="cli_admin_0")
    url = f"/v1/disbursements/{disbursement_id}"

    def approval(n: int) -> Callable[[], Any]:
        headers = _admin(funding_headers, n, **{"If-Match": f'"{disbursement_id}.1"'})
        return lambda: funding_client.post(f"{url}/approval", json={}, headers=headers)

    def payment(n: int) -> Callable[[], Any]:
        headers = _admin(
            funding_headers,
            n,
            **{"If-Match": f'"{disbursement_id}.2"', "Idempotency-Key": uuid.uuid4().hex},
        )
        return lambda: funding_client.post(
            f"{url}/payment", json={"payment_reference": "BOC-ONE"}, headers=headers
        )

    calls = [approval(n) if n % 2 else payment(n) for n in range(1, RACERS + 1)]
    answers = _race(calls)
    codes = Counter(
        (answer.request.url.path.rsplit("/", 1)[-1], answer.status_code) for answer in answers
    )
    assert codes[("approval", 200)] == 1, codes
    # A payment before the approval sent an ETag not yet current, an approval after it a stale
    # one; a payment after the first pays nothing twice (the same reference: the same answer).
    refused = {answer.json().get("code") for answer in answers if answer.status_code != 200}
    assert refused <= {"stale_etag", "disbursement_not_proposed"}, refused
    if not any(path == "payment" and status == 200 for path, status in codes.elements()):
        late = funding_client.post(
            f"{url}/payment",
            json={"payment_reference": "BOC-ONE"},
            headers=_admin(
                funding_headers,
                99,
                **{"If-Match": f'"{disbursement_id}.2"', "Idempotency-Key": uuid.uuid4().hex},
            ),
        )
        assert late.status_code == 200, late.text
    _paid_once(funding_app, disbursement_id)


def test_parallel_payments_in_their_own_sessions_pay_once(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    fund_line(funding_app, amount_fen=10_000_000)
    disbursement_id = propose_one(funding_app, amount_fen=AMOUNT, principal_id="cli_admin_0")
    approved = funding_client.post(
        f"/v1/disbursements/{disbursement_id}/approval",
        json={},
        headers=_admin(funding_headers, 1, **{"If-Match": f'"{disbursement_id}.1"'}),
    )
    assert approved.status_code == 200, approved.text
    database: Database = funding_app.state.database

    def attempt(n: int) -> Callable[[], str]:
        principal = Principal(
            client_id=f"cli_admin_{n}", kind=ClientKind.ADMIN, org=None, scopes=frozenset()
        )

        def run() -> str:
            try:
                with database.transaction() as session:
                    pay(
                        session=session,
                        principal=principal,
                        disbursement_id=disbursement_id,
                        payment_reference=f"BOC-{n}",
                        paid_on=None,
                        precondition=lambda _etag: None,
                    )
                return "paid"
            except DomainError as refused:
                return refused.code

        return run

    outcomes = Counter(_race([attempt(n) for n in range(RACERS)]))
    assert outcomes == {"paid": 1, "disbursement_paid_otherwise": RACERS - 1}, outcomes
    _paid_once(funding_app, disbursement_id)


def test_parallel_proposals_commit_once_per_key_and_never_overspend_the_line(
    funding_app: FastAPI, funding_client: TestClient
) -> None:
    fund_line(funding_app, amount_fen=10_000_000)
    database: Database = funding_app.state.database

    def attempt(key: str, amount: int) -> Callable[[], str]:
        def run() -> str:
            try:
                with database.transaction() as session:
                    return propose(session, **proposal(key=key, amount_fen=amount)).id
            except DomainError as refused:
                return refused.code

        return run

    # One key sent 16 times at once: one disbursement, committed once.
    same = _race([attempt("reward:same", AMOUNT) for _ in range(RACERS)])
    assert len(set(same)) == 1 and same[0].startswith("dsb_"), same
    assert transfers(funding_app, "disbursement_commit", same[0]) == 1
    assert balance(funding_app, ACCOUNT) == 10_000_000 - AMOUNT
    # 16 keys of 1,000,000 against the 8,750,000 left: 8 fit, 8 are refused by the ledger.
    answers = Counter(
        "proposed" if answer.startswith("dsb_") else answer
        for answer in _race([attempt(f"reward:{n}", 1_000_000) for n in range(RACERS)])
    )
    assert answers == {"proposed": 8, "ledger_insufficient_funds": 8}, answers
    assert balance(funding_app, ACCOUNT) == 750_000
    assert balance(funding_app, "payable") == AMOUNT + 8_000_000
