"""Helpers for tests that need ledger accounts and money on them."""

from fastapi import FastAPI

from services.common.db import Database
from services.funding.ledger import service as ledger


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
