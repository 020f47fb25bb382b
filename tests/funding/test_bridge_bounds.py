# ruff: noqa: F811
"""The bridge fund's boundaries through the API, with neighbours on both sides: the maturity day
itself, the whole maturing principal and a fen more, a fee of 0 fen, the repayment exactly owed
and a fen either side, its date on the lending day, today and tomorrow, a renewal on the lending
day, applicants and banks sorting before and after the loan's own, and capital loaded under long
Idempotency-Keys. Figures by hand (2015 terms: 15-day window, 30 days, 600 bp a year / 360)."""

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import col, select

from services.funding.bridge.models import BridgeLoan
from services.funding.bridge.service import flag_overdue
from tests.funding.bridge_support import (  # noqa: F401 - the clock fixture
    Clock,
    apply,
    bridges,
    clock,
    enterprise,
    fund,
    load,
    registered,
    renew,
    world,
)
from tests.funding.conftest import FundingHeaders
from tests.funding.disbursement_support import events
from tests.funding.riskpool_support import (
    LATER,
    MICRO,
    SMALL,
    admin,
    agree,
    balances,
    bank,
    file_later,
)


def _one_loan(
    app: FastAPI, client: TestClient, headers: FundingHeaders, maturity_on: str = "2016-05-31"
) -> str:
    """The 助保贷 world, SMALL's registered loan of 600,000 fen (its id), and 1,000,000 fen of
    capital in the fund."""
    world(app, client, headers, 1_000_000)
    loan = registered(client, headers, 1, 600_000, SMALL, maturity_on)
    load(client, headers, 1_000_000)
    return loan


def _repay(
    client: TestClient, headers: FundingHeaders, bridge_id: str, amount: int, on: str
) -> Any:
    return client.post(
        f"/v1/bridge-loans/{bridge_id}/repayment",
        json={"repaid_on": on, "amount_fen": amount},
        headers={**admin(headers), "Idempotency-Key": uuid.uuid4().hex},
    )


