"""`disbursements.propose_many`, the batch a reward run commits with (the run's tests drive it
through the API; these check its own promises at the service interface): one ledger transfer,
one leg per account; idempotent per key; all or none.
"""

from dataclasses import replace

import pytest
from fastapi import FastAPI

from services.common.db import Database
from services.common.errors import DomainError
from services.funding.disbursements import service as disbursements
from services.funding.disbursements.models import Disbursement
from services.funding.disbursements.service import Proposal
from tests.funding.disbursement_support import events
from tests.funding.ledger_support import balance, fund, open_accounts

CITY, LINE, BLOCK = "source:city", "line:2015:space", "block:2015:space:xiaodian"


def _proposal(n: int, account: str, amount_fen: int) -> Proposal:
    return Proposal(
        key=f"reward:test:{n}",
        payee_uscc=f"9114010500000{n:05d}",
        payee_name=f"基地{n}",
        amount_fen=amount_fen,
        account=account,
        purpose="reward",
        source_ref="rwr_test",
        year=2015,
        budget_line="space",
        district="xiaodian",
        rule_set_version="funding.reward.space@1",
        acceptance_ref=f"acc_{n}",
    )


BATCH = [_proposal(1, BLOCK, 3_000), _proposal(2, LINE, 1_500), _proposal(3, BLOCK, 2_000)]


@pytest.fixture
def funded(funding_app: FastAPI) -> FastAPI:
    open_accounts(
        funding_app, (CITY, "source", False), (LINE, "line", True), (BLOCK, "block", True)
    )
    fund(funding_app, source=CITY, account=LINE, amount_fen=2_000, key="line")
    fund(funding_app, source=CITY, account=BLOCK, amount_fen=5_000, key="block")
    return funding_app


def _propose(app: FastAPI, proposals: list[Proposal]) -> list[tuple[str, str, int, str]]:
    database: Database = app.state.database
    with database.transaction() as session:
        ids = disbursements.propose_many(
            session, proposals=proposals, memo="test batch", reference="rwr_test", principal_id="t"
        )
        rows = [session.get(Disbursement, disbursement_id) for disbursement_id in ids]
        return [(r.id, r.key, r.amount_fen, r.commit_transfer_id) for r in rows if r is not None]


def _code(app: FastAPI, proposals: list[Proposal]) -> str:
    with pytest.raises(DomainError) as raised:
        _propose(app, proposals)
    return raised.value.code


def test_a_batch_commits_its_money_in_one_transfer_per_account_leg(funded: FastAPI) -> None:
    rows = _propose(funded, BATCH)
    assert [(key, amount) for _id, key, amount, _t in rows] == [
        (p.key, p.amount_fen) for p in BATCH
    ]
    assert len({transfer for *_rest, transfer in rows}) == 1  # one commit transfer
    assert (balance(funded, BLOCK), balance(funded, LINE)) == (0, 500)
    assert balance(funded, "payable") == 6_500
    proposed = events(funded, "disbursement.proposed")
    assert [(e["disbursement_id"], e["amount_fen"], e["status"]) for e in proposed] == [
        (row_id, amount, "proposed") for row_id, _key, amount, _t in rows
    ]


def test_a_batch_is_idempotent_per_key(funded: FastAPI) -> None:
    first = _propose(funded, BATCH[:2])
    again = _propose(funded, BATCH)  # two known keys answered, the third proposed
    assert again[:2] == first
    assert again[2][1] == BATCH[2].key and again[2][3] != first[0][3]
    assert balance(funded, "payable") == 6_500 and balance(funded, BLOCK) == 0
    assert _code(funded, [replace(BATCH[0], amount_fen=2_999)]) == "disbursement_key_reused"


def test_a_batch_is_all_or_none(funded: FastAPI) -> None:
    over = [*BATCH[:2], _proposal(4, LINE, 600)]  # the line holds 2,000: 1,500 + 600 is over
    assert _code(funded, over) == "ledger_insufficient_funds"
    assert _code(funded, [*BATCH[:2], _proposal(5, BLOCK, 0)]) == "disbursement_amount_not_positive"
    assert (balance(funded, BLOCK), balance(funded, LINE)) == (5_000, 2_000)
    assert events(funded, "disbursement.proposed") == []
    assert _propose(funded, []) == []


def test_a_batch_of_known_keys_only_answers_them_and_moves_nothing(funded: FastAPI) -> None:
    first = _propose(funded, BATCH[:2])
    books = (balance(funded, "payable"), balance(funded, LINE), balance(funded, BLOCK))
    assert books == (4_500, 500, 2_000)
    assert _propose(funded, list(reversed(BATCH[:2]))) == list(reversed(first))
    assert (balance(funded, "payable"), balance(funded, LINE), balance(funded, BLOCK)) == books
    assert len(events(funded, "disbursement.proposed")) == 2
