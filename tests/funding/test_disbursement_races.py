"""Disbursements' race branches on any database: a proposal whose key read misses a proposal a
concurrent request committed, and a batch whose insert collides on a key (SQLite serialises
writers, so no real race reaches them)."""

from dataclasses import replace

import pytest
from fastapi import FastAPI
from sqlmodel import Session

from services.common.errors import DomainError
from services.funding.disbursements import service as disbursements
from services.funding.disbursements.models import Disbursement
from services.funding.disbursements.service import propose
from tests.funding.disbursement_support import (
    ACCOUNT,
    balance,
    events,
    fund_line,
    proposal,
    propose_one,
    transfers,
)
from tests.funding.test_propose_many import (  # noqa: F401
    BATCH,
    BLOCK,
    LINE,
    _proposal,
    _propose,
    funded,
)


def test_a_proposal_committed_concurrently_is_answered_and_commits_money_once(
    funding_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key read misses the proposal a concurrent request committed (monkeypatched to the
    stale read): the ledger replays its commitment and the key's unique violation answers it."""
    fund_line(funding_app, amount_fen=5_000_000)
    wanted = proposal(amount_fen=1_250_000)
    first_id = propose_one(funding_app, **wanted)
    real, reads = disbursements._by_key, iter([None])

    def stale_once(session: Session, key: str) -> Disbursement | None:
        return next(reads, real(session, key))

    monkeypatch.setattr(disbursements, "_by_key", stale_once)
    with funding_app.state.database.transaction() as session:
        again = propose(session, **wanted)
        assert again.id == first_id
    assert (
        balance(funding_app, ACCOUNT) == 3_750_000 and balance(funding_app, "payable") == 1_250_000
    )
    assert transfers(funding_app, "disbursement_commit", first_id) == 1
    assert [e["disbursement_id"] for e in events(funding_app, "disbursement.proposed")] == [
        first_id
    ]


def test_a_batch_naming_a_key_twice_proposes_it_once(funded: FastAPI) -> None:  # noqa: F811
    """Its insert collides on the key as a racing proposal's would: the batch falls back to one by
    one, which answers the second with the first (or refuses it when its details differ)."""
    twice = _proposal(7, BLOCK, 1_000)
    rows = _propose(funded, [twice, BATCH[1], twice])
    assert [key for _id, key, _amount, _t in rows] == [twice.key, BATCH[1].key, twice.key]
    assert rows[0] == rows[2]
    assert (balance(funded, BLOCK), balance(funded, LINE)) == (4_000, 500)
    assert balance(funded, "payable") == 2_500
    assert len(events(funded, "disbursement.proposed")) == 2
    with pytest.raises(DomainError) as raised:
        _propose(funded, [BATCH[2], replace(BATCH[2], amount_fen=1)])
    assert (raised.value.status, raised.value.code) == (409, "disbursement_key_reused")
    assert (balance(funded, BLOCK), balance(funded, "payable")) == (4_000, 2_500)
