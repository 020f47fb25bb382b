"""The row locks of disbursements and settlement requests (PostgreSQL: SQLite's write transaction
already serialises the writers). A first admin's approval (or a settlement's new proposal) is
held mid-transaction, its row locked and changed but not committed, while a second one comes in
through the API: the second must wait for the first's row, then see what the first did. Without
the lock it would read the committed state of before, act on it, and be let through once the
first commits (an approval twice; a settlement proposed again by its second caller)."""

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from services.common.db import Database
from services.common.identity import ClientKind, Principal
from services.funding.disbursements import service, settlements
from services.funding.disbursements.settlements import settlement_handlers
from services.funding.settings import FundingSettings
from tests.funding.conftest import FundingHeaders
from tests.funding.disbursement_support import balance, events, fund_line, propose_one
from tests.funding.feeds import consume
from tests.funding.test_settlement_feed import LINE_2015, disbursements, requested
from tests.locks import wait_for_lock_waiter


def _admin(client_id: str) -> Principal:
    return Principal(client_id=client_id, kind=ClientKind.ADMIN, org=None, scopes=frozenset())


def _second_while_first_holds(
    database: Database,
    first: Callable[[Session], object],
    second: Callable[[], httpx.Response],
) -> httpx.Response:
    """Run `first(session)` in a transaction left open; start `second`; once it is seen waiting
    on a lock (or done), commit the first; the second's answer."""
    holder = database.session()
    try:
        first(holder)
        with ThreadPoolExecutor(1) as pool:
            running = pool.submit(second)
            # any lock: the second waits on the first's row, or without the row lock on the
            # first's changed rows or inserted keys, later
            wait_for_lock_waiter(running, database, what="the second")
            holder.commit()
            return running.result(timeout=30)
    finally:
        holder.close()


def test_a_second_approval_waits_for_the_first_and_then_finds_it_approved(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    postgres_database: str | None,
) -> None:
    if postgres_database is None:
        pytest.skip("SQLite's write transaction queues the second approval behind the first")
    fund_line(funding_app, amount_fen=1_000_000)
    disbursement_id = propose_one(funding_app, amount_fen=250_000, principal_id="cli_admin_a")

    def first(session: Session) -> None:
        service.approve(
            session=session,
            principal=_admin("cli_admin_b"),
            disbursement_id=disbursement_id,
            note="first",
            precondition=lambda _etag: None,
        )

    def second() -> httpx.Response:
        return funding_client.post(
            f"/v1/disbursements/{disbursement_id}/approval",
            json={"note": "second"},
            headers={
                **funding_headers(kind="admin", org=None, client_id="cli_admin_c"),
                "If-Match": f'"{disbursement_id}.1"',
            },
        )

    answer = _second_while_first_holds(funding_app.state.database, first, second)
    assert answer.status_code == 412, answer.text
    assert answer.json()["code"] == "stale_etag"
    read = funding_client.get(
        f"/v1/disbursements/{disbursement_id}",
        headers=funding_headers(kind="admin", org=None, client_id="cli_admin_c"),
    ).json()
    assert (read["status"], read["version"], read["approved_by"], read["approval_note"]) == (
        "approved",
        2,
        "cli_admin_b",
        "first",
    )
    assert [e["approved_by"] for e in events(funding_app, "disbursement.approved")] == [
        "cli_admin_b"
    ]


def test_a_second_retry_of_a_settlement_waits_for_the_first_and_finds_it_proposed(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    funding_settings: FundingSettings,
    postgres_database: str | None,
) -> None:
    if postgres_database is None:
        pytest.skip("SQLite's write transaction queues the second retry behind the first")
    fund_line(funding_app, account=LINE_2015, amount_fen=100_000)
    feed = [("settlement.requested", requested("stl_a", 250_000))]
    consume(funding_app, "funding.vouchers", settlement_handlers(funding_settings), feed)
    fund_line(funding_app, account=LINE_2015, amount_fen=200_000)

    def first(session: Session) -> None:
        settlements.retry_settlement(
            session=session,
            principal=_admin("cli_admin_a"),
            settlement_id="stl_a",
            settings=funding_settings,
        )

    def second() -> httpx.Response:
        return funding_client.post(
            "/v1/settlement-requests/stl_a/proposal",
            headers={
                **funding_headers(kind="admin", org=None, client_id="cli_admin_b"),
                "Idempotency-Key": uuid.uuid4().hex,
            },
        )

    answer = _second_while_first_holds(funding_app.state.database, first, second)
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "settlement_request_not_pending"
    [row] = disbursements(funding_app)
    assert (row.source_ref, row.proposed_by, row.amount_fen) == ("stl_a", "cli_admin_a", 250_000)
    assert balance(funding_app, LINE_2015) == 50_000
