"""Disbursements through the API: proposal commits the money at once (idempotent on its key),
four-eyes approval, the dishonest payee blocked (失信联合惩戒), payment idempotent on the bank's
reference, cancellation giving the money back; who sees what; each refusal changes nothing.

Proposals come from reward runs, voucher settlements and financing (other domains), so the
set-up proposes through `propose`; every later step goes through the HTTP API.
"""

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.clock import utcnow
from services.common.dates import shanghai_date
from services.common.errors import DomainError
from services.funding.disbursements.service import propose
from services.funding.enterprises.service import credit_handlers
from tests.funding.conftest import FundingHeaders
from tests.funding.disbursement_support import (
    ACCOUNT,
    PAYEE,
    events,
    fund_line,
    proposal,
    propose_one,
    transfers,
)
from tests.funding.disbursement_support import balance as balance_of
from tests.funding.feeds import consume

PROPOSER, APPROVER, PAYER = "cli_admin_a", "cli_admin_b", "cli_admin_c"


def admin(headers: FundingHeaders, client_id: str, **extra: str) -> dict[str, str]:
    return {**headers(kind="admin", org=None, client_id=client_id), **extra}


def key() -> str:
    return uuid.uuid4().hex


def read(client: TestClient, headers: FundingHeaders, disbursement_id: str) -> Any:
    answer = client.get(f"/v1/disbursements/{disbursement_id}", headers=admin(headers, APPROVER))
    assert answer.status_code == 200, answer.text
    return answer


def approve(
    client: TestClient, headers: FundingHeaders, disbursement_id: str, by: str = APPROVER
) -> Any:
    etag = read(client, headers, disbursement_id).headers["etag"]
    return client.post(
        f"/v1/disbursements/{disbursement_id}/approval",
        json={"note": "acceptance passed"},
        headers=admin(headers, by, **{"If-Match": etag}),
    )


def pay(
    client: TestClient,
    headers: FundingHeaders,
    disbursement_id: str,
    reference: str,
    *,
    etag: str | None = None,
) -> Any:
    etag = etag or read(client, headers, disbursement_id).headers["etag"]
    return client.post(
        f"/v1/disbursements/{disbursement_id}/payment",
        json={"payment_reference": reference, "paid_on": "2015-11-04"},
        headers=admin(headers, PAYER, **{"If-Match": etag, "Idempotency-Key": key()}),
    )


def books(app: FastAPI) -> tuple[int, int, int]:
    return (
        balance_of(app, ACCOUNT),
        balance_of(app, "payable"),
        balance_of(app, f"payee:{PAYEE}"),
    )


def test_a_proposal_commits_its_money_at_once_and_is_idempotent_on_its_key(
    funding_app: FastAPI, funding_client: TestClient
) -> None:
    fund_line(funding_app, amount_fen=10_000_000)
    wanted = proposal(amount_fen=1_250_000)
    with funding_app.state.database.transaction() as session:
        first = propose(session, **wanted)
    assert first.status == "proposed" and first.amount_fen == 1_250_000
    assert books(funding_app) == (10_000_000 - 1_250_000, 1_250_000, 0)
    # The same key and details: the same disbursement, nothing moved again.
    with funding_app.state.database.transaction() as session:
        again = propose(session, **wanted)
    assert again.id == first.id
    assert books(funding_app) == (8_750_000, 1_250_000, 0)
    assert transfers(funding_app, "disbursement_commit", first.id) == 1
    assert [e["disbursement_id"] for e in events(funding_app, "disbursement.proposed")] == [
        first.id
    ]
    # The same key with another amount is another proposal: refused, nothing moved.
    with (
        funding_app.state.database.transaction() as session,
        pytest.raises(DomainError) as raised,
    ):
        propose(session, **{**wanted, "amount_fen": 1_250_001})
    assert (raised.value.status, raised.value.code) == (409, "disbursement_key_reused")
    assert books(funding_app) == (8_750_000, 1_250_000, 0)


