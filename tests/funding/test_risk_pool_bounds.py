"""The risk pool's boundaries and filters through the API, each with neighbours on both sides:
banks sorting before and after the one filtered or capped, enterprises before and after, loan
statuses before and after; caps exactly at the limit and one fen (bp) past it; the pool's figures
before any default and once the headroom is gone. Figures by hand."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.funding.demo import load as load_demo
from tests.funding.conftest import FundingHeaders
from tests.funding.rewards_support import move, open_account
from tests.funding.riskpool_support import (
    LATER,
    MICRO,
    SMALL,
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
)


def _three_banks(app: FastAPI, client: TestClient, headers: FundingHeaders, pool_fen: int) -> None:
    """ASB sorts before JSB, TYB after it; each with the same terms."""
    file_enterprises(app)
    file_later(app)
    agree(client, headers)
    agree(client, headers, bank_code="ASB", bank_name="安顺银行")
    agree(client, headers, bank_code="TYB", bank_name="太原银行")
    deposit(client, headers, pool_fen)


def _ok(answer: Any) -> dict[str, Any]:
    assert answer.status_code in (200, 201), answer.text
    return dict(answer.json())


def _ids(client: TestClient, headers: FundingHeaders, query: str) -> list[str]:
    answer = client.get(f"/v1/risk-pool/loans?{query}", headers=admin(headers))
    assert answer.status_code == 200, answer.text
    return [loan["id"] for loan in answer.json()["items"]]


def test_the_bank_enterprise_and_status_filters_keep_neighbours_on_both_sides_out(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _three_banks(funding_app, funding_client, funding_headers, 1_000_000)
    asb = _ok(register(funding_client, funding_headers, loan_body(1, 100_000, SMALL), "ASB"))
    jsb = _ok(register(funding_client, funding_headers, loan_body(1, 100_000, SMALL)))
    tyb = _ok(register(funding_client, funding_headers, loan_body(1, 100_000, SMALL), "TYB"))
    micro = _ok(register(funding_client, funding_headers, loan_body(2, 100_000, MICRO)))
    later = _ok(register(funding_client, funding_headers, loan_body(3, 100_000, LATER)))
    assert _ids(funding_client, funding_headers, "bank=JSB") == sorted(
        [jsb["id"], micro["id"], later["id"]]
    )
    assert _ids(funding_client, funding_headers, "bank=ASB") == [asb["id"]]
    assert _ids(funding_client, funding_headers, "bank=TYB") == [tyb["id"]]
    assert _ids(funding_client, funding_headers, f"enterprise={SMALL}") == sorted(
        [asb["id"], jsb["id"], tyb["id"]]
    )
    assert _ids(funding_client, funding_headers, f"bank=JSB&enterprise={SMALL}") == [jsb["id"]]
    assert _ids(funding_client, funding_headers, f"enterprise={MICRO}") == [micro["id"]]
    assert _ids(funding_client, funding_headers, f"enterprise={LATER}") == [later["id"]]

    # Statuses sort active < defaulted < repaid: one loan of each, the middle one filtered.
    repaid = funding_client.post(
        f"/v1/risk-pool/loans/{micro['id']}/repayments",
        json={"amount_fen": 100_000, "repaid_on": "2015-09-01"},
        headers=bank(funding_headers),
    )
    assert _ok(repaid)["status"] == "repaid"
    defaulted = funding_client.post(
        f"/v1/risk-pool/loans/{later['id']}/default",
        json={"loss_fen": 100_000, "defaulted_on": "2016-06-30"},
        headers=bank(funding_headers),
    )
    assert _ok(defaulted)["status"] == "defaulted"
    assert _ids(funding_client, funding_headers, "status=defaulted") == [later["id"]]
    assert _ids(funding_client, funding_headers, "status=repaid") == [micro["id"]]
    assert _ids(funding_client, funding_headers, "status=active") == sorted(
        [asb["id"], jsb["id"], tyb["id"]]
    )
    # A bank sees its own loans only, whichever side of it the others sort.
    for code, own in (("ASB", [asb["id"]]), ("TYB", [tyb["id"]])):
        seen = funding_client.get(
            "/v1/risk-pool/loans", headers=bank(funding_headers, code, key=False)
        )
        assert [loan["id"] for loan in seen.json()["items"]] == own
    seen = funding_client.get("/v1/risk-pool/loans", headers=bank(funding_headers, key=False))
    assert [loan["id"] for loan in seen.json()["items"]] == sorted(
        [jsb["id"], micro["id"], later["id"]]
    )


def test_the_pool_reads_no_losses_before_a_default_and_each_bank_only_its_own(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _three_banks(funding_app, funding_client, funding_headers, 1_000_000)
    register(funding_client, funding_headers, loan_body(1, 100_000, SMALL), "ASB")
    register(funding_client, funding_headers, loan_body(1, 200_000, SMALL))
    figures = pool(funding_client, funding_headers)
    assert (figures["losses_fen"], figures["compensation_fen"]) == (0, 0)
    assert (figures["pool_recovered_fen"], figures["loss_rate_bp"]) == (0, 0)
    assert figures["principal_registered_fen"] == 300_000
    rows = {row["bank_code"]: row for row in figures["banks"]}
    assert sorted(rows) == ["ASB", "JSB", "TYB"]
    for code, registered in (("ASB", 100_000), ("JSB", 200_000), ("TYB", 0)):
        row = rows[code]
        assert row["principal_registered_fen"] == registered
        assert (row["losses_fen"], row["compensation_fen"], row["pool_recovered_fen"]) == (0, 0, 0)
        assert row["loss_rate_bp"] == 0
        # leverage 10 × 1,000,000 − 300,000 outstanding (all banks)
        assert row["headroom_fen"] == 9_700_000
    for code in ("ASB", "JSB", "TYB"):
        seen = funding_client.get("/v1/risk-pool", headers=bank(funding_headers, code, key=False))
        assert [row["bank_code"] for row in seen.json()["banks"]] == [code]
    # A department (no bank of its own) reads every bank's row, as the office does.
    department = funding_headers(kind="department", org="xiaodian")
    seen = funding_client.get("/v1/risk-pool", headers=department)
    assert seen.status_code == 200, seen.text
    assert [row["bank_code"] for row in seen.json()["banks"]] == ["ASB", "JSB", "TYB"]


def test_a_default_shows_in_its_banks_row_only_and_the_headroom_stops_at_zero(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    # Pool 10,000 × 10 = 100,000: JSB lends 90,000 and 10,000.
    _three_banks(funding_app, funding_client, funding_headers, 10_000)
    _ok(register(funding_client, funding_headers, loan_body(1, 90_000, SMALL)))
    small = _ok(register(funding_client, funding_headers, loan_body(2, 10_000, MICRO)))
    over = register(funding_client, funding_headers, loan_body(3, 1, MICRO), "ASB")
    assert over.status_code == 409 and over.json()["code"] == "loan_over_leverage_headroom"
    assert over.json()["detail"] == (
        "Outstanding guaranteed principal 100000 fen + 1 fen would pass 10 × the pool's balance "
        "10000 fen = 100000 fen (headroom 0 fen)."
    )
    # The 10,000 loan defaults whole: the pool's 60% is 6,000, so it holds 4,000 (capacity
    # 40,000) against 90,000 outstanding — no headroom, never a negative one.
    defaulted = funding_client.post(
        f"/v1/risk-pool/loans/{small['id']}/default",
        json={"loss_fen": 10_000, "defaulted_on": "2016-06-30"},
        headers=bank(funding_headers),
    )
    assert _ok(defaulted)["claim"]["pool_share_fen"] == 6_000
    figures = pool(funding_client, funding_headers)
    assert (figures["balance_fen"], figures["capacity_fen"]) == (4_000, 40_000)
    assert (figures["outstanding_fen"], figures["headroom_fen"]) == (90_000, 0)
    assert [row["headroom_fen"] for row in figures["banks"]] == [0, 0, 0]
    rows = {row["bank_code"]: row for row in figures["banks"]}
    assert (rows["JSB"]["losses_fen"], rows["JSB"]["compensation_fen"]) == (10_000, 6_000)
    # 10,000 lost of 100,000 registered = 1000 bp
    assert rows["JSB"]["loss_rate_bp"] == 1000 and figures["loss_rate_bp"] == 1000
    for code in ("ASB", "TYB"):
        assert (rows[code]["losses_fen"], rows[code]["compensation_fen"]) == (0, 0)
        assert rows[code]["loss_rate_bp"] == 0
    refused = register(funding_client, funding_headers, loan_body(4, 1, MICRO), "TYB")
    assert refused.json()["detail"] == (
        "Outstanding guaranteed principal 90000 fen + 1 fen would pass 10 × the pool's balance "
        "4000 fen = 40000 fen (headroom 0 fen)."
    )


def test_the_headroom_refusal_names_what_is_left(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _three_banks(funding_app, funding_client, funding_headers, 100_000)
    _ok(register(funding_client, funding_headers, loan_body(1, 600_000, SMALL)))
    over = register(funding_client, funding_headers, loan_body(2, 400_001, MICRO))
    assert over.status_code == 409 and over.json()["code"] == "loan_over_leverage_headroom"
    assert over.json()["detail"] == (
        "Outstanding guaranteed principal 600000 fen + 400001 fen would pass 10 × the pool's "
        "balance 100000 fen = 1000000 fen (headroom 400000 fen)."
    )


def test_the_rate_and_enterprise_caps_take_exactly_the_limit(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _three_banks(funding_app, funding_client, funding_headers, 1_000_000)
    # 650 bp is the cap: taken; 651 refused (test_risk_pool).
    at_cap = register(funding_client, funding_headers, loan_body(1, 700_000, SMALL, rate_bp=650))
    assert _ok(at_cap)["rate_bp"] == 650
    _ok(register(funding_client, funding_headers, loan_body(2, 700_000, SMALL)))
    # SMALL's loans with the banks before and after JSB, and the enterprises before and after
    # SMALL with JSB, do not count towards SMALL's cap with JSB.
    for code in ("ASB", "TYB"):
        _ok(register(funding_client, funding_headers, loan_body(1, 700_000, SMALL), code))
    for n, uscc in ((3, MICRO), (4, LATER)):
        _ok(register(funding_client, funding_headers, loan_body(n, 700_000, uscc)))
    books = balances(funding_client)
    # 1,400,000 + 600,001 = 2,000,001: one fen over the 2,000,000 cap.
    over = register(funding_client, funding_headers, loan_body(5, 600_001, SMALL))
    assert over.status_code == 409 and over.json()["code"] == "loan_over_enterprise_cap"
    assert over.json()["detail"] == (
        f"{SMALL} has 1400000 fen outstanding with JSB; another 600001 fen would pass the "
        "per-enterprise cap of 2000000 fen."
    )
    assert balances(funding_client) == books
    # 1,400,000 + 600,000 = 2,000,000: exactly the cap, taken.
    fits = _ok(register(funding_client, funding_headers, loan_body(6, 600_000, SMALL)))
    assert fits["outstanding_fen"] == 600_000
    assert pool(funding_client, funding_headers)["outstanding_fen"] == 4_800_000


def test_a_contract_number_is_taken_per_bank(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _three_banks(funding_app, funding_client, funding_headers, 1_000_000)
    # JSB registers 0002; 0001 and 0003 (either side) stay free, as 0002 does at ASB and TYB.
    first = _ok(register(funding_client, funding_headers, loan_body(2, 1_000, SMALL)))
    for body, code in (
        (loan_body(1, 1_000, SMALL), "JSB"),
        (loan_body(3, 1_000, SMALL), "JSB"),
        (loan_body(2, 1_000, SMALL), "ASB"),
        (loan_body(2, 1_000, SMALL), "TYB"),
    ):
        _ok(register(funding_client, funding_headers, body, code))
    again = register(funding_client, funding_headers, loan_body(2, 1_000, MICRO))
    assert again.status_code == 409 and again.json()["code"] == "loan_already_registered"
    assert again.json()["errors"][0]["message"] == (
        f"contract JSB-ZBD-0002 is registered as loan {first['id']}"
    )
    assert pool(funding_client, funding_headers)["outstanding_fen"] == 5_000


def _deposit(
    client: TestClient, headers: FundingHeaders, key: str, body: dict[str, Any]
) -> dict[str, Any]:
    answer = client.post(
        "/v1/risk-pool/deposits", json=body, headers={**admin(headers), "Idempotency-Key": key}
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_deposits_whose_long_keys_share_a_beginning_each_move_their_money(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    # Two Idempotency-Keys of 255 characters that differ only in their last: two deposits.
    body = {"year": 2014, "kind": "stock", "amount_fen": 100}
    first = _deposit(funding_client, funding_headers, "k" * 254 + "a", body)
    second = _deposit(funding_client, funding_headers, "k" * 254 + "b", body)
    assert first["id"] != second["id"] and first["transfer_id"] != second["transfer_id"]
    figures = pool(funding_client, funding_headers)
    assert (figures["balance_fen"], figures["deposits_fen"]) == (200, 200)
    # The same key again is the same deposit.
    again = _deposit(funding_client, funding_headers, "k" * 254 + "a", body)
    assert again["id"] == first["id"]
    assert pool(funding_client, funding_headers)["balance_fen"] == 200


def test_a_deposit_comes_from_the_years_sub_line_only_when_yearly(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    load_demo(funding_app.state.database)  # the 2015 budget: line:2015:financing:zhubaodai-pool
    line = "line:2015:financing:zhubaodai-pool"
    before = balances(funding_client)
    stock = _deposit(funding_client, funding_headers, "s", {"year": 2015, "kind": "stock",
                                                            "amount_fen": 7})  # fmt: skip
    assert stock["from_account"] == "source:city"
    assert stock["memo"] == "助保贷 risk pool: stock before 2015 from source:city"
    yearly = _deposit(funding_client, funding_headers, "y", {"year": 2015, "amount_fen": 5})
    assert (yearly["kind"], yearly["from_account"]) == ("yearly", line)
    assert yearly["memo"] == f"助保贷 risk pool: 2015 deposit from {line}"
    later = _deposit(funding_client, funding_headers, "l", {"year": 2016, "kind": "yearly",
                                                            "amount_fen": 3})  # fmt: skip
    assert later["from_account"] == "source:city"
    assert later["memo"] == "助保贷 risk pool: 2016 deposit from source:city"
    named = _deposit(funding_client, funding_headers, "n", {"year": 2016, "amount_fen": 1,
                                                            "memo": "by hand"})  # fmt: skip
    assert named["memo"] == "by hand"
    after = balances(funding_client)
    assert after[line] == before[line] - 5
    assert after["pool:risk"] == 7 + 5 + 3 + 1
    assert after["source:city"] == before.get("source:city", 0) - 7 - 3 - 1


def test_a_deposit_from_a_centrally_funded_sub_line_opens_no_city_account(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """The city's account is opened only for a deposit that comes from it."""
    line = "line:2016:financing:zhubaodai-pool"
    office = admin(funding_headers)
    open_account(funding_client, office, "source:central", kind="source", non_negative=False)
    open_account(funding_client, office, line, kind="line", year=2016)
    move(funding_client, office, source="source:central", target=line, amount_fen=10)
    yearly = _deposit(funding_client, funding_headers, "c", {"year": 2016, "amount_fen": 4})
    assert yearly["from_account"] == line
    after = balances(funding_client)
    assert (after[line], after["pool:risk"], after["source:central"]) == (6, 4, -10)
    assert "source:city" not in after, sorted(after)


