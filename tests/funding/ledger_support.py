"""Helpers for tests that need ledger accounts and money on them; and for the public ledger's
tests: records published as `disbursements.pay` publishes them (inside the app's own
transaction), and direct SQL for the tamper tests."""

from datetime import date
from typing import Any

from fastapi import FastAPI
from sqlalchemy import text

from services.common.db import Database
from services.funding.ledger import service as ledger
from services.funding.public.models import PublicRecord
from services.funding.public.service import publish


def open_accounts(app: FastAPI, *accounts: tuple[str, str, bool]) -> None:
    """Open (code, kind, non_negative) accounts directly in the service's database."""
    database: Database = app.state.database
    with database.transaction() as session:
        for code, kind, non_negative in accounts:
            ledger.open_account(session, code=code, name=code, kind=kind, non_negative=non_negative)


def fund(app: FastAPI, *, source: str, account: str, amount_fen: int, key: str) -> None:
    """Move `amount_fen` from `source` onto `account`."""
    database: Database = app.state.database
    with database.transaction() as session:
        ledger.transfer(
            session,
            key=key,
            legs=[(source, -amount_fen), (account, amount_fen)],
            kind="receipt",
            memo="test funds",
            principal_id="test",
        )


def balance(app: FastAPI, code: str) -> int:
    """An account's balance as stored."""
    database: Database = app.state.database
    with database.transaction() as session:
        return ledger.balance_of(session, code=code)


USCCS = ("91140100MA0K000017", "91140105MA0KDE119Q", "91140100MA0K00002X")


def record_fields(n: int, **overrides: Any) -> dict[str, Any]:
    """The figures of the n-th made-up payment (n = 1, 2, …)."""
    fields: dict[str, Any] = {
        "disbursement_id": f"dsb_test_{n:04d}",
        "paid_on": date(2015, 12, min(n, 28)),
        "payer": "太原市财政局",
        "payee_name": f"太原示范基地{n}号运营有限公司",
        "payee_uscc": USCCS[n % len(USCCS)],
        "amount_fen": 100_000 * n + 7,
        "programme": "小微企业创业创新基地城市示范",
        "budget_line": "space_rent",
        "district": None if n % 3 == 0 else "xiaodian",
        "rule_set_version": f"funding.reward.space_rent v{n % 2 + 1}",
        "acceptance_ref": f"acc_test_{n:04d}" if n % 2 else None,
    }
    fields.update(overrides)
    return fields


def publish_one(app: FastAPI, **fields: Any) -> PublicRecord:
    """One record published in its own transaction."""
    with app.state.database.transaction() as session:
        return publish(session, **fields)


def publish_many(app: FastAPI, count: int) -> list[PublicRecord]:
    """`count` records, 1 … count, each in its own transaction."""
    return [publish_one(app, **record_fields(n)) for n in range(1, count + 1)]


def execute(app: FastAPI, sql: str, **params: Any) -> None:
    """Run SQL straight against the service's database (the tamperer's access)."""
    with app.state.database.engine.begin() as connection:
        connection.execute(text(sql), params)
