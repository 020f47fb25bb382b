# ruff: noqa: F811
"""The emergency bridge fund (应急周转) through the API: a bridge loan's full life with the fund's
figures at each step and the fee to the fen, every refusal by its code with nothing changed,
effective-dated parameters, and the ledger zero-sum throughout. Figures by hand here.

The 2015 parameters (`funding.bridge` version 1): apply from 15 days before the registered
loan's maturity, up to its outstanding principal, for at most 30 days, at a fee of
amount × 600 bp × days / (10000 × 360), rounded down to the fen.
"""

import importlib.util
import uuid
from datetime import date
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.rules.engine import check_definition
from services.common.rules.schemas import RuleSetCreate
from services.funding.app import MIGRATIONS
from services.funding.bridge.rules import BRIDGE_2015, BRIDGE_FAMILIES, FAMILY
from services.funding.bridge.service import flag_overdue
from services.funding.demo import load as load_demo
from services.funding.demo import load_bridge_fund
from services.funding.enterprises.service import credit_handlers
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
from tests.funding.feeds import consume
from tests.funding.riskpool_support import MICRO, SMALL, admin, balances, bank, trial_balance


def _repay(
    client: TestClient, headers: FundingHeaders, bridge_id: str, amount_fen: int, on: str
) -> Any:
    return client.post(
        f"/v1/bridge-loans/{bridge_id}/repayment",
        json={"repaid_on": on, "amount_fen": amount_fen},
        headers={**admin(headers), "Idempotency-Key": uuid.uuid4().hex},
    )


def test_a_bridge_loans_full_life_and_the_fund_revolves(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    clock: Clock,
) -> None:
    world(funding_app, funding_client, funding_headers, 1_000_000)
    first = registered(funding_client, funding_headers, 1, 600_000, SMALL, "2016-05-31")
    second = registered(funding_client, funding_headers, 2, 700_000, MICRO, "2016-06-10")
    loaded = load(funding_client, funding_headers, 1_000_000)
    assert (loaded["from_account"], loaded["amount_fen"]) == ("source:city", 1_000_000)
    figures = fund(funding_client, funding_headers)
    assert (figures["capital_fen"], figures["outstanding_fen"], figures["available_fen"]) == (
        1_000_000,
        0,
        1_000_000,
    )

    # 2016-05-20: 11 days before maturity. 500,000 fen for 17 days:
    # fee = 500,000 × 600 × 17 / 3,600,000 = 5,100,000,000 / 3,600,000 = 1,416.67 → 1,416 fen.
    lent = apply(funding_client, funding_headers, first, 500_000, 17)
    assert lent.status_code == 201, lent.text
    loan = lent.json()
    assert lent.headers["Location"].endswith(f"/v1/bridge-loans/{loan['id']}")
    assert (loan["amount_fen"], loan["fee_fen"], loan["owed_fen"]) == (500_000, 1_416, 501_416)
    assert (loan["lent_on"], loan["due_on"], loan["days"]) == ("2016-05-20", "2016-06-06", 17)
    assert (loan["status"], loan["overdue"], loan["rule_set_version"]) == ("lent", False, 1)
    assert (loan["maturing_principal_fen"], loan["loan_maturity_on"]) == (600_000, "2016-05-31")
    assert (loan["bank_code"], loan["enterprise_uscc"]) == ("JSB", SMALL)
    figures = fund(funding_client, funding_headers)
    assert (figures["capital_fen"], figures["outstanding_fen"], figures["available_fen"]) == (
        1_000_000,
        500_000,
        500_000,
    )
    assert figures["loans_outstanding"] == 1 and figures["fee_income_fen"] == 0
    books = balances(funding_client)
    assert books["fund:bridge"] == 500_000 and books[f"borrower:{SMALL}"] == 500_000

    # The loan's bank confirms the renewal; the figures do not move.
    renewed = renew(funding_client, funding_headers, loan["id"])
    assert renewed.status_code == 200, renewed.text
    assert (renewed.json()["status"], renewed.json()["renewed_on"]) == ("renewed", "2016-05-31")
    assert renewed.json()["renewal_contract_no"] == "JSB-ZBD-2016-0001"
    assert fund(funding_client, funding_headers)["available_fen"] == 500_000

    # 2016-06-01: repaid, principal + fee = 501,416 fen.
    clock.day = clock.day.replace(month=6, day=1)
    repaid = _repay(funding_client, funding_headers, loan["id"], 501_416, "2016-06-01")
    assert repaid.status_code == 200, repaid.text
    assert (repaid.json()["status"], repaid.json()["repaid_on"]) == ("repaid", "2016-06-01")
    figures = fund(funding_client, funding_headers)
    assert (figures["capital_fen"], figures["outstanding_fen"], figures["available_fen"]) == (
        1_000_000,
        0,
        1_000_000,
    )
    assert (figures["fee_income_fen"], figures["loans_repaid"]) == (1_416, 1)
    books = balances(funding_client)
    assert books["income:bridge-fees"] == 1_416
    assert books[f"borrower:{SMALL}"] == -1_416  # the fee the borrower brought in
    assert books["fund:bridge"] == 1_000_000

    # The fund revolves: MICRO's loan matures 2016-06-10 (9 days): 700,000 fen for 30 days;
    # fee = 700,000 × 600 × 30 / 3,600,000 = 12,600,000,000 / 3,600,000 = 3,500 fen.
    again = apply(funding_client, funding_headers, second, 700_000, 30, MICRO)
    assert again.status_code == 201, again.text
    assert (again.json()["fee_fen"], again.json()["due_on"]) == (3_500, "2016-07-01")
    figures = fund(funding_client, funding_headers)
    assert (figures["outstanding_fen"], figures["available_fen"], figures["lent_fen"]) == (
        700_000,
        300_000,
        1_200_000,  # more than the capital: it revolved
    )
    assert figures["capital_fen"] - figures["outstanding_fen"] == figures["available_fen"]
    trial_balance(funding_client)

    # The enterprise sees its own; a bank those on its loans; another bank none.
    mine = funding_client.get("/v1/bridge-loans", headers=enterprise(funding_headers, SMALL))
    assert [b["id"] for b in mine.json()["items"]] == [loan["id"]]
    other = funding_client.get(
        f"/v1/bridge-loans/{loan['id']}", headers=bank(funding_headers, "XYZ")
    )
    assert other.status_code == 404 and other.json()["code"] == "bridge_loan_not_found"


