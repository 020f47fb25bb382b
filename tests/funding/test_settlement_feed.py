"""Voucher settlements from the vouchers feed become proposed disbursements, once each, from the
budget line that pays vouchers (`public-services` of the settlement's year by default)."""

import uuid
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select

from services.funding.disbursements.models import Disbursement, SettlementRequest
from services.funding.disbursements.settlements import settlement_handlers
from services.funding.settings import FundingSettings
from tests.funding.conftest import FundingHeaders
from tests.funding.disbursement_support import balance, events, fund_line
from tests.funding.feeds import consume

LINE_2015 = "line:2015:public-services"
PROVIDER_USCC = "12140000MB1234567X"


def requested(settlement_id: str, amount_fen: int, month: str = "2015-11") -> dict[str, Any]:
    """A `settlement.requested` payload as the vouchers service emits it."""
    return {
        "settlement_id": settlement_id, "provider_id": "prv_lab", "provider_uscc": PROVIDER_USCC,
        "provider_name": "山西省检测研究院", "amount_fen": amount_fen,
        "redeemed_fen": max(amount_fen, 0), "clawback_fen": max(-amount_fen, 0), "lines": 2,
        "month": month,
    }  # fmt: skip


def outcomes(app: FastAPI) -> dict[str, tuple[str, str | None]]:
    with app.state.database.session(write=False) as session:
        rows = session.exec(select(SettlementRequest)).all()
    return {row.settlement_id: (row.outcome, row.detail) for row in rows}


def disbursements(app: FastAPI) -> list[Disbursement]:
    with app.state.database.session(write=False) as session:
        return list(session.exec(select(Disbursement).order_by(Disbursement.id)).all())


def test_each_settlement_is_proposed_once_from_the_voucher_line(
    funding_app: FastAPI, funding_client: TestClient, funding_settings: FundingSettings
) -> None:
    fund_line(funding_app, account=LINE_2015, amount_fen=1_000_000)
    handlers = settlement_handlers(funding_settings)
    feed = [("settlement.requested", requested("stl_1", 250_000))]
    assert consume(funding_app, "funding.vouchers", handlers, feed) == 1
    # Redelivered to a consumer that lost its cursor: nothing proposed twice.
    assert consume(funding_app, "funding.vouchers.replay", handlers, feed) == 1
    [row] = disbursements(funding_app)
    assert (row.key, row.purpose, row.source_ref, row.payee_uscc, row.payee_name) == (
        "settlement:stl_1",
        "voucher_settlement",
        "stl_1",
        PROVIDER_USCC,
        "山西省检测研究院",
    )
    assert (row.account, row.year, row.budget_line, row.amount_fen, row.status) == (
        LINE_2015,
        2015,
        "public-services",
        250_000,
        "proposed",
    )
    assert row.proposed_by == "funding.vouchers-feed"
    assert (balance(funding_app, LINE_2015), balance(funding_app, "payable")) == (750_000, 250_000)
    assert outcomes(funding_app) == {"stl_1": ("proposed", None)}
    assert len(events(funding_app, "disbursement.proposed")) == 1


def test_nothing_is_proposed_for_nothing_to_pay_and_an_unfunded_one_lets_the_feed_move_on(
    funding_app: FastAPI, funding_client: TestClient, funding_settings: FundingSettings
) -> None:
    fund_line(funding_app, account=LINE_2015, amount_fen=300_000)
    feed = [
        ("settlement.requested", requested("stl_zero", 0)),
        ("settlement.requested", requested("stl_clawback", -80_000)),
        ("settlement.requested", requested("stl_2016", 10_000, month="2016-01")),  # no 2016 line
        ("settlement.requested", requested("stl_too_big", 300_001)),
        ("settlement.requested", requested("stl_fits", 300_000)),
    ]
    assert (
        consume(funding_app, "funding.vouchers", settlement_handlers(funding_settings), feed) == 5
    )
    found = outcomes(funding_app)
    assert {k: v[0] for k, v in found.items()} == {
        "stl_zero": "nothing_to_pay",
        "stl_clawback": "nothing_to_pay",
        "stl_2016": "not_funded",
        "stl_too_big": "not_funded",
        "stl_fits": "proposed",
    }
    assert (found["stl_2016"][1] or "").startswith("ledger_unknown_account")
    assert (found["stl_too_big"][1] or "").startswith("ledger_insufficient_funds")
    assert [row.source_ref for row in disbursements(funding_app)] == ["stl_fits"]
    assert (balance(funding_app, LINE_2015), balance(funding_app, "payable")) == (0, 300_000)


def test_the_paying_year_can_be_set(
    funding_app: FastAPI, funding_client: TestClient, funding_settings: FundingSettings
) -> None:
    fund_line(funding_app, account="line:2015:vouchers", amount_fen=500_000)
    settings = funding_settings.model_copy(
        update={"voucher_budget_year": 2015, "voucher_budget_line": "vouchers"}
    )
    feed = [("settlement.requested", requested("stl_2026", 120_000, month="2026-03"))]
    consume(funding_app, "funding.vouchers", settlement_handlers(settings), feed)
    [row] = disbursements(funding_app)
    assert (row.account, row.year, row.budget_line) == ("line:2015:vouchers", 2015, "vouchers")
    assert balance(funding_app, "line:2015:vouchers") == 380_000


