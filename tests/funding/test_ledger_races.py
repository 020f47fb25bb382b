"""The ledger's race branches on any database: each test hands the service the stale read a
concurrent transaction would have made (SQLite serialises writers, so no real race reaches them)."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col

from services.common.db import Database
from services.common.errors import DomainError
from services.funding.ledger import service as ledger
from services.funding.ledger.models import LedgerAccount
from tests.funding.conftest import FundingHeaders
from tests.funding.ledger_support import balance, fund, open_accounts
from tests.stale import stale_once

CENTRAL, LINE = "source:central", "line:2015:other"


def test_an_account_opened_concurrently_answers_it_or_conflicts(
    funding_client: TestClient, funding_headers: FundingHeaders, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The existence read misses an account a concurrent opening committed: the insert's unique
    violation is answered by comparing with what was opened."""
    body = {"code": "pool:risk", "name": "助保贷风险池", "kind": "pool", "non_negative": True}
    first = funding_client.post("/v1/ledger/accounts", json=body, headers=funding_headers())
    assert first.status_code == 201, first.text
    for terms, status in ((body, 201), ({**body, "district": "xiaodian"}, 409)):
        monkeypatch.setattr(
            Session,
            "get",
            stale_once(Session.get, None, lambda _s, entity, *_a, **_k: entity is LedgerAccount),
        )
        answer = funding_client.post("/v1/ledger/accounts", json=terms, headers=funding_headers())
        monkeypatch.undo()
        assert answer.status_code == status, answer.text
        if status == 201:
            assert answer.json() == first.json()
        else:
            assert answer.json()["code"] == "ledger_account_conflict"
    listed = funding_client.get("/v1/ledger/accounts?kind=pool").json()["items"]
    assert [(a["code"], a["non_negative"]) for a in listed] == [("pool:risk", True)]


