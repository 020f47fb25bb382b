# ruff: noqa: F811
"""Disbursements at their edges, each with its neighbours on both sides: amounts of exactly one
fen, zero and one below; memos and reasons at their cut; a batch's proposals at version 1; who
sees which disbursement when the ids, USCCs and provider ids of others sort before and after
the caller's; list filters whose value has others on both sides; voucher settlements of one
fen, with names to trim, and each outcome filtered among the others.
"""

import dataclasses
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.clock import utcnow
from services.common.dates import shanghai_date
from services.common.errors import DomainError
from services.funding.disbursements.service import propose, propose_many
from services.funding.disbursements.settlements import settlement_handlers
from services.funding.settings import FundingSettings
from tests.funding.conftest import FundingHeaders
from tests.funding.disbursement_support import (
    ACCOUNT,
    balance,
    events,
    fund_line,
    proposal,
    propose_one,
)
from tests.funding.feeds import consume
from tests.funding.test_disbursements import APPROVER, admin, approve, cancel, pay, read
from tests.funding.test_propose_many import (  # noqa: F401 - the funded fixture
    BLOCK,
    LINE,
    _code,
    _proposal,
    _propose,
    funded,
)
from tests.funding.test_settlement_feed import LINE_2015, PROVIDER_USCC, disbursements, requested


def _refused_code(app: FastAPI, **changes: Any) -> str:
    with app.state.database.transaction() as session, pytest.raises(DomainError) as raised:
        propose(session, **proposal(**changes))
    return raised.value.code


def test_one_fen_is_proposed_and_zero_and_minus_one_are_refused(funding_app: FastAPI) -> None:
    fund_line(funding_app, amount_fen=10)
    for amount in (0, -1):
        assert _refused_code(funding_app, amount_fen=amount) == "disbursement_amount_not_positive"
    assert (balance(funding_app, ACCOUNT), balance(funding_app, "payable")) == (10, 0)
    one = propose_one(funding_app, amount_fen=1)
    assert (balance(funding_app, ACCOUNT), balance(funding_app, "payable")) == (9, 1)
    assert [(e["disbursement_id"], e["amount_fen"]) for e in events(funding_app, "disbursement.proposed")] == [(one, 1)]  # fmt: skip


def test_a_batch_of_one_fen_is_proposed_and_of_zero_or_minus_one_refused(funded: FastAPI) -> None:
    """A batch alone of an amount that is not positive is refused as one, not by the ledger."""
    for n, amount in ((5, 0), (6, -1)):
        assert _code(funded, [_proposal(n, BLOCK, amount)]) == "disbursement_amount_not_positive"
    assert (balance(funded, BLOCK), balance(funded, "payable")) == (5_000, 0)
    [(_id, key, amount, _transfer)] = _propose(funded, [_proposal(7, BLOCK, 1)])
    assert (key, amount) == (_proposal(7, BLOCK, 1).key, 1)
    assert (balance(funded, BLOCK), balance(funded, "payable")) == (4_999, 1)