def test_an_admin_sees_each_settlement_and_proposes_an_unfunded_one_again(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_settings: FundingSettings,
    funding_headers: FundingHeaders,
) -> None:
    fund_line(funding_app, account=LINE_2015, amount_fen=100_000)
    feed = [
        ("settlement.requested", requested("stl_a", 250_000)),
        ("settlement.requested", requested("stl_b", -10)),
    ]
    consume(funding_app, "funding.vouchers", settlement_handlers(funding_settings), feed)
    admin = funding_headers(kind="admin", org=None, client_id="cli_admin_a")
    listed = funding_client.get("/v1/settlement-requests", headers=admin).json()["items"]
    assert [(r["settlement_id"], r["outcome"], r["provider_name"]) for r in listed] == [
        ("stl_a", "not_funded", "山西省检测研究院"),
        ("stl_b", "nothing_to_pay", "山西省检测研究院"),
    ]
    unfunded = funding_client.get(
        "/v1/settlement-requests?outcome=not_funded", headers=admin
    ).json()["items"]
    assert [r["settlement_id"] for r in unfunded] == ["stl_a"]

    def again(settlement_id: str, with_key: bool = True) -> Any:
        headers = {**admin, "Idempotency-Key": uuid.uuid4().hex} if with_key else admin
        return funding_client.post(
            f"/v1/settlement-requests/{settlement_id}/proposal", headers=headers
        )

    short = again("stl_a")
    assert short.status_code == 409 and short.json()["code"] == "settlement_still_not_funded"
    assert again("stl_a", with_key=False).status_code == 400
    assert disbursements(funding_app) == [] and balance(funding_app, LINE_2015) == 100_000
    fund_line(funding_app, account=LINE_2015, amount_fen=200_000)
    done = again("stl_a")
    assert done.status_code == 200, done.text
    assert done.json()["outcome"] == "proposed" and done.json()["detail"] is None
    [row] = disbursements(funding_app)
    assert (row.id, row.payee_name, row.proposed_by) == (
        done.json()["disbursement_id"],
        "山西省检测研究院",
        "cli_admin_a",
    )
    assert balance(funding_app, LINE_2015) == 300_000 - 250_000
    for settlement_id, code in (
        ("stl_a", "settlement_request_not_pending"),
        ("stl_b", "settlement_request_not_pending"),
        ("stl_missing", "settlement_request_not_found"),
    ):
        refused = again(settlement_id)
        assert refused.json()["code"] == code, refused.text
    # The admin who proposed it again cannot approve it (four eyes).
    own = funding_client.post(
        f"/v1/disbursements/{row.id}/approval",
        json={},
        headers={**admin, "If-Match": f'"{row.id}.1"'},
    )
    assert own.status_code == 403 and own.json()["code"] == "four_eyes_required"
    department = funding_client.get(
        "/v1/settlement-requests", headers=funding_headers(kind="department")
    )
    assert department.status_code == 403 and department.json()["code"] == "forbidden_client_kind"


def test_a_settlement_without_a_provider_name_pays_the_provider_under_its_uscc(
    funding_app: FastAPI, funding_client: TestClient, funding_settings: FundingSettings
) -> None:
    fund_line(funding_app, account=LINE_2015, amount_fen=1_000_000)
    unnamed = {**requested("stl_9", 120_000), "provider_name": None}
    feed = [("settlement.requested", unnamed)]
    assert (
        consume(funding_app, "funding.vouchers", settlement_handlers(funding_settings), feed) == 1
    )
    [row] = disbursements(funding_app)
    # no name in the event and no filed enterprise of that USCC: the USCC stands for the name
    assert (row.payee_uscc, row.payee_name, row.amount_fen) == (
        PROVIDER_USCC,
        PROVIDER_USCC,
        120_000,
    )
    assert (balance(funding_app, LINE_2015), balance(funding_app, "payable")) == (880_000, 120_000)


def test_a_long_provider_id_and_a_long_refusal_are_kept_to_their_columns(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_settings: FundingSettings,
    funding_headers: FundingHeaders,
) -> None:
    """provider_id is kept to its first 40 characters, `detail` to its first 1,000 (a refusal
    naming a long budget line is longer)."""
    line = "vouchers-" + "x" * 1_100
    settings = funding_settings.model_copy(update={"voucher_budget_line": line})
    payload = {**requested("stl_long", 10_000), "provider_id": "prv_" + "7" * 60}
    feed = [("settlement.requested", payload)]
    assert consume(funding_app, "funding.vouchers", settlement_handlers(settings), feed) == 1
    admin = funding_headers(kind="admin", org=None, client_id="cli_admin_a")
    [listed] = funding_client.get("/v1/settlement-requests", headers=admin).json()["items"]
    assert (listed["settlement_id"], listed["outcome"]) == ("stl_long", "not_funded")
    assert listed["provider_id"] == "prv_" + "7" * 36
    detail = f"ledger_unknown_account: no ledger account line:2015:{line}"
    assert listed["detail"] == detail[:1_000]