def test_the_same_key_recorded_concurrently_is_replayed_or_refused_and_moves_money_once(
    funding_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key read misses a transfer a concurrent request committed under the same key: the
    unique violation replays it (same legs) or refuses it (409 `ledger_transfer_key_reused`)."""
    open_accounts(funding_app, (CENTRAL, "source", False), (LINE, "line", True))
    fund(funding_app, source=CENTRAL, account=LINE, amount_fen=700, key="k1")
    database: Database = funding_app.state.database
    with database.transaction() as session:
        first = ledger._by_key(session, "k1")
        assert first is not None
        first_id = first.id
    for legs in ([(CENTRAL, -700), (LINE, 700)], [(CENTRAL, -701), (LINE, 701)]):
        monkeypatch.setattr(ledger, "_by_key", stale_once(ledger._by_key, None, lambda *_: True))
        with database.transaction() as session:
            try:
                again = ledger.transfer(
                    session, key="k1", legs=legs, kind="receipt", memo="m", principal_id="t"
                )
            except DomainError as exc:
                assert legs[1][1] == 701
                assert exc.code == "ledger_transfer_key_reused" and exc.status == 409
            else:
                assert legs[1][1] == 700 and again.id == first_id
        monkeypatch.undo()
    assert balance(funding_app, LINE) == 700 and balance(funding_app, CENTRAL) == -700


def test_a_reversal_recorded_concurrently_under_another_key_is_refused(
    funding_app: FastAPI, funding_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reversed-by read misses a reversal a concurrent request committed under another key:
    the unique `reverses` violation answers 409 `ledger_transfer_already_reversed`."""
    open_accounts(funding_app, (CENTRAL, "source", False), (LINE, "line", True))
    fund(funding_app, source=CENTRAL, account=LINE, amount_fen=800, key="orig")
    fund(funding_app, source=CENTRAL, account=LINE, amount_fen=800, key="more")
    database: Database = funding_app.state.database
    with database.transaction() as session:
        original = ledger._by_key(session, "orig")
        assert original is not None
        first = ledger.reverse(
            session, transfer_id=original.id, key="rev-1", principal_id="p", memo="m"
        )
        original_id, first_id = original.id, first.id
    monkeypatch.setattr(
        ledger, "reversed_by", stale_once(ledger.reversed_by, None, lambda *_a, **_k: True)
    )
    with (
        pytest.raises(DomainError, match="has been reversed already") as refused,
        database.transaction() as session,
    ):
        ledger.reverse(session, transfer_id=original_id, key="rev-2", principal_id="p", memo="m")
    monkeypatch.undo()
    assert refused.value.code == "ledger_transfer_already_reversed"
    assert balance(funding_app, LINE) == 800 and balance(funding_app, CENTRAL) == -800
    shown = funding_client.get(f"/v1/ledger/transfers/{original_id}").json()
    assert shown["reversed_by"] == first_id


def test_a_refusal_names_the_balance_a_concurrent_spend_left_not_the_copy_loaded_before_it(
    funding_app: FastAPI,
) -> None:
    """The session loaded the account (700 fen) before a concurrent transfer took 680 of it;
    the transfer of 50 is refused by the database, and the problem's detail reads the balance
    again: 20 fen, not the 700 of the loaded copy."""
    open_accounts(funding_app, (CENTRAL, "source", False), (LINE, "line", True))
    fund(funding_app, source=CENTRAL, account=LINE, amount_fen=700, key="k1")
    database: Database = funding_app.state.database
    with (
        pytest.raises(DomainError, match="take line:2015:other") as refused,
        database.transaction() as session,
    ):
        loaded = session.get(LedgerAccount, LINE)
        assert loaded is not None and loaded.balance_fen == 700
        session.execute(  # what a concurrent spend commits under the loaded copy
            update(LedgerAccount)
            .where(col(LedgerAccount.code) == LINE)
            .values(balance_fen=20)
            .execution_options(synchronize_session=False)
        )
        ledger.transfer(
            session,
            key="k2",
            legs=[(LINE, -50), (CENTRAL, 50)],
            kind="payment",
            memo="m",
            principal_id="p",
        )
    assert refused.value.code == "ledger_insufficient_funds"
    assert refused.value.detail == (
        "The transfer would take line:2015:other (balance 20 fen, leg -50 fen) below zero."
    )
    assert balance(funding_app, LINE) == 700  # the whole unit of work rolled back


def test_accounts_are_listed_by_year_and_district(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """The kind, year and district filters list only the accounts of that kind, year and
    district (neighbours on either side of each value are opened so no other match passes)."""
    opened = (
        ("line:2015:a", 2015, "xiaodian", "line"),
        ("line:2015:b", 2015, "jinyuan", "line"),
        ("line:2015:c", 2015, "yingze", "line"),
        ("line:2016:a", 2016, "xiaodian", "line"),
        ("block:2015:a", 2015, "xiaodian", "block"),
        ("pool:2015:a", 2015, "xiaodian", "pool"),
    )
    for code, year, district, kind in opened:
        body = {"code": code, "name": code, "kind": kind, "non_negative": True}
        answer = funding_client.post(
            "/v1/ledger/accounts",
            json={**body, "year": year, "district": district},
            headers=funding_headers(),
        )
        assert answer.status_code == 201, answer.text

    def listed(query: str) -> list[str]:
        return [
            a["code"] for a in funding_client.get(f"/v1/ledger/accounts?{query}").json()["items"]
        ]

    xiaodian = ["block:2015:a", "line:2015:a", "line:2016:a", "pool:2015:a"]
    assert listed("district=xiaodian") == xiaodian
    assert listed("kind=line") == ["line:2015:a", "line:2015:b", "line:2015:c", "line:2016:a"]
    assert listed("year=2016") == ["line:2016:a"]
    assert listed("year=2015&kind=line") == ["line:2015:a", "line:2015:b", "line:2015:c"]
    assert listed("year=2015&district=xiaodian&kind=line") == ["line:2015:a"]