def test_a_proposal_the_line_cannot_cover_is_refused_by_the_ledger(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    fund_line(funding_app, amount_fen=1_000_000)
    propose_one(funding_app, amount_fen=600_000)
    with (
        funding_app.state.database.transaction() as session,
        pytest.raises(DomainError) as raised,
    ):
        propose(session, **proposal(amount_fen=400_001))
    assert (raised.value.status, raised.value.code) == (409, "ledger_insufficient_funds")
    for amount in (0, -5):
        with (
            funding_app.state.database.transaction() as session,
            pytest.raises(DomainError) as raised,
        ):
            propose(session, **proposal(amount_fen=amount))
        assert raised.value.code == "disbursement_amount_not_positive"
    assert books(funding_app) == (400_000, 600_000, 0)
    listed = funding_client.get("/v1/disbursements", headers=admin(funding_headers, APPROVER))
    assert len(listed.json()["items"]) == 1


def test_four_eyes_the_proposer_cannot_approve(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    fund_line(funding_app)
    disbursement_id = propose_one(funding_app, principal_id=PROPOSER)
    own = approve(funding_client, funding_headers, disbursement_id, by=PROPOSER)
    assert own.status_code == 403, own.text
    assert own.json()["code"] == "four_eyes_required"
    assert "Four eyes" in own.json()["detail"]
    unchanged = read(funding_client, funding_headers, disbursement_id).json()
    assert (unchanged["status"], unchanged["version"], unchanged["approved_by"]) == (
        "proposed",
        1,
        None,
    )
    other = approve(funding_client, funding_headers, disbursement_id, by=APPROVER)
    assert other.status_code == 200, other.text
    body = other.json()
    assert (body["status"], body["approved_by"], body["version"]) == ("approved", APPROVER, 2)
    assert body["approval_note"] == "acceptance passed"
    assert other.headers["etag"] == f'"{disbursement_id}.2"'
    # Approving again: the state rule, not a second approval.
    twice = approve(funding_client, funding_headers, disbursement_id, by=PAYER)
    assert twice.status_code == 409 and twice.json()["code"] == "disbursement_not_proposed"
    assert len(events(funding_app, "disbursement.approved")) == 1


def test_approval_needs_the_current_etag_and_an_admin(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    fund_line(funding_app)
    disbursement_id = propose_one(funding_app)
    url = f"/v1/disbursements/{disbursement_id}/approval"
    missing = funding_client.post(url, json={}, headers=admin(funding_headers, APPROVER))
    assert missing.status_code == 428 and missing.json()["code"] == "if_match_required"
    stale = funding_client.post(
        url, json={}, headers=admin(funding_headers, APPROVER, **{"If-Match": '"x.1"'})
    )
    assert stale.status_code == 412 and stale.json()["code"] == "stale_etag"
    department = funding_client.post(
        url,
        json={},
        headers={**funding_headers(kind="department"), "If-Match": f'"{disbursement_id}.1"'},
    )
    assert department.status_code == 403 and department.json()["code"] == "forbidden_client_kind"
    bad = funding_client.post(
        url,
        json={"note": "x" * 1001},
        headers=admin(funding_headers, APPROVER, **{"If-Match": f'"{disbursement_id}.1"'}),
    )
    assert (
        bad.status_code == 422
        and [e["field"] for e in bad.json()["errors"]] == ["body.note"]
        and bad.json()["errors"][0]["field"] == "body.note"
    )
    assert read(funding_client, funding_headers, disbursement_id).json()["status"] == "proposed"


def test_a_payee_on_the_dishonesty_list_cannot_be_approved(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    fund_line(funding_app)
    disbursement_id = propose_one(funding_app)
    common = {"uscc": PAYEE, "source": "courts", "record_id": "crr_1"}
    listed = {**common, "enterprise_listed": True, "listed_on": "2015-01-05", "ended_on": None}
    consume(funding_app, "funding.credit", credit_handlers(), [("dishonesty.listed", listed)])
    refused = approve(funding_client, funding_headers, disbursement_id)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "payee_on_dishonesty_list"
    assert "失信联合惩戒" in refused.json()["detail"]
    kept = read(funding_client, funding_headers, disbursement_id).json()
    assert (kept["status"], kept["version"]) == ("proposed", 1)
    assert books(funding_app)[1] == 1_250_000  # still committed
    # Cleared by credit (repaired): the payee can be approved.
    cleared = {
        **common,
        "enterprise_listed": False,
        "removed_on": "2015-02-01",
        "cause": "repaired",
    }
    events_ = [("dishonesty.listed", listed), ("dishonesty.cleared", cleared)]
    consume(funding_app, "funding.credit", credit_handlers(), events_)
    approved = approve(funding_client, funding_headers, disbursement_id)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"


def test_payment_moves_the_money_to_the_payee_once_per_reference(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    fund_line(funding_app, amount_fen=10_000_000)
    disbursement_id = propose_one(funding_app, amount_fen=1_250_000)
    early = pay(funding_client, funding_headers, disbursement_id, "ICBC-1")
    assert early.status_code == 409 and early.json()["code"] == "disbursement_not_approved"
    assert approve(funding_client, funding_headers, disbursement_id).status_code == 200
    etag = read(funding_client, funding_headers, disbursement_id).headers["etag"]
    no_key = funding_client.post(
        f"/v1/disbursements/{disbursement_id}/payment",
        json={"payment_reference": "ICBC-1"},
        headers=admin(funding_headers, PAYER, **{"If-Match": etag}),
    )
    assert no_key.status_code == 400 and no_key.json()["code"] == "idempotency_key_required"
    assert books(funding_app) == (8_750_000, 1_250_000, 0)

    paid = pay(funding_client, funding_headers, disbursement_id, "ICBC-1", etag=etag)
    assert paid.status_code == 200, paid.text
    body = paid.json()
    assert (body["status"], body["payment_reference"], body["paid_on"], body["paid_by"]) == (
        "paid",
        "ICBC-1",
        "2015-11-04",
        PAYER,
    )
    assert books(funding_app) == (8_750_000, 0, 1_250_000)
    # Published at once, for anyone (no key), with the figures of the payment.
    sequence = body["public_record_seq"]
    record = funding_client.get(f"/v1/public/ledger/records/{sequence}").json()
    assert (record["disbursement_id"], record["amount_fen"], record["payee_uscc"]) == (
        disbursement_id,
        1_250_000,
        PAYEE,
    )
    assert (record["paid_on"], record["budget_line"], record["district"]) == (
        "2015-11-04",
        "space_rent",
        "xiaodian",
    )
    assert (record["rule_set_version"], record["acceptance_ref"]) == (
        "rls_space_2015@1",
        "acc_test_1",
    )
    [event] = events(funding_app, "disbursement.paid")
    assert event["disbursement_id"] == disbursement_id and event["amount_fen"] == 1_250_000
    assert event["payment_reference"] == "ICBC-1" and "settlement_id" not in event
    assert event["public_record_seq"] == sequence

    # The same reference again (a new Idempotency-Key, the old ETag): the same answer.
    again = pay(funding_client, funding_headers, disbursement_id, "ICBC-1", etag=etag)
    assert again.status_code == 200 and again.json() == body
    # Another reference on a paid one: 409, nothing moved.
    other = pay(funding_client, funding_headers, disbursement_id, "ICBC-2")
    assert other.status_code == 409 and other.json()["code"] == "disbursement_paid_otherwise"
    assert books(funding_app) == (8_750_000, 0, 1_250_000)
    assert transfers(funding_app, "disbursement_payment", disbursement_id) == 1
    assert len(events(funding_app, "disbursement.paid")) == 1
    published = funding_client.get("/v1/public/ledger/records").json()["items"]
    assert [r["disbursement_id"] for r in published] == [disbursement_id]

    # A reference that pays another disbursement cannot pay this one.
    second = propose_one(funding_app, amount_fen=10_000)
    assert approve(funding_client, funding_headers, second).status_code == 200
    reused = pay(funding_client, funding_headers, second, "ICBC-1")
    assert reused.status_code == 409 and reused.json()["code"] == "payment_reference_used"
    assert reused.json()["errors"][0]["field"] == "body.payment_reference"
    assert read(funding_client, funding_headers, second).json()["status"] == "approved"
    # A cancelled one cannot be paid, a paid one cannot be cancelled.
    cancelled = cancel(funding_client, funding_headers, second)
    assert cancelled.status_code == 200
    late = pay(funding_client, funding_headers, second, "ICBC-3")
    assert late.status_code == 409 and late.json()["code"] == "disbursement_not_approved"
    refused = cancel(funding_client, funding_headers, disbursement_id)
    assert refused.status_code == 409 and refused.json()["code"] == "disbursement_not_cancellable"


def test_a_paid_disbursement_answers_only_its_own_reference_and_other_references_pay_on(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """References are compared for equality, never ranked: a retry under a reference that sorts
    before the one that paid is refused, a new reference that sorts after it pays another
    disbursement; and the bank may have paid today."""
    fund_line(funding_app, amount_fen=100_000)
    first, second = (propose_one(funding_app, amount_fen=n) for n in (30_000, 20_000))
    for disbursement_id in (first, second):
        assert approve(funding_client, funding_headers, disbursement_id).status_code == 200
    assert pay(funding_client, funding_headers, first, "ICBC-5").status_code == 200
    other = pay(funding_client, funding_headers, first, "ICBC-4")
    assert other.status_code == 409 and other.json()["code"] == "disbursement_paid_otherwise"
    today = shanghai_date(utcnow()).isoformat()
    etag = read(funding_client, funding_headers, second).headers["etag"]
    paid = funding_client.post(
        f"/v1/disbursements/{second}/payment",
        json={"payment_reference": "ICBC-6", "paid_on": today},
        headers=admin(funding_headers, PAYER, **{"If-Match": etag, "Idempotency-Key": key()}),
    )
    assert paid.status_code == 200, paid.text
    assert (paid.json()["payment_reference"], paid.json()["paid_on"]) == ("ICBC-6", today)
    assert (balance_of(funding_app, "payable"), balance_of(funding_app, f"payee:{PAYEE}")) == (
        0,
        50_000,
    )


def test_a_payment_reference_must_look_like_one(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    fund_line(funding_app)
    disbursement_id = propose_one(funding_app)
    approve(funding_client, funding_headers, disbursement_id)
    for reference in ("", " ICBC", "x" * 81, "ICBC\u00001"):
        answer = pay(funding_client, funding_headers, disbursement_id, reference)
        assert answer.status_code == 422, (reference, answer.text)
        assert answer.json()["errors"][0]["field"] == "body.payment_reference"
    assert read(funding_client, funding_headers, disbursement_id).json()["status"] == "approved"


def cancel(client: TestClient, headers: FundingHeaders, disbursement_id: str) -> Any:
    etag = read(client, headers, disbursement_id).headers["etag"]
    return client.post(
        f"/v1/disbursements/{disbursement_id}/cancellation",
        json={"reason": "acceptance corrected"},
        headers=admin(headers, APPROVER, **{"If-Match": etag, "Idempotency-Key": key()}),
    )


def test_cancellation_gives_the_money_back_to_its_account(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    fund_line(funding_app, amount_fen=2_000_000)
    proposed = propose_one(funding_app, amount_fen=700_000)
    approved = propose_one(funding_app, amount_fen=300_000)
    approve(funding_client, funding_headers, approved)
    assert books(funding_app) == (1_000_000, 1_000_000, 0)
    no_reason = funding_client.post(
        f"/v1/disbursements/{proposed}/cancellation",
        json={},
        headers=admin(
            funding_headers, APPROVER, **{"If-Match": f'"{proposed}.1"', "Idempotency-Key": key()}
        ),
    )
    assert (
        no_reason.status_code == 422
        and [e["field"] for e in no_reason.json()["errors"]] == ["body.reason"]
        and no_reason.json()["errors"][0]["field"] == "body.reason"
    )
    for disbursement_id in (proposed, approved):
        answer = cancel(funding_client, funding_headers, disbursement_id)
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "cancelled"
        assert answer.json()["cancel_reason"] == "acceptance corrected"
    assert books(funding_app) == (2_000_000, 0, 0)
    again = cancel(funding_client, funding_headers, proposed)
    assert again.status_code == 409 and again.json()["code"] == "disbursement_not_cancellable"
    late = approve(funding_client, funding_headers, proposed)
    assert late.status_code == 409 and late.json()["code"] == "disbursement_not_proposed"
    assert len(events(funding_app, "disbursement.cancelled")) == 2
    assert transfers(funding_app, "disbursement_cancel", proposed) == 1


def test_lists_filter_and_page_and_enterprises_see_their_own(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    fund_line(funding_app, amount_fen=10_000_000)
    other_line = "line:2016:space_rent"
    fund_line(funding_app, account=other_line, year=2016, amount_fen=2_000_000)
    other_payee = "91140100MA0K000017"
    first = propose_one(funding_app)
    second = propose_one(funding_app, payee_uscc=other_payee, amount_fen=10_000)
    third = propose_one(
        funding_app, account=other_line, year=2016, purpose="financing", budget_line="space_rent"
    )
    approve(funding_client, funding_headers, second)
    headers = admin(funding_headers, APPROVER)

    def ids(query: str, with_headers: dict[str, str] = headers) -> list[str]:
        answer = funding_client.get(f"/v1/disbursements{query}", headers=with_headers)
        assert answer.status_code == 200, answer.text
        return [item["id"] for item in answer.json()["items"]]

    assert ids("") == [first, second, third]
    assert ids("?status=approved") == [second]
    assert ids("?purpose=financing") == [third]
    assert ids(f"?payee={other_payee}") == [second]
    assert ids("?year=2016") == [third]
    assert ids("?line=space_rent&year=2015") == [first, second]
    page = funding_client.get("/v1/disbursements?limit=2", headers=headers).json()
    assert [item["id"] for item in page["items"]] == [first, second]
    rest = funding_client.get(
        f"/v1/disbursements?limit=2&cursor={page['next_cursor']}", headers=headers
    ).json()
    assert [item["id"] for item in rest["items"]] == [third] and rest["next_cursor"] is None
    # An enterprise sees what pays it, and nothing else.
    enterprise = funding_headers(kind="enterprise", org=other_payee)
    assert ids("", enterprise) == [second]
    hidden = funding_client.get(f"/v1/disbursements/{first}", headers=enterprise)
    assert hidden.status_code == 404 and hidden.json()["code"] == "disbursement_not_found"
    # A provider sees those paying its voucher settlements (none here); a bank none at all.
    assert ids("", funding_headers(kind="provider", org="prv_lab")) == []
    bank = funding_client.get("/v1/disbursements", headers=funding_headers(kind="bank"))
    assert bank.status_code == 403 and bank.json()["code"] == "forbidden_client_kind"
    for query, field in (("?year=1999", "query.year"), ("?status=done", "query.status"),
                         ("?payee=abc", "query.payee"), ("?cursor=%%%", "query.cursor")):  # fmt: skip
        bad = funding_client.get(f"/v1/disbursements{query}", headers=headers)
        assert bad.status_code == 422, (query, bad.text)
        assert bad.json()["errors"][0]["field"] == field
    missing = funding_client.get("/v1/disbursements/dsb_missing", headers=headers)
    assert missing.status_code == 404 and missing.json()["code"] == "disbursement_not_found"