def test_every_refusal_has_its_code_and_changes_nothing(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    clock: Clock,
) -> None:
    world(funding_app, funding_client, funding_headers, 1_000_000)
    first = registered(funding_client, funding_headers, 1, 600_000, SMALL, "2016-05-31")
    load(funding_client, funding_headers, 100_000)
    clock.day = clock.day.replace(day=15)  # 2016-05-15: 16 days before maturity
    before = (fund(funding_client, funding_headers), balances(funding_client))

    def refused(answer: Any, status: int, code: str, field: str | None = None) -> None:
        assert answer.status_code == status, answer.text
        assert answer.json()["code"] == code
        if field is not None:
            assert [e["field"] for e in answer.json()["errors"]] == [field]
        assert (fund(funding_client, funding_headers), balances(funding_client)) == before
        assert bridges(funding_client, funding_headers) == []

    too_early = apply(funding_client, funding_headers, first, 50_000, 10)
    refused(too_early, 409, "bridge_not_due_yet")
    assert too_early.json()["detail"].endswith("taken from 15 days before maturity (2016-05-16).")
    clock.advance(1)  # 2016-05-16: 15 days before, inside the window
    before = (fund(funding_client, funding_headers), balances(funding_client))
    # Not the borrower of that loan, or no such loan.
    refused(
        apply(funding_client, funding_headers, first, 50_000, 10, MICRO),
        422,
        "bridge_not_zhubaodai_borrower",
        "body.loan_id",
    )
    refused(
        apply(funding_client, funding_headers, "rpl_nosuchloan", 50_000, 10),
        422,
        "bridge_not_zhubaodai_borrower",
    )
    refused(
        apply(funding_client, funding_headers, first, 600_001, 10),
        422,
        "bridge_over_principal",
        "body.amount_fen",
    )
    refused(
        apply(funding_client, funding_headers, first, 50_000, 31),
        422,
        "bridge_over_max_days",
        "body.days",
    )
    # The fund holds 100,000 fen: 100,001 is short.
    refused(apply(funding_client, funding_headers, first, 100_001, 10), 409, "bridge_fund_short")
    # A bank, an admin or a portal acting for itself does not apply.
    as_bank = funding_client.post(
        "/v1/bridge-loans",
        json={"loan_id": first, "amount_fen": 1, "days": 1},
        headers=bank(funding_headers),
    )
    refused(as_bank, 403, "forbidden_client_kind")
    portal = funding_client.post(
        "/v1/bridge-loans",
        json={"loan_id": first, "amount_fen": 1, "days": 1},
        headers={
            **funding_headers(kind="portal", org=SMALL, client_id="cli_portal"),
            "Idempotency-Key": "p-1",
        },
    )
    refused(portal, 403, "bridge_applicant_not_enterprise")
    # Bad input is a 422 naming the field, never a 500.
    bad = funding_client.post(
        "/v1/bridge-loans",
        json={"loan_id": first, "amount_fen": 0, "days": 0},
        headers=enterprise(funding_headers),
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"body.amount_fen", "body.days"}

    # 100,000 fits exactly (fee 100,000 × 600 × 10 / 3,600,000 = 166.67 → 166); the fund is empty.
    fits = apply(funding_client, funding_headers, first, 100_000, 10)
    assert fits.status_code == 201, fits.text
    assert fits.json()["fee_fen"] == 166
    before = (fund(funding_client, funding_headers), balances(funding_client))
    assert before[0]["available_fen"] == 0
    again = apply(funding_client, funding_headers, first, 1, 1)
    assert again.status_code == 409 and again.json()["code"] == "bridge_already_bridged"
    assert (fund(funding_client, funding_headers), balances(funding_client)) == before

    bridge_id = fits.json()["id"]
    # Another bank does not confirm the renewal; the repayment is exactly principal + fee.
    foreign = renew(funding_client, funding_headers, bridge_id, code="XYZ")
    assert foreign.status_code == 404 and foreign.json()["code"] == "bridge_loan_not_found"
    short = _repay(funding_client, funding_headers, bridge_id, 100_165, "2016-05-16")
    assert short.status_code == 422 and short.json()["code"] == "bridge_repayment_not_owed"
    early = _repay(funding_client, funding_headers, bridge_id, 100_166, "2016-05-15")
    assert early.status_code == 422 and early.json()["code"] == "bridge_repayment_date_invalid"
    assert (fund(funding_client, funding_headers), balances(funding_client)) == before
    paid = _repay(funding_client, funding_headers, bridge_id, 100_166, "2016-05-16")
    assert paid.status_code == 200, paid.text
    twice = _repay(funding_client, funding_headers, bridge_id, 100_166, "2016-05-16")
    assert twice.status_code == 409 and twice.json()["code"] == "bridge_already_repaid"
    late_renewal = renew(funding_client, funding_headers, bridge_id)
    assert late_renewal.status_code == 409 and late_renewal.json()["code"] == "bridge_not_renewable"
    trial_balance(funding_client)


