"""Review findings on the ledger's HTTP routes: one admin's hand-made transfer or reversal
must never move money into or out of `payable` or a `payee:` account (that is what the
four-eyed, published disbursement flow does), and an account that must not go negative cannot
be opened as one that may."""

import uuid

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select

from services.funding.disbursements.models import Disbursement
from services.funding.ledger.models import LedgerTransfer
from tests.funding.conftest import FundingHeaders
from tests.funding.disbursement_support import ACCOUNT, PAYEE, balance, fund_line, propose_one
from tests.funding.ledger_support import fund, open_accounts


def _transfer(client: TestClient, headers: dict[str, str], legs: list[tuple[str, int]]) -> dict:
    answer = client.post(
        "/v1/ledger/transfers",
        json={
            "kind": "reward",
            "memo": "paid by hand",
            "legs": [{"account": a, "amount_fen": n} for a, n in legs],
        },
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    return {"status": answer.status_code, **answer.json()}


def test_one_admin_cannot_pay_a_payee_or_drain_payable_by_a_hand_made_transfer(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    fund_line(funding_app, amount_fen=10_000)
    propose_one(funding_app, amount_fen=4_000)  # payable holds 4,000 committed to it
    payee = f"payee:{PAYEE}"
    open_accounts(funding_app, (payee, "payee", True), ("other:spare", "other", True))
    headers = funding_headers()
    direct = _transfer(funding_client, headers, [(ACCOUNT, -1_000), (payee, 1_000)])
    assert direct["status"] == 422 and direct["code"] == "ledger_account_reserved", direct
    assert direct["errors"][0]["field"] == "body.legs.1.account"
    drain = _transfer(funding_client, headers, [("payable", -4_000), ("other:spare", 4_000)])
    assert drain["status"] == 422 and drain["code"] == "ledger_account_reserved", drain
    assert drain["errors"][0]["field"] == "body.legs.0.account"
    assert (balance(funding_app, ACCOUNT), balance(funding_app, "payable")) == (6_000, 4_000)
    assert balance(funding_app, payee) == balance(funding_app, "other:spare") == 0


def test_a_bridge_borrowers_account_moves_only_by_the_bridge_fund_never_by_hand(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    fund_line(funding_app, amount_fen=10_000)
    borrower = "borrower:91140100MA0K000017"
    opened = funding_client.post(
        "/v1/ledger/accounts",
        json={"code": borrower, "name": "x", "kind": "party", "non_negative": False},
        headers=funding_headers(),
    )
    assert opened.status_code == 201, opened.text
    # A party may go negative: a hand-made transfer out of it would make money from nothing,
    # into it would lend without the bridge fund's rules.
    for legs, field in (
        ([(borrower, -1_000), (ACCOUNT, 1_000)], "body.legs.0.account"),
        ([(ACCOUNT, -1_000), (borrower, 1_000)], "body.legs.1.account"),
    ):
        answer = _transfer(funding_client, funding_headers(), legs)
        assert answer["status"] == 422 and answer["code"] == "ledger_account_reserved", answer
        assert answer["errors"][0]["field"] == field
    assert (balance(funding_app, ACCOUNT), balance(funding_app, borrower)) == (10_000, 0)


def test_a_disbursements_commitment_cannot_be_reversed_by_hand(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    fund_line(funding_app, amount_fen=10_000)
    first = propose_one(funding_app, amount_fen=4_000)
    propose_one(funding_app, amount_fen=3_000)
    with funding_app.state.database.session(write=False) as session:
        commit = session.exec(select(Disbursement).where(Disbursement.id == first)).one()
        commit_id = commit.commit_transfer_id
    # Reversed, the line would get its 4,000 back while the disbursement stays proposed and
    # payable, paid later out of the other proposal's commitment: 4,000 spent twice.
    answer = funding_client.post(
        f"/v1/ledger/transfers/{commit_id}/reversal",
        json={"memo": "undo"},
        headers={**funding_headers(), "Idempotency-Key": uuid.uuid4().hex},
    )
    assert answer.status_code == 409 and answer.json()["code"] == "ledger_reversal_reserved"
    assert (balance(funding_app, ACCOUNT), balance(funding_app, "payable")) == (3_000, 7_000)


def test_only_a_source_or_a_party_may_be_opened_as_an_account_that_can_go_negative(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    headers = funding_headers()
    cases = [
        ({"code": "line:2015:slush", "kind": "line", "non_negative": False}, "body.non_negative"),
        ({"code": "payable", "kind": "payable", "non_negative": False}, "body.non_negative"),
        ({"code": "payee:91140100MA0K000017", "kind": "other", "non_negative": True}, "body.kind"),
        ({"code": "block:2015:space:xiaodian", "kind": "line", "non_negative": True}, "body.kind"),
    ]
    for body, field in cases:
        answer = funding_client.post(
            "/v1/ledger/accounts", json={"name": "x", **body}, headers=headers
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == field, answer.text
        assert funding_client.get(f"/v1/ledger/accounts/{body['code']}").status_code == 404
    source = funding_client.post(
        "/v1/ledger/accounts",
        json={"code": "source:central", "name": "中央", "kind": "source", "non_negative": False},
        headers=headers,
    )
    assert source.status_code == 201, source.text


def test_a_payment_day_is_a_real_day_not_a_number_nor_the_future_nor_year_one(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    fund_line(funding_app, amount_fen=10_000)
    disbursement_id = propose_one(funding_app, amount_fen=4_000)
    url = f"/v1/disbursements/{disbursement_id}"
    approver = funding_headers(kind="admin", org=None, client_id="cli_admin_b")
    etag = funding_client.get(url, headers=approver).headers["etag"]
    approved = funding_client.post(
        f"{url}/approval", json={}, headers={**approver, "If-Match": etag}
    )
    assert approved.status_code == 200, approved.text
    etag = approved.headers["etag"]
    # 0 would be read as 1970-01-01 (seconds since the epoch); the others are no day it paid.
    for paid_on in (0, 1_448_000_000, "0001-01-01", "1999-12-31", "2999-01-01"):
        answer = funding_client.post(
            f"{url}/payment",
            json={"payment_reference": "ICBC-9", "paid_on": paid_on},
            headers={**approver, "If-Match": etag, "Idempotency-Key": uuid.uuid4().hex},
        )
        assert answer.status_code == 422, (paid_on, answer.text)
        assert answer.json()["errors"][0]["field"] == "body.paid_on", answer.text
    assert funding_client.get(url, headers=approver).json()["status"] == "approved"
    assert balance(funding_app, "payable") == 4_000 and balance(funding_app, f"payee:{PAYEE}") == 0
    assert funding_client.get("/v1/public/ledger/records").json()["items"] == []


def test_only_a_hand_made_transfer_is_reversed_by_hand(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """A transfer a domain recorded (a budget load, an allocation, a matching payment) is
    corrected by that domain: reversed by hand, the domain's own records (a block's matching
    owed and paid) would no longer match its money."""
    open_accounts(funding_app, ("source:city", "source", False), (ACCOUNT, "line", True))
    fund(funding_app, source="source:city", account=ACCOUNT, amount_fen=700, key="allocation:x")
    with funding_app.state.database.session(write=False) as session:
        [recorded] = session.exec(select(LedgerTransfer.id)).all()
    answer = funding_client.post(
        f"/v1/ledger/transfers/{recorded}/reversal",
        json={"memo": "undo"},
        headers={**funding_headers(), "Idempotency-Key": uuid.uuid4().hex},
    )
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "ledger_transfer_not_by_hand"
    assert balance(funding_app, ACCOUNT) == 700


def test_a_payee_account_not_yet_opened_is_reserved_by_its_code(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """`payee:…` is reserved by its code, before any account of that code is opened: a hand
    transfer naming one is refused as reserved, not merely as an unknown account."""
    fund_line(funding_app, amount_fen=10_000)
    payee = "payee:91140100MA0K000017"
    answer = _transfer(funding_client, funding_headers(), [(ACCOUNT, -1_000), (payee, 1_000)])
    assert answer["status"] == 422 and answer["code"] == "ledger_account_reserved", answer
    assert answer["errors"][0]["field"] == "body.legs.1.account"
    assert balance(funding_app, ACCOUNT) == 10_000
    assert funding_client.get(f"/v1/ledger/accounts/{payee}").status_code == 404