def _post(client: TestClient, url: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return client.post(url, json=body, headers=headers)


def test_a_bank_touches_no_loan_of_a_bank_either_side_of_it(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _three_banks(funding_app, funding_client, funding_headers, 1_000_000)
    asb = _ok(register(funding_client, funding_headers, loan_body(1, 100_000, SMALL), "ASB"))
    tyb = _ok(register(funding_client, funding_headers, loan_body(1, 100_000, SMALL), "TYB"))
    figures, books = pool(funding_client, funding_headers), balances(funding_client)
    for loan in (asb, tyb):
        url = f"/v1/risk-pool/loans/{loan['id']}"
        for path, body in (
            ("repayments", {"amount_fen": 1, "repaid_on": "2015-09-01"}),
            ("default", {"loss_fen": 1, "defaulted_on": "2016-06-30"}),
            ("recoveries", {"amount_fen": 1, "recovered_on": "2016-07-01"}),
        ):
            answer = _post(funding_client, f"{url}/{path}", body, bank(funding_headers))
            assert answer.status_code == 404, answer.text
            assert answer.json()["code"] == "risk_loan_not_found"
        read = funding_client.get(url, headers=bank(funding_headers, key=False))
        assert read.status_code == 404 and read.json()["code"] == "risk_loan_not_found"
    assert pool(funding_client, funding_headers) == figures
    assert balances(funding_client) == books


def test_a_repayment_leaving_one_fen_keeps_the_loan_active(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _three_banks(funding_app, funding_client, funding_headers, 1_000_000)
    loan = _ok(register(funding_client, funding_headers, loan_body(1, 100_000, SMALL)))
    url = f"/v1/risk-pool/loans/{loan['id']}/repayments"
    body = {"amount_fen": 99_999, "repaid_on": "2015-09-01"}
    most = _ok(_post(funding_client, url, body, bank(funding_headers)))
    assert (most["status"], most["outstanding_fen"], most["repaid_fen"]) == ("active", 1, 99_999)
    assert pool(funding_client, funding_headers)["outstanding_fen"] == 1
    body = {"amount_fen": 1, "repaid_on": "2015-10-01"}
    last = _ok(_post(funding_client, url, body, bank(funding_headers)))
    assert (last["status"], last["outstanding_fen"], last["repaid_fen"]) == ("repaid", 0, 100_000)
    assert [
        (r["amount_fen"], r["repaid_on"], r["outstanding_after_fen"]) for r in last["repayments"]
    ] == [(99_999, "2015-09-01", 1), (1, "2015-10-01", 0)]
    assert pool(funding_client, funding_headers)["outstanding_fen"] == 0
    # A repaid loan recovers nothing: it never defaulted.
    body = {"amount_fen": 1, "recovered_on": "2016-07-01"}
    late = _post(funding_client, f"/v1/risk-pool/loans/{loan['id']}/recoveries", body,
                 bank(funding_headers))  # fmt: skip
    assert late.status_code == 409 and late.json()["code"] == "loan_not_defaulted"


def test_a_share_under_a_fen_proposes_nothing_and_one_fen_is_proposed(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _three_banks(funding_app, funding_client, funding_headers, 1_000_000)
    one = _ok(register(funding_client, funding_headers, loan_body(1, 100_000, SMALL)))
    two = _ok(register(funding_client, funding_headers, loan_body(2, 100_000, SMALL)))
    books = balances(funding_client)
    # A loss of 1 fen: 1 × 0.6 = 0.6 → 0 for the pool, nothing to pay; the bank bears 1.
    body = {"loss_fen": 1, "defaulted_on": "2016-06-30"}
    url = f"/v1/risk-pool/loans/{one['id']}"
    claim = _ok(_post(funding_client, f"{url}/default", body, bank(funding_headers)))["claim"]
    assert (claim["outstanding_at_default_fen"], claim["loss_fen"]) == (100_000, 1)
    assert (claim["pool_share_fen"], claim["bank_share_fen"]) == (0, 1)
    assert claim["disbursement_id"] is None and claim["defaulted_on"] == "2016-06-30"
    assert balances(funding_client) == books
    # Nothing to wait for: the recovery of that fen is the bank's.
    body = {"amount_fen": 1, "recovered_on": "2016-07-01"}
    recovered = _ok(_post(funding_client, f"{url}/recoveries", body, bank(funding_headers)))
    (rec,) = recovered["claim"]["recoveries"]
    assert (rec["amount_fen"], rec["pool_part_fen"], rec["bank_part_fen"]) == (1, 0, 1)
    assert balances(funding_client) == books
    # A loss of 2 fen: 1.2 → 1 fen proposed to the bank.
    body = {"loss_fen": 2, "defaulted_on": "2016-06-30"}
    url = f"/v1/risk-pool/loans/{two['id']}"
    claim = _ok(_post(funding_client, f"{url}/default", body, bank(funding_headers)))["claim"]
    assert (claim["pool_share_fen"], claim["bank_share_fen"]) == (1, 1)
    proposed = funding_client.get(
        f"/v1/disbursements/{claim['disbursement_id']}", headers=admin(funding_headers)
    ).json()
    assert (proposed["status"], proposed["amount_fen"], proposed["payee_uscc"]) == (
        "proposed",
        1,
        "JSB",
    )
    assert balances(funding_client)["pool:risk"] == books["pool:risk"] - 1
    figures = pool(funding_client, funding_headers)
    assert (figures["losses_fen"], figures["compensation_fen"]) == (3, 1)
    assert (figures["outstanding_fen"], figures["principal_registered_fen"]) == (0, 200_000)


def test_a_recovery_waits_until_the_compensation_is_paid_not_only_approved(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _three_banks(funding_app, funding_client, funding_headers, 1_000_000)
    loan = _ok(register(funding_client, funding_headers, loan_body(1, 100_000, SMALL)))
    url = f"/v1/risk-pool/loans/{loan['id']}"
    body = {"loss_fen": 100_000, "defaulted_on": "2016-06-30"}
    claim = _ok(_post(funding_client, f"{url}/default", body, bank(funding_headers)))["claim"]
    dsb = claim["disbursement_id"]
    recovery = {"amount_fen": 10, "recovered_on": "2016-07-01"}
    # Statuses sort approved < paid < proposed: refused on either side of paid.
    early = _post(funding_client, f"{url}/recoveries", recovery, bank(funding_headers))
    assert early.status_code == 409 and early.json()["code"] == "compensation_not_paid"
    approved = funding_client.post(
        f"/v1/disbursements/{dsb}/approval",
        json={},
        headers={**admin(funding_headers, 2), "If-Match": f'"{dsb}.1"'},
    )
    assert approved.status_code == 200, approved.text
    books = balances(funding_client)
    waiting = _post(funding_client, f"{url}/recoveries", recovery, bank(funding_headers))
    assert waiting.status_code == 409 and waiting.json()["code"] == "compensation_not_paid"
    assert waiting.json()["detail"] == (
        f"The pool's compensation {dsb} is approved; recoveries flow back once it is paid."
    )
    assert balances(funding_client) == books
    paid = funding_client.post(
        f"/v1/disbursements/{dsb}/payment",
        json={"payment_reference": "JSB-PAY-0100", "paid_on": "2016-07-15"},
        headers={
            **admin(funding_headers, 2),
            "If-Match": approved.headers["ETag"],
            "Idempotency-Key": "pay-100",
        },
    )
    assert paid.status_code == 200, paid.text
    done = _ok(_post(funding_client, f"{url}/recoveries", recovery, bank(funding_headers)))
    (rec,) = done["claim"]["recoveries"]
    assert (rec["pool_part_fen"], rec["bank_part_fen"]) == (6, 4)
    assert done["claim"]["recovered_fen"] == 10 and done["claim"]["pool_recovered_fen"] == 6


def test_a_banks_row_shows_the_version_in_force_today_not_tomorrows(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _three_banks(funding_app, funding_client, funding_headers, 100_000)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    agree(funding_client, funding_headers, effective_from=today.isoformat(), leverage_multiple=8)
    tomorrow = (today + timedelta(days=1)).isoformat()
    agree(funding_client, funding_headers, effective_from=tomorrow, leverage_multiple=5)
    _ok(register(funding_client, funding_headers, loan_body(1, 100_000, SMALL)))
    figures = pool(funding_client, funding_headers)
    rows = {row["bank_code"]: row for row in figures["banks"]}
    jsb = rows["JSB"]
    assert (jsb["bank_name"], jsb["agreement_version"], jsb["leverage_multiple"]) == (
        "晋商银行",
        2,
        8,
    )
    # 8 × 100,000 − 100,000 outstanding
    assert jsb["headroom_fen"] == 700_000
    assert (rows["ASB"]["agreement_version"], rows["ASB"]["headroom_fen"]) == (1, 900_000)
    assert figures["headroom_fen"] == 900_000  # the default leverage, 10


def test_the_pool_before_any_loan_has_nothing_outstanding_and_all_its_headroom(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _three_banks(funding_app, funding_client, funding_headers, 100_000)
    figures = pool(funding_client, funding_headers)
    assert (figures["balance_fen"], figures["deposits_fen"]) == (100_000, 100_000)
    assert (figures["outstanding_fen"], figures["principal_registered_fen"]) == (0, 0)
    assert (figures["capacity_fen"], figures["headroom_fen"]) == (1_000_000, 1_000_000)
    assert [row["headroom_fen"] for row in figures["banks"]] == [1_000_000] * 3
    assert [row["outstanding_fen"] for row in figures["banks"]] == [0] * 3
    assert figures["loss_rate_bp"] == 0


def test_the_pool_before_any_deposit_has_nothing_and_refuses_every_loan(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """Before the first deposit the pool's account does not exist yet: it reads 0, not an error
    or a negative figure, and a loan finds no headroom."""
    file_enterprises(funding_app)
    agree(funding_client, funding_headers)
    figures = pool(funding_client, funding_headers)
    assert (figures["balance_fen"], figures["deposits_fen"]) == (0, 0)
    assert (figures["capacity_fen"], figures["headroom_fen"]) == (0, 0)
    assert [row["headroom_fen"] for row in figures["banks"]] == [0]
    refused = register(funding_client, funding_headers, loan_body(1, 1, SMALL))
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "loan_over_leverage_headroom"
    assert pool(funding_client, funding_headers) == figures


def test_a_banks_active_loans_leave_its_count_once_repaid_or_defaulted(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _three_banks(funding_app, funding_client, funding_headers, 1_000_000)
    ids = [
        _ok(register(funding_client, funding_headers, loan_body(n, 100_000, SMALL)))["id"]
        for n in (1, 2, 3)
    ]

    def active() -> int:
        rows = {row["bank_code"]: row for row in pool(funding_client, funding_headers)["banks"]}
        assert (rows["ASB"]["loans_active"], rows["TYB"]["loans_active"]) == (0, 0)
        return int(rows["JSB"]["loans_active"])

    assert active() == 3
    repaid = {"amount_fen": 100_000, "repaid_on": "2015-09-01"}
    lost = {"loss_fen": 100_000, "defaulted_on": "2016-06-30"}
    for loan_id, action, body, left in (
        (ids[0], "repayments", repaid, 2),
        (ids[1], "default", lost, 1),
        (ids[2], "repayments", repaid, 0),
    ):
        url = f"/v1/risk-pool/loans/{loan_id}/{action}"
        _ok(_post(funding_client, url, body, bank(funding_headers)))
        assert active() == left
    (jsb,) = [
        row for row in pool(funding_client, funding_headers)["banks"] if row["bank_code"] == "JSB"
    ]
    assert (jsb["outstanding_fen"], jsb["principal_registered_fen"]) == (0, 300_000)


def test_a_one_fen_loan_lost_whole_is_every_basis_point_of_its_banks_loss_rate(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """Loss rates at their smallest denominators: 1 fen registered by JSB and 1 by ASB. Before
    any claim every rate is 0; JSB's whole fen lost is 10,000 bp of its row and 5,000 of the pool."""
    _three_banks(funding_app, funding_client, funding_headers, 1_000_000)
    loan = _ok(register(funding_client, funding_headers, loan_body(1, 1, SMALL)))
    _ok(register(funding_client, funding_headers, loan_body(1, 1, MICRO), "ASB"))
    before = pool(funding_client, funding_headers)
    assert (before["principal_registered_fen"], before["losses_fen"]) == (2, 0)
    assert before["loss_rate_bp"] == 0
    assert [row["loss_rate_bp"] for row in before["banks"]] == [0, 0, 0]
    _ok(
        funding_client.post(
            f"/v1/risk-pool/loans/{loan['id']}/default",
            json={"loss_fen": 1, "defaulted_on": "2016-06-30"},
            headers=bank(funding_headers),
        )
    )
    figures = pool(funding_client, funding_headers)
    assert (figures["principal_registered_fen"], figures["losses_fen"]) == (2, 1)
    assert figures["loss_rate_bp"] == 5_000
    rows = {row["bank_code"]: row["loss_rate_bp"] for row in figures["banks"]}
    assert rows == {"ASB": 0, "JSB": 10_000, "TYB": 0}
    # 60% of 1 fen is under a fen: the pool owes nothing for it.
    (jsb,) = [row for row in figures["banks"] if row["bank_code"] == "JSB"]
    assert (jsb["losses_fen"], jsb["compensation_fen"], jsb["pool_recovered_fen"]) == (1, 0, 0)


def test_an_enterprises_first_loan_may_take_its_whole_cap(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    file_enterprises(funding_app)
    agree(funding_client, funding_headers, per_loan_cap_fen=500_000, per_enterprise_cap_fen=500_000)
    deposit(funding_client, funding_headers, 1_000_000)
    # Nothing outstanding yet: 0 + 500,000 is exactly the cap (500,001 passes the per-loan cap).
    fits = _ok(register(funding_client, funding_headers, loan_body(1, 500_000, SMALL)))
    assert fits["outstanding_fen"] == 500_000
    over = register(funding_client, funding_headers, loan_body(2, 1, SMALL))
    assert over.status_code == 409 and over.json()["code"] == "loan_over_enterprise_cap"