def test_a_loan_past_maturity_or_not_active_is_not_bridged(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    clock: Clock,
) -> None:
    world(funding_app, funding_client, funding_headers, 1_000_000)
    first = registered(funding_client, funding_headers, 1, 600_000, SMALL, "2016-05-31")
    second = registered(funding_client, funding_headers, 2, 300_000, MICRO, "2016-05-25")
    load(funding_client, funding_headers, 1_000_000)
    clock.day = clock.day.replace(month=6, day=1)
    late = apply(funding_client, funding_headers, first, 10_000, 5)
    assert late.status_code == 409 and late.json()["code"] == "bridge_loan_past_maturity"
    repaid = funding_client.post(
        f"/v1/risk-pool/loans/{second}/repayments",
        json={"amount_fen": 300_000, "repaid_on": "2016-05-20"},
        headers=bank(funding_headers),
    )
    assert repaid.status_code == 200, repaid.text
    done = apply(funding_client, funding_headers, second, 10_000, 5, MICRO)
    assert done.status_code == 409 and done.json()["code"] == "bridge_guaranteed_loan_not_active"
    assert bridges(funding_client, funding_headers) == []


def test_the_fee_follows_the_parameters_in_force_on_the_application_day(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    clock: Clock,
) -> None:
    world(funding_app, funding_client, funding_headers, 1_000_000)
    first = registered(funding_client, funding_headers, 1, 600_000, SMALL, "2016-05-31")
    second = registered(funding_client, funding_headers, 2, 700_000, MICRO, "2016-06-10")
    load(funding_client, funding_headers, 2_000_000)
    # Version 2 from 2016-06-01: 900 bp a year, 20 days' window, 60 days at most.
    saved = funding_client.post(
        "/v1/rule-sets",
        json={
            "family": "funding.bridge",
            "effective_from": "2016-06-01",
            "description": "2016-06 bridge terms",
            "inputs": {"maturing_principal_fen": "int", "amount_fen": "int", "days": "int"},
            "parameters": {"fee_bp_per_year": {"type": "int", "value": 900}},
            "rules": [
                {"name": "window_days", "expression": "20"},
                {"name": "max_amount_fen", "expression": "maturing_principal_fen"},
                {"name": "max_days", "expression": "60"},
                {"name": "fee_fen", "expression": "amount_fen * fee_bp_per_year * days / 3600000"},
            ],
        },
        headers=admin(funding_headers),
    )
    assert saved.status_code == 201, saved.text
    assert saved.json()["version"] == 2
    # 2016-05-20, version 1: 600,000 × 600 × 30 / 3,600,000 = 3,000 fen.
    old = apply(funding_client, funding_headers, first, 600_000, 30)
    assert old.status_code == 201, old.text
    assert (old.json()["fee_fen"], old.json()["rule_set_version"]) == (3_000, 1)
    # 2016-06-01, version 2: 700,000 × 900 × 45 / 3,600,000 = 7,875 fen (45 days: over v1's 30).
    clock.day = clock.day.replace(month=6, day=1)
    new = apply(funding_client, funding_headers, second, 700_000, 45, MICRO)
    assert new.status_code == 201, new.text
    assert (new.json()["fee_fen"], new.json()["rule_set_version"]) == (7_875, 2)
    used = funding_client.get(
        "/v1/rule-sets", params={"family": "funding.bridge"}, headers=admin(funding_headers)
    ).json()["items"]
    assert {r["version"]: r["in_use"] for r in used} == {1: True, 2: True}