def test_a_batch_memo_is_kept_to_its_first_500_characters_and_its_rows_are_at_version_1(
    funded: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    database = funded.state.database
    memo = "m" * 499 + "M" + "x"  # 501 characters: the 500th is "M"
    with database.transaction() as session:
        [first, second] = propose_many(
            session,
            proposals=[_proposal(1, BLOCK, 3_000), _proposal(2, LINE, 1_500)],
            memo=memo,
            reference="rwr_test",
            principal_id="cli_admin_a",
        )
    payable = funding_client.get("/v1/ledger/accounts/payable/statement").json()["items"]
    assert [(line["kind"], line["memo"]) for line in payable] == [
        ("disbursement_commit", "m" * 499 + "M")
    ]
    for disbursement_id in (first, second):
        answer = read(funding_client, funding_headers, disbursement_id)
        assert (answer.json()["version"], answer.headers["etag"]) == (1, f'"{disbursement_id}.1"')
    approved = funding_client.post(
        f"/v1/disbursements/{first}/approval",
        json={},
        headers=admin(funding_headers, APPROVER, **{"If-Match": f'"{first}.1"'}),
    )
    assert approved.status_code == 200, approved.text
    assert (approved.json()["version"], approved.headers["etag"]) == (2, f'"{first}.2"')


def test_a_cancellation_memo_keeps_the_first_200_characters_of_its_reason(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    fund_line(funding_app, amount_fen=1_000)
    disbursement_id = propose_one(funding_app, amount_fen=400, source_ref="rrn_1:base_2")
    reason = "r" * 199 + "R" + "x"  # 201 characters: the 200th is "R"
    etag = read(funding_client, funding_headers, disbursement_id).headers["etag"]
    answer = funding_client.post(
        f"/v1/disbursements/{disbursement_id}/cancellation",
        json={"reason": reason},
        headers=admin(
            funding_headers, APPROVER, **{"If-Match": etag, "Idempotency-Key": uuid.uuid4().hex}
        ),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["cancel_reason"] == reason  # the row keeps it whole
    payable = funding_client.get("/v1/ledger/accounts/payable/statement").json()["items"]
    assert [(line["kind"], line["amount_fen"], line["memo"]) for line in payable][-1] == (
        "disbursement_cancel",
        -400,
        f"reward rrn_1:base_2: cancelled ({'r' * 199}R)",
    )
    assert balance(funding_app, ACCOUNT) == 1_000


USCC_LOW, USCC_MID, USCC_HIGH = "91140100MA0K000017", "91140105MA0KDE119Q", "91140109MA0KZZZZ9X"


def test_an_enterprise_reads_its_own_disbursement_and_none_on_either_side(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """Ids (proposed in order) and USCCs of the other payees sort before and after its own."""
    fund_line(funding_app)
    before = propose_one(funding_app, payee_uscc=USCC_LOW, amount_fen=100)
    own = propose_one(funding_app, payee_uscc=USCC_MID, amount_fen=200)
    after = propose_one(funding_app, payee_uscc=USCC_HIGH, amount_fen=300)
    assert before < own < after
    enterprise = funding_headers(kind="enterprise", org=USCC_MID)
    mine = funding_client.get(f"/v1/disbursements/{own}", headers=enterprise)
    assert mine.status_code == 200 and mine.json()["amount_fen"] == 200
    for other in (before, after):
        hidden = funding_client.get(f"/v1/disbursements/{other}", headers=enterprise)
        assert hidden.status_code == 404, hidden.text
        assert hidden.json()["code"] == "disbursement_not_found"
    listed = funding_client.get("/v1/disbursements", headers=enterprise).json()["items"]
    assert [item["id"] for item in listed] == [own]
    portal = funding_headers(kind="portal", org=USCC_MID)
    assert [i["id"] for i in funding_client.get("/v1/disbursements", headers=portal).json()["items"]] == [own]  # fmt: skip


def test_a_provider_sees_only_the_disbursements_paying_its_own_settlements(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    funding_settings: FundingSettings,
) -> None:
    fund_line(funding_app, account=LINE_2015, amount_fen=1_000_000)
    feed = [
        ("settlement.requested", {**requested(f"stl_{p}", 1_000 * n), "provider_id": p})
        for n, p in enumerate(("prv_a", "prv_m", "prv_z"), start=1)
    ]
    consume(funding_app, "funding.vouchers", settlement_handlers(funding_settings), feed)
    by_source = {row.source_ref: row.id for row in disbursements(funding_app)}
    provider = funding_headers(kind="provider", org="prv_m", client_id="cli_prv_m")
    seen = funding_client.get("/v1/disbursements", headers=provider).json()["items"]
    assert [(item["id"], item["amount_fen"]) for item in seen] == [(by_source["stl_prv_m"], 2_000)]
    for other in ("stl_prv_a", "stl_prv_z"):
        hidden = funding_client.get(f"/v1/disbursements/{by_source[other]}", headers=provider)
        assert hidden.status_code == 404 and hidden.json()["code"] == "disbursement_not_found"
    mine = funding_client.get(f"/v1/disbursements/{by_source['stl_prv_m']}", headers=provider)
    assert mine.status_code == 200 and mine.json()["source_ref"] == "stl_prv_m"


def test_each_list_filter_keeps_its_value_only_with_others_on_both_sides(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """Three disbursements whose status, purpose, payee, year and line sort low, middle, high."""
    for year in (2014, 2015, 2016):
        fund_line(funding_app, account=f"line:{year}:space_rent", year=year)

    def one(year: int, uscc: str, purpose: str, line: str) -> str:
        return propose_one(
            funding_app,
            account=f"line:{year}:space_rent",
            year=year,
            payee_uscc=uscc,
            purpose=purpose,
            budget_line=line,
            amount_fen=1_000,
        )

    low = one(2014, USCC_LOW, "financing", "a_line")
    mid = one(2015, USCC_MID, "reward", "m_line")
    high = one(2016, USCC_HIGH, "zhubaodai_compensation", "z_line")
    # statuses: approved < cancelled < proposed
    assert approve(funding_client, funding_headers, low).status_code == 200
    assert cancel(funding_client, funding_headers, mid).status_code == 200
    headers = admin(funding_headers, APPROVER)

    def ids(query: str) -> list[str]:
        answer = funding_client.get(f"/v1/disbursements?{query}", headers=headers)
        assert answer.status_code == 200, answer.text
        return [item["id"] for item in answer.json()["items"]]

    assert ids("") == [low, mid, high]
    for query in ("status=cancelled", "purpose=reward", f"payee={USCC_MID}", "year=2015",
                  "line=m_line"):  # fmt: skip
        assert ids(query) == [mid], query
    assert ids("status=approved") == [low] and ids("status=proposed") == [high]
    assert ids("status=paid") == []


def test_only_a_voucher_settlements_payment_names_its_settlement(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """Purposes sorting before and after `voucher_settlement` announce no settlement_id."""
    fund_line(funding_app)
    paid = []
    for n, purpose in enumerate(("reward", "voucher_settlement", "zhubaodai_compensation")):
        disbursement_id = propose_one(
            funding_app, purpose=purpose, source_ref=f"src_{n}", amount_fen=1_000
        )
        assert approve(funding_client, funding_headers, disbursement_id).status_code == 200
        answer = pay(funding_client, funding_headers, disbursement_id, f"ICBC-{n}")
        assert answer.status_code == 200, answer.text
        paid.append(disbursement_id)
    announced = events(funding_app, "disbursement.paid")
    assert [(e["disbursement_id"], e.get("settlement_id")) for e in announced] == [
        (paid[0], None),
        (paid[1], "src_1"),
        (paid[2], None),
    ]


def test_a_settlement_of_one_fen_is_proposed_and_of_zero_is_not(
    funding_app: FastAPI, funding_client: TestClient, funding_settings: FundingSettings
) -> None:
    fund_line(funding_app, account=LINE_2015, amount_fen=10)
    feed = [
        ("settlement.requested", requested("stl_zero", 0)),
        ("settlement.requested", requested("stl_one", 1)),
    ]
    consume(funding_app, "funding.vouchers", settlement_handlers(funding_settings), feed)
    [row] = disbursements(funding_app)
    assert (row.source_ref, row.amount_fen) == ("stl_one", 1)
    assert (balance(funding_app, LINE_2015), balance(funding_app, "payable")) == (9, 1)


def test_a_provider_name_is_trimmed_kept_to_200_characters_and_blank_is_none(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_settings: FundingSettings,
    funding_headers: FundingHeaders,
) -> None:
    fund_line(funding_app, account=LINE_2015, amount_fen=1_000_000)
    long_name = "名" * 199 + "末" + "外"  # 201 characters: the 200th is "末"
    feed = [
        ("settlement.requested", {**requested("stl_1", 100), "provider_name": "  检测院 "}),
        ("settlement.requested", {**requested("stl_2", 100), "provider_name": long_name}),
        ("settlement.requested", {**requested("stl_3", 100), "provider_name": "   "}),
        ("settlement.requested", {**requested("stl_4", 100), "provider_name": 7}),
    ]
    consume(funding_app, "funding.vouchers", settlement_handlers(funding_settings), feed)
    headers = funding_headers(kind="admin", org=None, client_id="cli_admin_a")
    listed = funding_client.get("/v1/settlement-requests", headers=headers).json()["items"]
    names = ["检测院", "名" * 199 + "末", None, None]
    assert [(r["settlement_id"], r["provider_name"]) for r in listed] == [
        (f"stl_{n}", name) for n, name in enumerate(names, start=1)
    ]
    payees = {row.source_ref: row.payee_name for row in disbursements(funding_app)}
    assert payees == {
        "stl_1": "检测院",
        "stl_2": "名" * 199 + "末",
        "stl_3": PROVIDER_USCC,
        "stl_4": PROVIDER_USCC,
    }


def test_each_settlement_outcome_is_filtered_with_the_others_on_both_sides(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_settings: FundingSettings,
    funding_headers: FundingHeaders,
) -> None:
    """Outcomes sort not_funded < nothing_to_pay < proposed."""
    fund_line(funding_app, account=LINE_2015, amount_fen=1_000)
    feed = [
        ("settlement.requested", requested("stl_a", 5_000)),  # not_funded
        ("settlement.requested", requested("stl_b", 0)),  # nothing_to_pay
        ("settlement.requested", requested("stl_c", 1_000)),  # proposed
    ]
    consume(funding_app, "funding.vouchers", settlement_handlers(funding_settings), feed)
    headers = funding_headers(kind="admin", org=None, client_id="cli_admin_a")

    def ids(outcome: str) -> list[str]:
        answer = funding_client.get(f"/v1/settlement-requests?outcome={outcome}", headers=headers)
        assert answer.status_code == 200, answer.text
        return [r["settlement_id"] for r in answer.json()["items"]]

    assert ids("not_funded") == ["stl_a"]
    assert ids("nothing_to_pay") == ["stl_b"]
    assert ids("proposed") == ["stl_c"]


def test_a_reference_paying_another_is_refused_and_those_either_side_of_it_pay(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """References that pay are compared for equality: ICBC-5 pays the first; the second cannot
    be paid under ICBC-5, but can under ICBC-4 (sorting before it); the third under ICBC-6."""
    fund_line(funding_app)
    first, second, third = (propose_one(funding_app, amount_fen=n) for n in (100, 200, 300))
    for disbursement_id in (first, second, third):
        assert approve(funding_client, funding_headers, disbursement_id).status_code == 200
    assert pay(funding_client, funding_headers, first, "ICBC-5").status_code == 200
    used = pay(funding_client, funding_headers, second, "ICBC-5")
    assert used.status_code == 409 and used.json()["code"] == "payment_reference_used"
    for disbursement_id, reference in ((second, "ICBC-4"), (third, "ICBC-6")):
        answer = pay(funding_client, funding_headers, disbursement_id, reference)
        assert answer.status_code == 200, answer.text
        assert answer.json()["payment_reference"] == reference
    assert balance(funding_app, "payable") == 0


def test_a_proposal_cannot_be_changed_once_made(funded: FastAPI) -> None:
    """A batch's proposals are values: neither their amount nor their key can be changed after
    the batch is put together (each copy with a change is a new one), and equal ones hash alike."""
    made = _proposal(1, BLOCK, 3_000)
    for field, value in (("amount_fen", 1), ("key", "reward:test:other"), ("account", LINE)):
        with pytest.raises(
            dataclasses.FrozenInstanceError, match=f"cannot assign to field '{field}'"
        ):
            setattr(made, field, value)
    assert {made: "first"}[_proposal(1, BLOCK, 3_000)] == "first"
    [(_id, key, amount, _transfer)] = _propose(funded, [made])
    assert (key, amount) == ("reward:test:1", 3_000)


def test_keys_sorting_either_side_of_a_proposal_are_proposals_of_their_own(
    funding_app: FastAPI,
) -> None:
    """The same details under keys before and after an existing one: three disbursements; the
    existing key with an amount one fen either side of its own: refused, nothing moved."""
    fund_line(funding_app, amount_fen=10_000)
    middle = propose_one(funding_app, key="reward:m", amount_fen=1_000)
    ids = [propose_one(funding_app, key=key, amount_fen=1_000) for key in ("reward:a", "reward:z")]
    assert len({middle, *ids}) == 3
    assert propose_one(funding_app, key="reward:m", amount_fen=1_000) == middle
    for amount in (999, 1_001):
        assert _refused_code(funding_app, key="reward:m", amount_fen=amount) == (
            "disbursement_key_reused"
        )
    assert (balance(funding_app, ACCOUNT), balance(funding_app, "payable")) == (7_000, 3_000)


def test_any_admin_but_the_proposer_approves_whichever_side_their_ids_sort(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    fund_line(funding_app)
    first, second = (propose_one(funding_app, principal_id="cli_admin_m") for _ in range(2))
    own = approve(funding_client, funding_headers, first, by="cli_admin_m")
    assert own.status_code == 403 and own.json()["code"] == "four_eyes_required"
    for disbursement_id, by in ((first, "cli_admin_a"), (second, "cli_admin_z")):
        answer = approve(funding_client, funding_headers, disbursement_id, by=by)
        assert answer.status_code == 200, answer.text
        assert answer.json()["approved_by"] == by


def test_the_bank_may_have_paid_today_but_not_tomorrow(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    fund_line(funding_app)
    disbursement_id = propose_one(funding_app, amount_fen=500)
    assert approve(funding_client, funding_headers, disbursement_id).status_code == 200
    today = shanghai_date(utcnow())

    def paid_on(day: str) -> Any:
        etag = read(funding_client, funding_headers, disbursement_id).headers["etag"]
        return funding_client.post(
            f"/v1/disbursements/{disbursement_id}/payment",
            json={"payment_reference": f"BOC-{day}", "paid_on": day},
            headers=admin(
                funding_headers, APPROVER, **{"If-Match": etag, "Idempotency-Key": uuid.uuid4().hex}
            ),
        )

    tomorrow = paid_on((today + timedelta(days=1)).isoformat())
    assert tomorrow.status_code == 422, tomorrow.text
    assert tomorrow.json()["code"] == "payment_day_in_future"
    assert tomorrow.json()["errors"][0]["field"] == "body.paid_on"
    assert balance(funding_app, "payable") == 500
    paid = paid_on(today.isoformat())
    assert paid.status_code == 200 and paid.json()["paid_on"] == today.isoformat()
    assert balance(funding_app, "payable") == 0