def test_capital_loaded_under_long_keys_sharing_a_beginning_is_loaded_twice(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    loads = []
    for key in ("k" * 254 + "a", "k" * 254 + "b", "k" * 254 + "a"):
        answer = funding_client.post(
            "/v1/bridge-fund/capital",
            json={"year": 2016, "amount_fen": 100},
            headers={**admin(funding_headers), "Idempotency-Key": key},
        )
        assert answer.status_code == 201, answer.text
        loads.append(answer.json())
    assert loads[0]["transfer_id"] != loads[1]["transfer_id"]
    assert loads[2]["id"] == loads[0]["id"]  # the same key again: the same load
    figures = fund(funding_client, funding_headers)
    assert (figures["capital_fen"], figures["available_fen"]) == (200, 200)
    assert balances(funding_client)["fund:bridge"] == 200


def test_the_maturity_day_and_the_whole_principal_are_lent_a_fen_more_is_not(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders, clock: Clock
) -> None:
    first = _one_loan(funding_app, funding_client, funding_headers, "2016-05-20")
    # Today (2016-05-20) is the maturity day: 0 days to maturity, still bridged.
    over = apply(funding_client, funding_headers, first, 600_001, 30)
    assert over.status_code == 422 and over.json()["code"] == "bridge_over_principal"
    lent = apply(funding_client, funding_headers, first, 600_000, 30)
    assert lent.status_code == 201, lent.text
    # 600,000 × 600 × 30 / 3,600,000 = 3,000
    body = lent.json()
    assert (body["amount_fen"], body["fee_fen"], body["owed_fen"]) == (600_000, 3_000, 603_000)
    assert (body["lent_on"], body["due_on"], body["days"]) == ("2016-05-20", "2016-06-19", 30)
    assert fund(funding_client, funding_headers)["available_fen"] == 400_000


def test_the_repayment_is_exactly_owed_dated_from_the_lending_day_to_today(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders, clock: Clock
) -> None:
    first = _one_loan(funding_app, funding_client, funding_headers)
    lent = apply(funding_client, funding_headers, first, 100_000, 10)  # fee 166, owed 100,166
    assert lent.status_code == 201, lent.text
    bridge_id = lent.json()["id"]
    clock.advance(3)  # today 2016-05-23
    before = (fund(funding_client, funding_headers), balances(funding_client))
    for amount, on, code in (
        (100_165, "2016-05-21", "bridge_repayment_not_owed"),
        (100_167, "2016-05-21", "bridge_repayment_not_owed"),
        (100_166, "2016-05-19", "bridge_repayment_date_invalid"),
        (100_166, "2016-05-24", "bridge_repayment_date_invalid"),
    ):
        answer = _repay(funding_client, funding_headers, bridge_id, amount, on)
        assert answer.status_code == 422 and answer.json()["code"] == code, answer.text
    assert (fund(funding_client, funding_headers), balances(funding_client)) == before
    paid = _repay(funding_client, funding_headers, bridge_id, 100_166, "2016-05-23")
    assert paid.status_code == 200, paid.text
    assert (paid.json()["status"], paid.json()["repaid_on"]) == ("repaid", "2016-05-23")
    figures = fund(funding_client, funding_headers)
    assert (figures["available_fen"], figures["fee_income_fen"]) == (1_000_000, 166)
    assert (figures["loans_repaid"], figures["loans_outstanding"]) == (1, 0)


def test_a_repayment_on_the_lending_day_between_other_days_is_taken(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders, clock: Clock
) -> None:
    first = _one_loan(funding_app, funding_client, funding_headers)
    lent = apply(funding_client, funding_headers, first, 100_000, 10)
    clock.advance(3)
    paid = _repay(funding_client, funding_headers, lent.json()["id"], 100_166, "2016-05-20")
    assert paid.status_code == 200, paid.text
    assert paid.json()["repaid_on"] == "2016-05-20"


def test_only_the_borrower_applies_and_only_its_bank_renews_either_side(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders, clock: Clock
) -> None:
    world(funding_app, funding_client, funding_headers, 1_000_000)
    file_later(funding_app)
    agree(funding_client, funding_headers, bank_code="ASB", bank_name="安顺银行")
    agree(funding_client, funding_headers, bank_code="TYB", bank_name="太原银行")
    first = registered(funding_client, funding_headers, 1, 600_000, SMALL, "2016-05-31")
    load(funding_client, funding_headers, 1_000_000)
    for uscc in (MICRO, LATER):
        other = apply(funding_client, funding_headers, first, 1_000, 10, uscc)
        assert other.status_code == 422, other.text
        assert other.json()["code"] == "bridge_not_zhubaodai_borrower"
    assert bridges(funding_client, funding_headers) == []
    lent = apply(funding_client, funding_headers, first, 1_000, 10)
    assert lent.status_code == 201, lent.text
    bridge_id = lent.json()["id"]
    for code in ("ASB", "TYB"):
        foreign = renew(funding_client, funding_headers, bridge_id, "2016-05-20", code)
        assert foreign.status_code == 404 and foreign.json()["code"] == "bridge_loan_not_found"
        seen = funding_client.get(
            f"/v1/bridge-loans/{bridge_id}", headers=bank(funding_headers, code, key=False)
        )
        assert seen.status_code == 404 and seen.json()["code"] == "bridge_loan_not_found"
    # Renewed on the lending day itself: taken.
    renewed = renew(funding_client, funding_headers, bridge_id, "2016-05-20")
    assert renewed.status_code == 200, renewed.text
    assert (renewed.json()["status"], renewed.json()["renewed_on"]) == ("renewed", "2016-05-20")


def test_capital_from_a_budgets_bridge_sub_line_opens_no_city_account(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """A budget with the 应急周转 sub-line and no city source: the capital comes from the
    sub-line, and no `source:city` account is opened on the way."""
    budget = {
        "year": 2016,
        "title": "2016 without city money",
        "sources": [{"code": "central", "name": "中央资金", "amount_fen": 1_000_000}],
        "lines": [
            {
                "code": "financing",
                "name": "融资支持资金",
                "amount_fen": 1_000_000,
                "sub_lines": [
                    {"code": "zhubaodai-bridge", "name": "应急周转", "amount_fen": 1_000_000}
                ],
            }
        ],
        "reconciliations": [],
    }
    loaded = funding_client.post(
        "/v1/budgets",
        json=budget,
        headers={**admin(funding_headers), "Idempotency-Key": uuid.uuid4().hex},
    )
    assert loaded.status_code == 201, loaded.text
    capital = load(funding_client, funding_headers, 400_000, year=2016)
    assert capital["from_account"] == "line:2016:financing:zhubaodai-bridge"
    city = funding_client.get("/v1/ledger/accounts/source:city", headers=admin(funding_headers))
    assert city.status_code == 404 and city.json()["code"] == "ledger_account_not_found"
    books = balances(funding_client)
    assert "source:city" not in books
    assert books["line:2016:financing:zhubaodai-bridge"] == 600_000


def test_a_rule_version_computing_a_fee_of_minus_one_fen_is_refused_and_lends_nothing(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders, clock: Clock
) -> None:
    first = _one_loan(funding_app, funding_client, funding_headers)
    version = {
        "family": "funding.bridge",
        "effective_from": "2016-01-01",
        "description": "A broken version: a fee of minus one fen",
        "inputs": {"maturing_principal_fen": "int", "amount_fen": "int", "days": "int"},
        "rules": [
            {"name": "window_days", "expression": "15"},
            {"name": "max_amount_fen", "expression": "maturing_principal_fen"},
            {"name": "max_days", "expression": "30"},
            {"name": "fee_fen", "expression": "-1"},
        ],
    }
    created = funding_client.post("/v1/rule-sets", json=version, headers=admin(funding_headers))
    assert created.status_code == 201, created.text
    before = (fund(funding_client, funding_headers), balances(funding_client))
    refused = apply(funding_client, funding_headers, first, 100_000, 10)
    assert refused.status_code == 409 and refused.json()["code"] == "bridge_rules_invalid"
    assert "fee_fen = -1" in refused.json()["detail"]
    assert (fund(funding_client, funding_headers), balances(funding_client)) == before
    assert bridges(funding_client, funding_headers) == []


def test_a_bridge_loan_is_read_by_its_own_id_not_a_neighbours(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders, clock: Clock
) -> None:
    world(funding_app, funding_client, funding_headers, 1_000_000)
    first = registered(funding_client, funding_headers, 1, 600_000, SMALL, "2016-05-31")
    second = registered(funding_client, funding_headers, 2, 600_000, MICRO, "2016-05-31")
    load(funding_client, funding_headers, 1_000_000)
    ids = sorted(
        apply(funding_client, funding_headers, loan, 100_000, 10, uscc).json()["id"]
        for loan, uscc in ((first, SMALL), (second, MICRO))
    )
    for bridge_id in ids:
        for reader in (admin(funding_headers), bank(funding_headers, "JSB")):
            got = funding_client.get(f"/v1/bridge-loans/{bridge_id}", headers=reader)
            assert got.status_code == 200 and got.json()["id"] == bridge_id
        other = funding_client.get(
            f"/v1/bridge-loans/{bridge_id}", headers=bank(funding_headers, "ASB")
        )
        assert other.status_code == 404 and other.json()["code"] == "bridge_loan_not_found"
    own = funding_client.get("/v1/bridge-loans", headers=bank(funding_headers, "JSB"))
    assert [b["id"] for b in own.json()["items"]] == ids
    # each borrower (MICRO's USCC sorts before SMALL's) reads its own loan only
    for uscc in (MICRO, SMALL):
        reader = enterprise(funding_headers, uscc)
        mine = funding_client.get("/v1/bridge-loans", headers=reader).json()["items"]
        assert [(b["enterprise_uscc"], b["id"] in ids) for b in mine] == [(uscc, True)]
        [theirs] = [i for i in ids if i != mine[0]["id"]]
        hidden = funding_client.get(f"/v1/bridge-loans/{theirs}", headers=reader)
        assert hidden.status_code == 404 and hidden.json()["code"] == "bridge_loan_not_found"
    prefix = ids[0][: ids[0].index("_") + 1]
    for absent in (prefix + "0" * 26, prefix + "Z" * 26):  # before both, after both
        missing = funding_client.get(f"/v1/bridge-loans/{absent}", headers=admin(funding_headers))
        assert missing.status_code == 404 and missing.json()["code"] == "bridge_loan_not_found"
        unrenewable = renew(funding_client, funding_headers, absent, "2016-05-20")
        assert unrenewable.status_code == 404, unrenewable.text
        assert unrenewable.json()["code"] == "bridge_loan_not_found"


def test_the_overdue_job_flags_only_open_loans_due_before_today_and_the_list_filters_them(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders, clock: Clock
) -> None:
    """On 2016-05-31: a loan repaid on time, one overdue, one due today, one due later, one
    flagged and then repaid late. The job flags the two open ones due before today, once; the
    list's `overdue` filter and the fund's figures count only the one still open."""
    world(funding_app, funding_client, funding_headers, 1_000_000)
    load(funding_client, funding_headers, 1_000_000)
    lent: dict[str, dict[str, Any]] = {}
    for label, n, uscc, amount, days in (
        ("on_time", 1, SMALL, 100_000, 10),
        ("overdue", 2, MICRO, 110_000, 10),
        ("due_today", 3, SMALL, 120_000, 11),
        ("due_later", 4, SMALL, 130_000, 20),
        ("repaid_late", 5, MICRO, 140_000, 10),
    ):
        loan = registered(funding_client, funding_headers, n, 200_000, uscc, "2016-05-31")
        answer = apply(funding_client, funding_headers, loan, amount, days, uscc)
        assert answer.status_code == 201, answer.text
        lent[label] = answer.json()
    ids = {label: loan["id"] for label, loan in lent.items()}
    on_time = lent["on_time"]
    paid = _repay(
        funding_client, funding_headers, ids["on_time"], on_time["owed_fen"], "2016-05-20"
    )
    assert paid.status_code == 200, paid.text
    clock.advance(11)  # today 2016-05-31: two open loans were due 2016-05-30
    with funding_app.state.database.transaction() as session:
        assert flag_overdue(session) == 2
    with funding_app.state.database.transaction() as session:
        assert flag_overdue(session) == 0  # once each
    late = lent["repaid_late"]
    paid = _repay(
        funding_client, funding_headers, ids["repaid_late"], late["owed_fen"], "2016-05-31"
    )
    assert paid.status_code == 200, paid.text
    with funding_app.state.database.session(write=False) as session:
        flagged = session.exec(
            select(BridgeLoan.id).where(col(BridgeLoan.overdue_since).is_not(None))
        ).all()
    assert sorted(flagged) == sorted([ids["overdue"], ids["repaid_late"]])

    def listed(query: str) -> list[str]:
        answer = funding_client.get(f"/v1/bridge-loans?{query}", headers=admin(funding_headers))
        assert answer.status_code == 200, answer.text
        return [b["id"] for b in answer.json()["items"]]

    assert listed("overdue=true") == [ids["overdue"]]
    not_overdue = ("on_time", "due_today", "due_later", "repaid_late")
    assert listed("overdue=false") == sorted(ids[label] for label in not_overdue)
    assert listed("") == sorted(ids.values())
    read = {b["id"]: b["overdue"] for b in bridges(funding_client, funding_headers)}
    assert read == {loan_id: loan_id == ids["overdue"] for loan_id in ids.values()}
    figures = fund(funding_client, funding_headers)
    open_ = ("overdue", "due_today", "due_later")
    assert (figures["loans_overdue"], figures["overdue_fen"]) == (1, 110_000)
    assert (figures["loans_outstanding"], figures["outstanding_fen"]) == (
        3,
        sum(lent[label]["amount_fen"] for label in open_),
    )
    assert (figures["loans_repaid"], figures["lent_fen"]) == (2, 600_000)


@pytest.mark.parametrize(
    ("amount_fen", "fee_fen"),
    [(5_999, 0), (6_000, 1)],  # × 600 × 1 / 3,600,000: 0.99… → 0 fen, and 1 fen exactly
    ids=["no-fee-leg", "one-fen-opens-the-income-account"],
)
def test_a_fee_of_no_fen_has_no_fee_leg_and_one_fen_opens_the_income_account(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    clock: Clock,
    amount_fen: int,
    fee_fen: int,
) -> None:
    first = _one_loan(funding_app, funding_client, funding_headers)
    lent = apply(funding_client, funding_headers, first, amount_fen, 1)
    assert lent.status_code == 201, lent.text
    owed = amount_fen + fee_fen
    assert (lent.json()["fee_fen"], lent.json()["owed_fen"]) == (fee_fen, owed)
    paid = _repay(funding_client, funding_headers, lent.json()["id"], owed, "2016-05-20")
    assert paid.status_code == 200, paid.text
    books = balances(funding_client)
    assert books.get("income:bridge-fees") == (fee_fen or None)  # no account without a fee
    # the fund has its principal back; the borrower paid the fee on top of what it was lent
    assert books["fund:bridge"] == 1_000_000 and books[f"borrower:{SMALL}"] == -fee_fen
    assert fund(funding_client, funding_headers)["fee_income_fen"] == fee_fen


def test_a_loan_is_bridged_whatever_other_loans_were_bridged_before_it(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders, clock: Clock
) -> None:
    world(funding_app, funding_client, funding_headers, 1_000_000)
    earlier = registered(funding_client, funding_headers, 1, 600_000, SMALL, "2016-05-31")
    later = registered(funding_client, funding_headers, 2, 600_000, SMALL, "2016-05-31")
    assert earlier < later
    load(funding_client, funding_headers, 1_000_000)
    lent = {}
    for loan in (later, earlier):  # the later-registered loan first
        answer = apply(funding_client, funding_headers, loan, 100_000, 10)
        assert answer.status_code == 201, answer.text
        lent[loan] = answer.json()["id"]
    again = apply(funding_client, funding_headers, later, 100_000, 10)
    assert again.status_code == 409 and again.json()["code"] == "bridge_already_bridged"
    assert again.json()["detail"] == f"Registered loan {later} was bridged by {lent[later]}."


def test_an_empty_fund_reads_all_zero(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    figures = fund(funding_client, funding_headers)
    counts = ("capital_fen", "outstanding_fen", "available_fen", "fee_income_fen")
    more = ("loans_outstanding", "loans_overdue", "overdue_fen", "loans_repaid", "lent_fen")
    assert {name: figures[name] for name in counts + more} == dict.fromkeys(counts + more, 0)


def test_a_repayment_is_late_only_after_the_due_day(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders, clock: Clock
) -> None:
    world(funding_app, funding_client, funding_headers, 1_000_000)
    load(funding_client, funding_headers, 1_000_000)
    lent = {}
    for n, on in ((1, "2016-05-29"), (2, "2016-05-30"), (3, "2016-05-31")):
        loan = registered(funding_client, funding_headers, n, 200_000, SMALL, "2016-05-31")
        answer = apply(funding_client, funding_headers, loan, 100_000, 10)  # due 2016-05-30
        assert answer.status_code == 201, answer.text
        assert answer.json()["due_on"] == "2016-05-30"
        lent[answer.json()["id"]] = on
    clock.advance(11)  # today 2016-05-31
    for bridge_id, on in lent.items():
        paid = _repay(funding_client, funding_headers, bridge_id, 100_166, on)
        assert paid.status_code == 200, paid.text
    repaid = {
        e["bridge_loan_id"]: (e["repaid_on"], e["late"])
        for e in events(funding_app, "bridge_loan.repaid")
    }
    assert repaid == {bridge_id: (on, on == "2016-05-31") for bridge_id, on in lent.items()}


def test_capital_loaded_under_a_key_sorting_before_an_earlier_ones_is_loaded(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    loaded = []
    for key in ("capital-b", "capital-a", "capital-b"):  # the last: a repeat of the first
        answer = funding_client.post(
            "/v1/bridge-fund/capital",
            json={"year": 2016, "amount_fen": 100},
            headers={**admin(funding_headers), "Idempotency-Key": key},
        )
        assert answer.status_code == 201, answer.text
        loaded.append(answer.json()["id"])
    assert loaded[0] != loaded[1] and loaded[2] == loaded[0]
    assert balances(funding_client)["fund:bridge"] == 200