def test_the_overdue_job_flags_a_loan_once_the_day_after_it_was_due(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    clock: Clock,
) -> None:
    world(funding_app, funding_client, funding_headers, 1_000_000)
    first = registered(funding_client, funding_headers, 1, 600_000, SMALL, "2016-05-31")
    load(funding_client, funding_headers, 1_000_000)
    lent = apply(funding_client, funding_headers, first, 500_000, 17)  # due 2016-06-06
    assert lent.status_code == 201, lent.text
    database = funding_app.state.database

    def run() -> int:
        with database.transaction() as session:
            return flag_overdue(session)

    clock.day = clock.day.replace(month=6, day=6)
    assert run() == 0  # due today: not overdue yet
    clock.advance(1)
    assert run() == 1
    assert run() == 0  # once
    loan = funding_client.get(
        f"/v1/bridge-loans/{lent.json()['id']}", headers=admin(funding_headers)
    ).json()
    assert (loan["overdue"], loan["overdue_since"]) == (True, "2016-06-07")
    figures = fund(funding_client, funding_headers)
    assert (figures["loans_overdue"], figures["overdue_fen"]) == (1, 500_000)
    events = funding_client.get(
        "/v1/events",
        params={"after": 0, "limit": 500},
        headers=funding_headers(kind="service", org=None, scopes=("events:read",)),
    ).json()["items"]
    [overdue] = [e for e in events if e["type"] == "bridge_loan.overdue"]
    assert overdue["payload"]["bridge_loan_id"] == lent.json()["id"]
    assert (overdue["payload"]["owed_fen"], overdue["payload"]["overdue_since"]) == (
        501_416,
        "2016-06-07",
    )
    listed = funding_client.get(
        "/v1/bridge-loans", params={"overdue": "true"}, headers=admin(funding_headers)
    ).json()["items"]
    assert [b["id"] for b in listed] == [lent.json()["id"]]
    # Repaid late: no longer overdue, the fund whole again plus the fee.
    late = _repay(funding_client, funding_headers, lent.json()["id"], 501_416, "2016-06-07")
    assert late.status_code == 200, late.text
    assert late.json()["overdue"] is False
    figures = fund(funding_client, funding_headers)
    assert (figures["loans_overdue"], figures["available_fen"], figures["fee_income_fen"]) == (
        0,
        1_000_000,
        1_416,
    )
    trial_balance(funding_client)


