"""The 助保贷 risk pool through the API: leverage headroom, the split of a default and of later
recoveries to the fen, every refusal by its code with nothing changed, the ledger zero-sum after
each scenario, and the compensation in the public ledger once paid. Figures by hand here."""

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.funding.demo import load as load_demo
from services.funding.demo import load_risk_pool
from services.funding.enterprises.service import registry_handlers
from tests.funding.conftest import FundingHeaders
from tests.funding.feeds import consume
from tests.funding.riskpool_support import (
    LATER,
    LISTED,
    MEDIUM,
    MICRO,
    SMALL,
    UNFILED,
    admin,
    agree,
    balances,
    bank,
    deposit,
    file_enterprises,
    file_later,
    loan_body,
    pool,
    register,
    trial_balance,
)


def _setup(app: FastAPI, client: TestClient, headers: FundingHeaders, pool_fen: int) -> None:
    file_enterprises(app)
    agree(client, headers)
    deposit(client, headers, pool_fen)


def test_leverage_headroom_refuses_the_loan_that_would_pass_it_and_accepts_the_one_that_fits(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    # Pool 100,000 fen × 10 = capacity 1,000,000 fen.
    _setup(funding_app, funding_client, funding_headers, 100_000)
    first = register(funding_client, funding_headers, loan_body(1, 600_000, SMALL))
    assert first.status_code == 201, first.text
    assert first.json()["outstanding_fen"] == 600_000
    assert first.json()["agreement_version"] == 1 and first.json()["pool_share_bp"] == 6000
    assert first.headers["Location"].endswith(f"/v1/risk-pool/loans/{first.json()['id']}")
    figures = pool(funding_client, funding_headers)
    assert (figures["outstanding_fen"], figures["headroom_fen"]) == (600_000, 400_000)

    before = balances(funding_client)
    # 600,000 + 400,001 = 1,000,001 > 1,000,000: refused, nothing recorded.
    over = register(funding_client, funding_headers, loan_body(2, 400_001, MICRO))
    assert over.status_code == 409, over.text
    assert over.json()["code"] == "loan_over_leverage_headroom"
    assert pool(funding_client, funding_headers) == figures
    assert balances(funding_client) == before
    listed = funding_client.get("/v1/risk-pool/loans", headers=admin(funding_headers)).json()
    assert [loan["contract_no"] for loan in listed["items"]] == ["JSB-ZBD-0001"]

    # 600,000 + 400,000 = 1,000,000: fits exactly.
    fits = register(funding_client, funding_headers, loan_body(3, 400_000, MICRO))
    assert fits.status_code == 201, fits.text
    figures = pool(funding_client, funding_headers)
    assert (figures["outstanding_fen"], figures["headroom_fen"]) == (1_000_000, 0)
    assert figures["capacity_fen"] == 1_000_000 and figures["balance_fen"] == 100_000
    (jsb,) = figures["banks"]
    assert (jsb["bank_code"], jsb["loans_active"], jsb["outstanding_fen"]) == ("JSB", 2, 1_000_000)
    assert jsb["leverage_multiple"] == 10 and jsb["headroom_fen"] == 0

    # A repayment of 250,000 reduces the outstanding and frees that much headroom.
    loan_id = first.json()["id"]
    repaid = funding_client.post(
        f"/v1/risk-pool/loans/{loan_id}/repayments",
        json={"amount_fen": 250_000, "repaid_on": "2015-09-01"},
        headers=bank(funding_headers),
    )
    assert repaid.status_code == 200, repaid.text
    assert (repaid.json()["outstanding_fen"], repaid.json()["repaid_fen"]) == (350_000, 250_000)
    assert pool(funding_client, funding_headers)["headroom_fen"] == 250_000
    # The rest repaid: the loan is repaid; repaying more is refused.
    rest = funding_client.post(
        f"/v1/risk-pool/loans/{loan_id}/repayments",
        json={"amount_fen": 350_000, "repaid_on": "2016-05-31"},
        headers=bank(funding_headers),
    )
    assert rest.json()["status"] == "repaid" and rest.json()["outstanding_fen"] == 0
    again = funding_client.post(
        f"/v1/risk-pool/loans/{loan_id}/repayments",
        json={"amount_fen": 1, "repaid_on": "2016-06-01"},
        headers=bank(funding_headers),
    )
    assert again.status_code == 409 and again.json()["code"] == "loan_not_active"
    assert pool(funding_client, funding_headers)["outstanding_fen"] == 400_000
    trial_balance(funding_client)


def _approve_and_pay(
    client: TestClient, headers: FundingHeaders, disbursement_id: str, reference: str
) -> dict[str, Any]:
    url = f"/v1/disbursements/{disbursement_id}"
    approved = client.post(
        f"{url}/approval",
        json={},
        headers={**admin(headers, 2), "If-Match": f'"{disbursement_id}.1"'},
    )
    assert approved.status_code == 200, approved.text
    paid = client.post(
        f"{url}/payment",
        json={"payment_reference": reference, "paid_on": "2016-07-15"},
        headers={
            **admin(headers, 2),
            "If-Match": approved.headers["ETag"],
            "Idempotency-Key": f"pay-{reference}",
        },
    )
    assert paid.status_code == 200, paid.text
    return dict(paid.json())


def test_a_default_splits_the_loss_by_the_agreed_share_and_recoveries_split_back(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app, funding_client, funding_headers, 1_000_000)
    loan = register(funding_client, funding_headers, loan_body(1, 500_000, SMALL)).json()
    url = f"/v1/risk-pool/loans/{loan['id']}"
    funding_client.post(
        f"{url}/repayments",
        json={"amount_fen": 166_667, "repaid_on": "2015-12-01"},
        headers=bank(funding_headers),
    )
    # Outstanding 333,333; the loss is all of it. Pool 60%: 333,333 × 6000 / 10000 = 199,999.8
    # → 199,999 (rounded down); the bank bears 333,333 − 199,999 = 133,334.
    over = funding_client.post(
        f"{url}/default",
        json={"loss_fen": 333_334, "defaulted_on": "2016-06-30"},
        headers=bank(funding_headers),
    )
    assert over.status_code == 409 and over.json()["code"] == "loss_over_outstanding"
    defaulted = funding_client.post(
        f"{url}/default",
        json={"loss_fen": 333_333, "defaulted_on": "2016-06-30"},
        headers=bank(funding_headers),
    )
    assert defaulted.status_code == 200, defaulted.text
    claim = defaulted.json()["claim"]
    assert defaulted.json()["status"] == "defaulted" and defaulted.json()["outstanding_fen"] == 0
    assert (claim["loss_fen"], claim["pool_share_fen"], claim["bank_share_fen"]) == (
        333_333,
        199_999,
        133_334,
    )
    books = balances(funding_client)
    assert books["pool:risk"] == 1_000_000 - 199_999 and books["payable"] == 199_999
    figures = pool(funding_client, funding_headers)
    assert figures["outstanding_fen"] == 0 and figures["balance_fen"] == 800_001
    assert (figures["losses_fen"], figures["compensation_fen"]) == (333_333, 199_999)
    # (333,333 − 0 recovered) / 500,000 registered = 0.666666 → 6666 bp (rounded down)
    assert figures["loss_rate_bp"] == 6666

    # Not paid yet: recoveries wait.
    early = funding_client.post(
        f"{url}/recoveries",
        json={"amount_fen": 1, "recovered_on": "2016-07-01"},
        headers=bank(funding_headers),
    )
    assert early.status_code == 409 and early.json()["code"] == "compensation_not_paid"

    disbursement_id = claim["disbursement_id"]
    # The bank reported the default (the proposer): one admin approves and pays.
    paid = _approve_and_pay(funding_client, funding_headers, disbursement_id, "JSB-PAY-0001")
    assert (paid["status"], paid["payee_uscc"], paid["amount_fen"]) == ("paid", "JSB", 199_999)
    assert paid["account"] == "pool:risk" and paid["purpose"] == "zhubaodai_compensation"
    records = funding_client.get("/v1/public/ledger/records").json()["items"]
    (record,) = [r for r in records if r["disbursement_id"] == disbursement_id]
    assert (record["payee_uscc"], record["amount_fen"]) == ("JSB", 199_999)
    assert record["programme"] == "小微企业创业创新基地城市示范：“助保贷”风险补偿"
    assert balances(funding_client)["payee:JSB"] == 199_999

    # Recovery 100,001: the pool's part is 100,001 × 0.6 = 60,000.6 → 60,000; the bank 40,001.
    first = funding_client.post(
        f"{url}/recoveries",
        json={"amount_fen": 100_001, "recovered_on": "2017-01-10"},
        headers=bank(funding_headers),
    )
    assert first.status_code == 200, first.text
    (rec,) = first.json()["claim"]["recoveries"]
    assert (rec["pool_part_fen"], rec["bank_part_fen"]) == (60_000, 40_001)
    books = balances(funding_client)
    assert books["pool:risk"] == 800_001 + 60_000 and books["payee:JSB"] == 199_999 - 60_000
    # (333,333 − 100,001 recovered) / 500,000 registered = 0.466664 → 4666 bp
    assert pool(funding_client, funding_headers)["loss_rate_bp"] == 4666
    # The rest, 233,332: the pool has had back 333,333 × 0.6 → 199,999 in all, so this part is
    # 199,999 − 60,000 = 139,999 and the bank's 233,332 − 139,999 = 93,333.
    second = funding_client.post(
        f"{url}/recoveries",
        json={"amount_fen": 233_332, "recovered_on": "2017-03-10"},
        headers=bank(funding_headers),
    )
    assert second.status_code == 200, second.text
    last = second.json()["claim"]["recoveries"][-1]
    assert (last["pool_part_fen"], last["bank_part_fen"]) == (139_999, 93_333)
    books = balances(funding_client)
    assert books["pool:risk"] == 1_000_000 and books["payee:JSB"] == 0
    beyond = funding_client.post(
        f"{url}/recoveries",
        json={"amount_fen": 1, "recovered_on": "2017-04-01"},
        headers=bank(funding_headers),
    )
    assert beyond.status_code == 409 and beyond.json()["code"] == "recovery_over_loss"
    figures = pool(funding_client, funding_headers)
    assert (figures["pool_recovered_fen"], figures["loss_rate_bp"]) == (199_999, 0)
    trial_balance(funding_client)


def test_two_defaulted_loans_each_keep_their_own_repayments_and_recoveries(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """Each loan's repayments and recoveries are its own: a recovery draws on its own claim, and
    each loan reads back only its own, in whichever order the two loans' and claims' ids sort."""
    _setup(funding_app, funding_client, funding_headers, 1_000_000)
    urls = []
    for n, uscc in ((1, SMALL), (2, MICRO)):
        loan = register(funding_client, funding_headers, loan_body(n, 100_000, uscc)).json()
        url = f"/v1/risk-pool/loans/{loan['id']}"
        repaid = funding_client.post(
            f"{url}/repayments",
            json={"amount_fen": n * 10_000, "repaid_on": "2015-12-01"},
            headers=bank(funding_headers),
        )
        assert repaid.status_code == 200, repaid.text
        defaulted = funding_client.post(
            f"{url}/default",
            json={"loss_fen": 100_000 - n * 10_000, "defaulted_on": "2016-06-30"},
            headers=bank(funding_headers),
        )
        assert defaulted.status_code == 200, defaulted.text
        disbursement_id = defaulted.json()["claim"]["disbursement_id"]
        _approve_and_pay(funding_client, funding_headers, disbursement_id, f"JSB-PAY-000{n}")
        urls.append(url)
    for url, amount in zip(urls, (10_000, 20_000), strict=True):
        recovered = funding_client.post(
            f"{url}/recoveries",
            json={"amount_fen": amount, "recovered_on": "2017-01-10"},
            headers=bank(funding_headers),
        )
        assert recovered.status_code == 200, recovered.text
    for url, amount in zip(urls, (10_000, 20_000), strict=True):
        read = funding_client.get(url, headers=bank(funding_headers, key=False))
        assert read.status_code == 200, read.text
        recoveries = read.json()["claim"]["recoveries"]
        assert [r["amount_fen"] for r in recoveries] == [amount], recoveries
        repayments = read.json()["repayments"]
        assert [r["amount_fen"] for r in repayments] == [amount], repayments
    # 60% of each loss (90,000 and 80,000) was paid, 60% of each recovery flows back.
    assert balances(funding_client)["pool:risk"] == 1_000_000 - 54_000 - 48_000 + 6_000 + 12_000
    trial_balance(funding_client)


def test_every_refusal_has_its_code_and_changes_nothing(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app, funding_client, funding_headers, 1_000_000)
    file_later(funding_app)
    gone = {"uscc": LATER, "version": 2, "reason": "closed"}
    consume(
        funding_app,
        "funding.registry.gone",
        registry_handlers(),
        [("enterprise.deregistered", gone)],
    )
    kept = register(funding_client, funding_headers, loan_body(1, 700_000, SMALL))
    assert kept.status_code == 201
    refusals = [
        (loan_body(2, 1000, UNFILED), 422, "loan_enterprise_not_filed"),
        (loan_body(13, 1000, LATER), 422, "loan_enterprise_not_filed"),  # deregistered
        (loan_body(3, 1000, MEDIUM), 422, "loan_enterprise_not_small_or_micro"),
        (loan_body(4, 1000, LISTED), 409, "loan_enterprise_on_dishonesty_list"),
        (loan_body(5, 1000, MICRO, rate_bp=651), 422, "loan_rate_over_cap"),
        (loan_body(6, 700_001, MICRO), 422, "loan_over_per_loan_cap"),
        (loan_body(7, 1000, MICRO, start_on="2014-12-31"), 409, "no_bank_agreement"),
        (loan_body(1, 1000, MICRO), 409, "loan_already_registered"),
        (loan_body(8, 1000, MICRO, maturity_on="2015-06-01"), 422, "validation_failed"),
    ]
    # SMALL has 700,000 outstanding with JSB: 700,000 × 2 = 1,400,000 ≤ 2,000,000 fits, but
    # a third loan of 600,001 would make 2,000,001 > 2,000,000.
    second = register(funding_client, funding_headers, loan_body(9, 700_000, SMALL))
    assert second.status_code == 201, second.text
    refusals.append((loan_body(10, 600_001, SMALL), 409, "loan_over_enterprise_cap"))
    figures, books = pool(funding_client, funding_headers), balances(funding_client)
    for body, status, code in refusals:
        answer = register(funding_client, funding_headers, body)
        assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text
        assert pool(funding_client, funding_headers) == figures
        assert balances(funding_client) == books
    listed = funding_client.get("/v1/risk-pool/loans", headers=admin(funding_headers)).json()
    assert len(listed["items"]) == 2
    # Only a bank registers (an admin holds no funding:loans); no Idempotency-Key is 400/428.
    as_admin = funding_client.post(
        "/v1/risk-pool/loans",
        json=loan_body(11, 1000, MICRO),
        headers={**admin(funding_headers), "Idempotency-Key": "k1"},
    )
    assert as_admin.status_code == 403 and as_admin.json()["code"] == "forbidden_client_kind"
    keyless = funding_client.post(
        "/v1/risk-pool/loans",
        json=loan_body(12, 1000, MICRO),
        headers=bank(funding_headers, key=False),
    )
    assert keyless.status_code in (400, 428)
    assert pool(funding_client, funding_headers) == figures


def test_a_bank_sees_its_own_loans_and_pool_row_only(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app, funding_client, funding_headers, 1_000_000)
    agree(funding_client, funding_headers, bank_code="TYB", bank_name="太原银行")
    jsb = register(funding_client, funding_headers, loan_body(1, 100_000, SMALL)).json()
    tyb = register(funding_client, funding_headers, loan_body(1, 200_000, MICRO), code="TYB")
    assert tyb.status_code == 201, tyb.text
    own = funding_client.get(
        "/v1/risk-pool/loans", headers=bank(funding_headers, "TYB", key=False)
    ).json()
    assert [loan["id"] for loan in own["items"]] == [tyb.json()["id"]]
    other = funding_client.get(
        f"/v1/risk-pool/loans/{jsb['id']}", headers=bank(funding_headers, "TYB", key=False)
    )
    assert other.status_code == 404 and other.json()["code"] == "risk_loan_not_found"
    repay = funding_client.post(
        f"/v1/risk-pool/loans/{jsb['id']}/repayments",
        json={"amount_fen": 1, "repaid_on": "2015-07-01"},
        headers=bank(funding_headers, "TYB"),
    )
    assert repay.status_code == 404 and repay.json()["code"] == "risk_loan_not_found"
    seen = funding_client.get("/v1/risk-pool", headers=bank(funding_headers, "TYB", key=False))
    assert seen.status_code == 200
    assert [row["bank_code"] for row in seen.json()["banks"]] == ["TYB"]
    assert seen.json()["outstanding_fen"] == 300_000
    everyone = pool(funding_client, funding_headers)
    assert [(b["bank_code"], b["outstanding_fen"]) for b in everyone["banks"]] == [
        ("JSB", 100_000),
        ("TYB", 200_000),
    ]
    # A department, which is no bank, reads every bank's loans, as the office does.
    department = funding_headers(kind="department", org="xiaodian")
    listed = funding_client.get("/v1/risk-pool/loans", headers=department).json()
    assert sorted(loan["id"] for loan in listed["items"]) == sorted([jsb["id"], tyb.json()["id"]])
    one = funding_client.get(f"/v1/risk-pool/loans/{jsb['id']}", headers=department)
    assert one.status_code == 200 and one.json()["bank_code"] == "JSB"


def test_a_default_the_pool_cannot_cover_is_refused_whole(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    # Pool 10,000; a 100,000 loan fits (capacity 100,000); its total loss's 60% is 60,000.
    _setup(funding_app, funding_client, funding_headers, 10_000)
    loan = register(funding_client, funding_headers, loan_body(1, 100_000, SMALL)).json()
    books = balances(funding_client)
    refused = funding_client.post(
        f"/v1/risk-pool/loans/{loan['id']}/default",
        json={"loss_fen": 100_000, "defaulted_on": "2016-01-10"},
        headers=bank(funding_headers),
    )
    assert refused.status_code == 409 and refused.json()["code"] == "ledger_insufficient_funds"
    assert balances(funding_client) == books
    read = funding_client.get(f"/v1/risk-pool/loans/{loan['id']}", headers=admin(funding_headers))
    assert read.json()["status"] == "active" and read.json()["claim"] is None
    assert pool(funding_client, funding_headers)["outstanding_fen"] == 100_000


def test_the_demo_seed_loads_the_plans_pool_once(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    database = funding_app.state.database
    load_demo(database)
    for _ in range(2):  # loading twice loads nothing new
        load_risk_pool(database)
    deposits = funding_client.get("/v1/risk-pool/deposits", headers=admin(funding_headers))
    # The plan: 2.32亿 stock + 0.4 + 0.45 + 0.5亿 = 3.67亿 (1亿 = 10,000,000,000 fen).
    assert [(d["year"], d["amount_fen"], d["from_account"]) for d in deposits.json()] == [
        (2014, 23_200_000_000, "source:city"),
        (2015, 4_000_000_000, "line:2015:financing:zhubaodai-pool"),
        (2016, 4_500_000_000, "source:city"),
        (2017, 5_000_000_000, "source:city"),
    ]
    books = balances(funding_client)
    assert books["pool:risk"] == 36_700_000_000
    assert books["line:2015:financing:zhubaodai-pool"] == 0
    figures = pool(funding_client, funding_headers)
    assert figures["capacity_fen"] == 367_000_000_000  # lent out 10× = 36.7亿
    agreement = funding_client.get("/v1/bank-agreements/JSB", headers=admin(funding_headers))
    assert agreement.json()["in_force"]["leverage_multiple"] == 10


def test_a_registration_retried_with_its_key_registers_once(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app, funding_client, funding_headers, 100_000)
    headers = bank(funding_headers)
    body = loan_body(1, 300_000, SMALL)
    first = funding_client.post("/v1/risk-pool/loans", json=body, headers=headers)
    again = funding_client.post("/v1/risk-pool/loans", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert pool(funding_client, funding_headers)["outstanding_fen"] == 300_000
    other = funding_client.post(
        "/v1/risk-pool/loans", json={**body, "principal_fen": 1}, headers=headers
    )
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert pool(funding_client, funding_headers)["outstanding_fen"] == 300_000
