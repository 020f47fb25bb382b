"""The ledger under concurrency (SQLite and PostgreSQL): parallel transfers out of one
non-negative account never take it below zero (the database's CHECK refuses the rest), and
one key sent many times at once records one transfer.

Each transfer runs in its own thread and session, all released together by a barrier.
"""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from fastapi import FastAPI

from services.common.db import Database
from services.common.errors import DomainError
from services.funding.ledger import service as ledger
from tests.funding.ledger_support import balance, fund, open_accounts

SOURCE, LINE = "source:city", "line:2015:space"


def _at_once(app: FastAPI, jobs: list[tuple[str, list[tuple[str, int]]]]) -> Counter[str]:
    database: Database = app.state.database
    barrier = threading.Barrier(len(jobs), timeout=30)

    def run(job: tuple[str, list[tuple[str, int]]]) -> str:
        key, legs = job
        barrier.wait()
        try:
            with database.transaction() as session:
                moved = ledger.transfer(
                    session, key=key, legs=legs, kind="commit", memo="race", principal_id="t"
                )
                return moved.id
        except DomainError as exc:
            return exc.code

    with ThreadPoolExecutor(len(jobs)) as pool:
        return Counter(pool.map(run, jobs))


def test_thirty_parallel_draws_never_take_a_line_below_zero(funding_app: FastAPI) -> None:
    payees = [f"payee:9114010{n:011d}" for n in range(30)]
    open_accounts(
        funding_app,
        (SOURCE, "source", False),
        (LINE, "line", True),
        *[(p, "payee", True) for p in payees],
    )
    # 7 draws of 1,000 fen fit in 7,500 fen; the 8th and later cannot
    fund(funding_app, source=SOURCE, account=LINE, amount_fen=7_500, key="fund")
    outcomes = _at_once(funding_app, [(f"draw-{p}", [(LINE, -1_000), (p, 1_000)]) for p in payees])
    refused = outcomes.pop("ledger_insufficient_funds", 0)
    assert refused == 23 and len(outcomes) == 7, outcomes
    assert balance(funding_app, LINE) == 500
    assert sum(balance(funding_app, p) for p in payees) == 7_000
    database: Database = funding_app.state.database
    with database.transaction() as session:
        _accounts, totals, agree = ledger.trial_balance(session)
    assert sum(totals.values()) == 0 and agree
    with database.transaction() as session:  # running balances: one gapless sequence
        entries = [n for n in ledger.statement_of(session, code=LINE, limit=100, cursor=None)[0]]
    assert [e.entry_no for e, _ in entries] == list(range(1, 9))
    assert [e.balance_after_fen for e, _ in entries] == [7_500 - 1_000 * n for n in range(8)]


def test_one_key_sent_twenty_times_at_once_records_one_transfer(funding_app: FastAPI) -> None:
    open_accounts(funding_app, (SOURCE, "source", False), (LINE, "line", True))
    outcomes = _at_once(funding_app, [("same-key", [(SOURCE, -300), (LINE, 300)])] * 20)
    assert len(outcomes) == 1 and sum(outcomes.values()) == 20, outcomes
    assert balance(funding_app, LINE) == 300 and balance(funding_app, SOURCE) == -300