def test_the_migration_literal_is_the_checked_2015_default_of_the_code(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    path = MIGRATIONS / "versions" / "0011_bridge_loans.py"
    spec = importlib.util.spec_from_file_location("funding_0011", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    data = RuleSetCreate(family=FAMILY, effective_from=date(2015, 1, 1), **BRIDGE_2015)
    assert check_definition(data, spec=BRIDGE_FAMILIES[FAMILY]) == module.BRIDGE_2015
    page = funding_client.get(
        "/v1/rule-sets",
        params={"family": FAMILY, "on": "2026-01-01"},
        headers=admin(funding_headers),
    )
    [loaded] = page.json()["items"]
    assert (loaded["version"], loaded["effective_from"], loaded["effective_to"]) == (
        1,
        "2015-01-01",
        None,
    )


def test_the_demo_loads_the_2015_bridge_measure_into_the_fund_once(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    database = funding_app.state.database
    load_demo(database)
    for _ in range(2):  # loading twice loads nothing new
        load_bridge_fund(database)
    loads = funding_client.get("/v1/bridge-fund/capital", headers=admin(funding_headers)).json()
    # 0.1亿 = 1,000,000,000 fen, the whole sub-line.
    assert [(c["year"], c["amount_fen"], c["from_account"]) for c in loads] == [
        (2015, 1_000_000_000, "line:2015:financing:zhubaodai-bridge")
    ]
    books = balances(funding_client)
    assert books["fund:bridge"] == 1_000_000_000
    assert books["line:2015:financing:zhubaodai-bridge"] == 0
    figures = fund(funding_client, funding_headers)
    assert (figures["capital_fen"], figures["available_fen"]) == (1_000_000_000, 1_000_000_000)


def test_an_application_retried_with_its_idempotency_key_lends_once(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    clock: Clock,
) -> None:
    world(funding_app, funding_client, funding_headers, 1_000_000)
    first = registered(funding_client, funding_headers, 1, 600_000)
    load(funding_client, funding_headers, 1_000_000)
    headers = enterprise(funding_headers)
    body = {"loan_id": first, "amount_fen": 200_000, "days": 10}
    once = funding_client.post("/v1/bridge-loans", json=body, headers=headers)
    again = funding_client.post("/v1/bridge-loans", json=body, headers=headers)
    assert (once.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == once.json()["id"]
    assert fund(funding_client, funding_headers)["available_fen"] == 800_000
    other = funding_client.post("/v1/bridge-loans", json={**body, "days": 11}, headers=headers)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    missing = funding_client.post(
        "/v1/bridge-loans",
        json=body,
        headers=funding_headers(kind="enterprise", org=SMALL, client_id="cli_ent_119q"),
    )
    assert missing.status_code == 400 and missing.json()["code"] == "idempotency_key_required"
    assert len(bridges(funding_client, funding_headers)) == 1


def test_a_portal_applies_on_behalf_and_a_listed_borrower_is_refused(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    clock: Clock,
) -> None:
    world(funding_app, funding_client, funding_headers, 1_000_000)
    first = registered(funding_client, funding_headers, 1, 600_000, SMALL)
    second = registered(funding_client, funding_headers, 2, 600_000, MICRO)
    load(funding_client, funding_headers, 1_000_000)
    on_behalf = funding_client.post(
        "/v1/bridge-loans",
        json={"loan_id": first, "amount_fen": 300_000, "days": 10},
        headers={
            **funding_headers(kind="portal", org=SMALL, client_id="cli_portal", actor="cli_portal"),
            "Idempotency-Key": "portal-1",
        },
    )
    assert on_behalf.status_code == 201, on_behalf.text
    assert (on_behalf.json()["enterprise_uscc"], on_behalf.json()["actor"]) == (SMALL, "cli_portal")
    # MICRO is listed as seriously dishonest after its loan was registered.
    listed = {"uscc": MICRO, "source": "courts", "record_id": "crr_9",
              "enterprise_listed": True, "listed_on": "2016-01-05", "ended_on": None}  # fmt: skip
    consume(funding_app, "funding.credit.2", credit_handlers(), [("dishonesty.listed", listed)])
    before = fund(funding_client, funding_headers)
    refused = apply(funding_client, funding_headers, second, 100_000, 10, MICRO)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "bridge_borrower_on_dishonesty_list"
    assert fund(funding_client, funding_headers) == before
