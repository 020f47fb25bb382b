"""Set-up for disbursement tests: a funded budget line, proposals through `propose`, the books."""

import uuid
from typing import Any

from fastapi import FastAPI
from sqlmodel import col, select

from services.common.db import Database
from services.common.models import OutboxEvent
from services.funding.disbursements.service import propose
from services.funding.ledger import service as ledger
from services.funding.ledger.errors import AccountNotFound
from services.funding.ledger.models import LedgerTransfer

YEAR = 2015
LINE = "space_rent"
ACCOUNT = f"line:{YEAR}:{LINE}"
PAYEE = "91140105MA0KDE119Q"
PAYEE_NAME = "太原矩阵科技有限公司"


def fund_line(
    app: FastAPI, *, account: str = ACCOUNT, year: int = YEAR, amount_fen: int = 10_000_000
) -> None:
    """Open `source:city` and the line, and move `amount_fen` of city money onto the line."""
    database: Database = app.state.database
    with database.transaction() as session:
        ledger.open_account(
            session, code="source:city", name="City money", kind="source", non_negative=False
        )
        ledger.open_account(
            session, code=account, name=account, kind="line", non_negative=True, year=year
        )
        ledger.transfer(
            session,
            key=f"test-fund:{account}:{uuid.uuid4().hex}",
            legs=[("source:city", -amount_fen), (account, amount_fen)],
            kind="receipt",
            memo="test funds",
            principal_id="test",
        )


def proposal(**changes: Any) -> dict[str, Any]:
    """The keyword arguments of a reward's proposal, with `changes`."""
    return {
        "key": f"reward:{uuid.uuid4().hex}",
        "payee_uscc": PAYEE,
        "payee_name": PAYEE_NAME,
        "amount_fen": 1_250_000,
        "account": ACCOUNT,
        "purpose": "reward",
        "source_ref": "rrn_test:base_1",
        "year": YEAR,
        "budget_line": LINE,
        "district": "xiaodian",
        "rule_set_version": "rls_space_2015@1",
        "acceptance_ref": "acc_test_1",
        "principal_id": "cli_admin_a",
        **changes,
    }


def propose_one(app: FastAPI, **changes: Any) -> str:
    """Propose a disbursement (committed in its own transaction); its id."""
    database: Database = app.state.database
    with database.transaction() as session:
        return propose(session, **proposal(**changes)).id


def balance(app: FastAPI, code: str) -> int:
    """An account's balance (0 for an account never opened)."""
    database: Database = app.state.database
    with database.session(write=False) as session:
        try:
            return ledger.balance_of(session, code=code)
        except AccountNotFound:
            return 0


def transfers(app: FastAPI, kind: str, reference: str) -> int:
    """How many ledger transfers of `kind` name `reference`."""
    database: Database = app.state.database
    with database.session(write=False) as session:
        rows = session.exec(
            select(LedgerTransfer.id)
            .where(col(LedgerTransfer.kind) == kind)
            .where(col(LedgerTransfer.reference) == reference)
        ).all()
    return len(rows)


def events(app: FastAPI, type_: str) -> list[dict[str, Any]]:
    """The payloads of the service's events of one type, oldest first."""
    database: Database = app.state.database
    with database.session(write=False) as session:
        rows = session.exec(
            select(OutboxEvent).where(col(OutboxEvent.type) == type_).order_by(col(OutboxEvent.seq))
        ).all()
    return [row.payload for row in rows]
