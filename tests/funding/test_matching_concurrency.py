"""Matching payments under concurrency (SQLite and PostgreSQL): twenty reports of 1,000 fen at
once against a block owing 7,500 fen record seven; the database refuses the rest."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from fastapi import FastAPI

from services.common.db import Database
from services.common.errors import DomainError
from services.common.identity import ClientKind, Principal
from services.common.rules.schemas import RuleSetCreate
from services.common.rules.service import create_rule_set
from services.funding.allocations import service as allocations
from services.funding.allocations.schemas import AllocationCreate, MatchingPaymentCreate
from services.funding.rules import FAMILIES
from tests.funding.ledger_support import balance, fund, open_accounts

ADMIN = Principal(
    client_id="cli_admin", kind=ClientKind.ADMIN, org="finance_bureau",
    scopes=frozenset({"funding:admin", "funding:read"}),
)  # fmt: skip


def _allocate(app: FastAPI) -> None:
    open_accounts(app, ("source:city", "source", False), ("line:2015:space", "line", True))
    fund(app, source="source:city", account="line:2015:space", amount_fen=5_000, key="k")
    database: Database = app.state.database
    with database.transaction() as session:
        create_rule_set(
            session=session,
            principal=ADMIN,
            families=FAMILIES,
            data=RuleSetCreate.model_validate(
                {
                    "family": "funding.matching",
                    "effective_from": "2015-01-01",
                    "inputs": {"plan_city_part": "int", "plan_district_part": "int"},
                    "rules": [
                        {"name": "city_part", "expression": "plan_city_part"},
                        {"name": "district_part", "expression": "plan_district_part"},
                    ],
                }
            ),
        )
        allocations.allocate(
            session,
            data=AllocationCreate.model_validate(
                {
                    "year": 2015,
                    "line": "space",
                    "method": "explicit",
                    "memo": "m",
                    "amounts": [{"district": "xiaodian", "amount_fen": 5_000}],
                }
            ),
            principal=ADMIN,
        )  # xiaodian 1:1.5 → owes 7,500


def test_twenty_parallel_payments_never_pay_more_than_owed(funding_app: FastAPI) -> None:
    _allocate(funding_app)
    database: Database = funding_app.state.database
    barrier = threading.Barrier(20, timeout=30)
    payment = MatchingPaymentCreate(year=2015, line="space", amount_fen=1_000, reference="r")

    def pay(_: int) -> str:
        barrier.wait()
        try:
            with database.transaction() as session:
                allocations.report_payment(
                    session, district="xiaodian", data=payment, principal=ADMIN
                )
        except DomainError as exc:
            return exc.code
        return "paid"

    with ThreadPoolExecutor(20) as pool:
        outcomes = Counter(pool.map(pay, range(20)))
    assert outcomes == {"paid": 7, "matching_overpaid": 13}, outcomes
    assert balance(funding_app, "block:2015:space:xiaodian") == 5_000 + 7_000
    assert balance(funding_app, "source:district:xiaodian") == -7_000
    with database.transaction() as session:
        view = allocations.matching_of(session, district="xiaodian", year=2015)
    assert (view.owed_fen, view.paid_fen, view.outstanding_fen) == (7_500, 7_000, 500)
