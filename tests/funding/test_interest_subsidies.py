"""The graduate entrepreneur interest subsidy through the API: quarterly claims at the benchmark
rates in force each day (figures computed by hand below), paid from the yearly line as
disbursements, one claim per loan and quarter, every refusal changing nothing."""

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.funding.demo import load as load_demo
from services.funding.interest import service as interest_service
from tests.funding.conftest import FundingHeaders
from tests.funding.subsidy_support import (
    GRADUATE_USCC,
    INTEREST_LINE,
    OTHER_USCC,
    admin,
    balance,
    enterprise,
    file_enterprise,
    fund_line,
    pay_and_publish,
    portal,
    public_record,
    zero_sum,
)

URL = "/v1/subsidies/interest-claims"
FUNDS = 10_000_000
LOAN = {
    "bank_code": "JSB",
    "loan_ref": "JSB-TY-2015-000123",
    "loan_date": "2015-03-16",
    "matures_on": "2016-03-16",
    "principal_fen": 50_000_000,
    "year": 2015,
    "quarter": 2,
}


@pytest.fixture
def graduate(funding_app: FastAPI) -> str:
    """A founder who graduated on 2014-07-01; the 2015 line holds 10,000,000 fen."""
    file_enterprise(funding_app, GRADUATE_USCC, founder_graduated_on="2014-07-01")
    fund_line(funding_app, account=INTEREST_LINE, amount_fen=FUNDS)
    return GRADUATE_USCC


def _claims(client: TestClient, headers: FundingHeaders) -> list[dict[str, Any]]:
    return list(client.get(URL, headers=admin(headers)).json()["items"])


def _save_rate(
    client: TestClient, headers: FundingHeaders, *, effective_from: str, rate_bp: str
) -> dict[str, Any]:
    """The office saves a benchmark version: `rate_bp` (an expression) for every term."""
    saved = client.post(
        "/v1/rule-sets",
        json={
            "family": "funding.interest.benchmark",
            "effective_from": effective_from,
            "inputs": {"term_months": "int"},
            "rules": [{"name": "rate_bp", "expression": rate_bp}],
        },
        headers=admin(headers),
    )
    assert saved.status_code == 201, saved.text
    return dict(saved.json())


def test_the_benchmark_rates_are_the_pboc_rates_by_day_and_term(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    answer = funding_client.get(
        "/v1/rule-sets",
        params={"family": "funding.interest.benchmark"},
        headers=admin(funding_headers),
    )
    assert answer.status_code == 200, answer.text
    got = [
        (v["effective_from"], v["effective_to"], v["parameters"]["up_to_1y_bp"]["value"],
         v["parameters"]["to_5y_bp"]["value"], v["parameters"]["over_5y_bp"]["value"])
        for v in answer.json()["items"]
    ]  # fmt: skip
    # The People's Bank of China's benchmark lending rates (%, ≤1y / 1–5y / >5y).
    assert got == [
        ("2014-11-22", "2015-02-28", 560, 600, 615),
        ("2015-03-01", "2015-05-10", 535, 575, 590),
        ("2015-05-11", "2015-06-27", 510, 550, 565),
        ("2015-06-28", "2015-08-25", 485, 525, 540),
        ("2015-08-26", "2015-10-23", 460, 500, 515),
        ("2015-10-24", None, 435, 475, 490),
    ]


def test_a_quarter_with_rate_changes_inside_it_is_split_and_paid_to_the_fen(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders, graduate: str
) -> None:
    answer = funding_client.post(URL, json=LOAN, headers=enterprise(funding_headers))
    assert answer.status_code == 201, answer.text
    claim = answer.json()
    assert answer.headers["Location"].endswith(f"{URL}/{claim['id']}")
    # 2015 Q2, a one-year loan: 1 April – 10 May at 5.35% (40 days), 11 May – 27 June at 5.10%
    # (48 days), 28 – 30 June at 4.85% (3 days).
    assert [(s["first"], s["last"], s["days"], s["rate_bp"]) for s in claim["stretches"]] == [
        ("2015-04-01", "2015-05-10", 40, 535),
        ("2015-05-11", "2015-06-27", 48, 510),
        ("2015-06-28", "2015-06-30", 3, 485),
    ]
    # 50,000,000 × (535×40 + 510×48 + 485×3) / (10,000 × 360)
    # = 50,000,000 × 47,335 / 3,600,000 = 657,430.56 → 657,431 fen (half up).
    assert (claim["days"], claim["term_months"], claim["amount_fen"]) == (91, 12, 657_431)
    assert claim["rule_set_version"] == "funding.interest.benchmark@2,3,4"
    assert claim["account"] == INTEREST_LINE
    disbursement = funding_client.get(
        f"/v1/disbursements/{claim['disbursement_id']}", headers=admin(funding_headers)
    ).json()
    assert (disbursement["amount_fen"], disbursement["payee_uscc"], disbursement["account"]) == (
        657_431,
        GRADUATE_USCC,
        INTEREST_LINE,
    )
    assert (disbursement["status"], disbursement["purpose"]) == ("proposed", "interest_subsidy")
    assert balance(funding_app, INTEREST_LINE) == FUNDS - 657_431
    assert balance(funding_app, "payable") == 657_431
    assert zero_sum(funding_client)


def test_a_loan_granted_inside_the_quarter_counts_from_its_day_and_rounds_half_up(
    funding_client: TestClient, funding_headers: FundingHeaders, graduate: str
) -> None:
    # 2015 Q1 from the loan date: 16 – 31 March at 5.35% (16 days).
    # 50,000,000 × 535 × 16 / 3,600,000 = 118,888.89 → 118,889 fen.
    answer = funding_client.post(URL, json={**LOAN, "quarter": 1}, headers=portal(funding_headers))
    assert answer.status_code == 201, answer.text
    claim = answer.json()
    assert (claim["first_day"], claim["last_day"], claim["days"]) == (
        "2015-03-16",
        "2015-03-31",
        16,
    )
    assert claim["amount_fen"] == 118_889
    assert (claim["actor"], claim["claimed_by"]) == ("cli_portal_sx", "cli_portal_sx")


def test_a_longer_loan_takes_its_term_band_and_rounds_half_down_below_a_half(
    funding_client: TestClient, funding_headers: FundingHeaders, graduate: str
) -> None:
    body = {**LOAN, "loan_ref": "JSB-TY-2015-000777", "loan_date": "2015-06-01",
            "matures_on": "2017-06-01", "principal_fen": 12_345_678, "quarter": 3}  # fmt: skip
    answer = funding_client.post(URL, json=body, headers=enterprise(funding_headers))
    assert answer.status_code == 201, answer.text
    claim = answer.json()
    # 24 months: the 1–5 year band. 1 July – 25 August at 5.25% (56 days), 26 August –
    # 30 September at 5.00% (36 days): 12,345,678 × (525×56 + 500×36) / 3,600,000
    # = 12,345,678 × 47,400 / 3,600,000 = 162,551.43 → 162,551 fen.
    assert claim["term_months"] == 24
    assert [(s["days"], s["rate_bp"]) for s in claim["stretches"]] == [(56, 525), (36, 500)]
    assert claim["amount_fen"] == 162_551


def test_a_rate_the_office_saves_takes_effect_from_its_day(
    funding_client: TestClient, funding_headers: FundingHeaders, graduate: str
) -> None:
    saved = _save_rate(funding_client, funding_headers, effective_from="2015-12-01", rate_bp="400")
    answer = funding_client.post(
        URL, json={**LOAN, "quarter": 4}, headers=enterprise(funding_headers)
    )
    assert answer.status_code == 201, answer.text
    claim = answer.json()
    # 1 Oct – 23 Oct at 4.60% (23 days), 24 Oct – 30 Nov at 4.35% (38 days), December at 4.00%
    # (31 days): 50,000,000 × (460×23 + 435×38 + 400×31) / 3,600,000
    # = 50,000,000 × (10,580 + 16,530 + 12,400 = 39,510) / 3,600,000 = 548,750 fen exactly.
    assert [(s["days"], s["rate_bp"]) for s in claim["stretches"]] == [
        (23, 460),
        (38, 435),
        (31, 400),
    ]
    assert claim["amount_fen"] == 548_750
    assert claim["rule_set_version"] == "funding.interest.benchmark@5,6,7"
    # The versions used never change now.
    used = funding_client.get(f"/v1/rule-sets/{saved['id']}", headers=admin(funding_headers))
    assert used.json()["in_use"] is True


def test_a_quarter_with_a_day_no_benchmark_version_covers_is_refused_and_changes_nothing(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders, graduate: str
) -> None:
    listed = funding_client.get(
        "/v1/rule-sets",
        params={"family": "funding.interest.benchmark"},
        headers=admin(funding_headers),
    ).json()["items"]
    last = listed[-1]  # from 2015-10-24, open-ended; the office closes it on 30 November
    read = funding_client.get(f"/v1/rule-sets/{last['id']}", headers=admin(funding_headers))
    closed = funding_client.put(
        f"/v1/rule-sets/{last['id']}",
        json={
            "effective_from": last["effective_from"],
            "effective_to": "2015-11-30",
            "inputs": last["inputs"],
            "parameters": last["parameters"],
            "rules": [{"name": r["name"], "expression": r["expression"]} for r in last["rules"]],
        },
        headers={**admin(funding_headers), "If-Match": read.headers["ETag"]},
    )
    assert closed.status_code == 200, closed.text
    answer = funding_client.post(
        URL, json={**LOAN, "quarter": 4}, headers=enterprise(funding_headers)
    )
    assert answer.status_code == 409 and answer.json()["code"] == "no_rule_set_in_force"
    assert answer.json()["detail"] == (
        "No version of the rule family funding.interest.benchmark is in force on 2015-12-01."
    )
    assert _claims(funding_client, funding_headers) == []
    assert balance(funding_app, INTEREST_LINE) == FUNDS and zero_sum(funding_client)


def test_a_second_claim_for_the_same_loan_and_quarter_is_refused(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders, graduate: str
) -> None:
    first = funding_client.post(URL, json=LOAN, headers=enterprise(funding_headers))
    assert first.status_code == 201, first.text
    again = funding_client.post(
        URL, json={**LOAN, "principal_fen": 40_000_000}, headers=portal(funding_headers)
    )
    assert again.status_code == 409 and again.json()["code"] == "interest_claim_exists", again.text
    assert again.json()["detail"] == (
        "Loan JSB-TY-2015-000123 of JSB has a claim for 2015 Q2 already."
    )
    # The same loan claimed by another enterprise, for another quarter.
    file_enterprise(funding_app, OTHER_USCC)
    other = funding_client.post(
        URL, json={**LOAN, "quarter": 3}, headers=enterprise(funding_headers, OTHER_USCC)
    )
    assert other.status_code == 409 and other.json()["code"] == "interest_loan_other_enterprise"
    assert [c["id"] for c in _claims(funding_client, funding_headers)] == [first.json()["id"]]
    assert balance(funding_app, INTEREST_LINE) == FUNDS - 657_431
    assert zero_sum(funding_client)


@pytest.mark.parametrize(
    ("fields", "body", "status", "code"),
    [
        ({"founder_graduated_on": None}, {}, 422, "founder_graduation_unknown"),
        ({"founder_graduated_on": "2012-03-15"}, {}, 422, "founder_not_recent_graduate"),
        ({"founder_graduated_on": "2015-07-01"}, {}, 422, "founder_not_recent_graduate"),
        ({"status": "deregistered"}, {}, 422, "interest_enterprise_inactive"),
        ({}, {"year": 2099, "quarter": 4}, 422, "interest_quarter_not_over"),
        ({}, {"loan_date": "2014-12-01", "matures_on": "2015-03-01"}, 422, "interest_no_days"),
        ({}, {"year": 2016, "quarter": 1, "loan_date": "2016-01-10",
              "matures_on": "2017-01-10"}, 409, "interest_budget_line_missing"),
        ({}, {"matures_on": "2015-03-16"}, 422, "validation_failed"),
        ({}, {"matures_on": "2015-03-15"}, 422, "validation_failed"),
        ({}, {"quarter": 5}, 422, "validation_failed"),
        ({}, {"principal_fen": 0}, 422, "validation_failed"),
    ],
)  # fmt: skip
def test_ineligible_or_invalid_claims_are_refused_and_change_nothing(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    fields: dict[str, Any],
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    file_enterprise(funding_app, GRADUATE_USCC, **fields)
    fund_line(funding_app, account=INTEREST_LINE, amount_fen=FUNDS)
    answer = funding_client.post(URL, json={**LOAN, **body}, headers=enterprise(funding_headers))
    assert answer.status_code == status and answer.json()["code"] == code, answer.text
    assert _claims(funding_client, funding_headers) == []
    assert balance(funding_app, INTEREST_LINE) == FUNDS and balance(funding_app, "payable") == 0
    assert zero_sum(funding_client)


def test_who_may_claim_and_read(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders, graduate: str
) -> None:
    unfiled = funding_client.post(URL, json=LOAN, headers=enterprise(funding_headers, OTHER_USCC))
    assert unfiled.status_code == 422 and unfiled.json()["code"] == "unknown_enterprise"
    for kind in ("admin", "bank", "department"):
        refused = funding_client.post(
            URL, json=LOAN, headers={**funding_headers(kind=kind), "Idempotency-Key": "k-" + kind}
        )
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden_client_kind", (
            refused.text
        )
    keyless = enterprise(funding_headers)
    del keyless["Idempotency-Key"]
    missing = funding_client.post(URL, json=LOAN, headers=keyless)
    assert missing.status_code == 400 and missing.json()["code"] == "idempotency_key_required"
    claim = funding_client.post(URL, json=LOAN, headers=enterprise(funding_headers)).json()
    own = funding_client.get(f"{URL}/{claim['id']}", headers=enterprise(funding_headers))
    assert own.status_code == 200 and own.json() == claim
    file_enterprise(funding_app, OTHER_USCC)
    other = funding_client.get(
        f"{URL}/{claim['id']}", headers=enterprise(funding_headers, OTHER_USCC)
    )
    assert other.status_code == 404 and other.json()["code"] == "interest_claim_not_found"
    listed = funding_client.get(URL, headers=enterprise(funding_headers, OTHER_USCC)).json()
    assert listed["items"] == []
    by_department = funding_client.get(
        URL, params={"year": 2015, "quarter": 2}, headers=funding_headers(kind="department")
    )
    assert [c["id"] for c in by_department.json()["items"]] == [claim["id"]]


def test_the_claim_that_would_overspend_the_line_is_refused(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    file_enterprise(funding_app, GRADUATE_USCC)
    fund_line(funding_app, account=INTEREST_LINE, amount_fen=700_000)
    first = funding_client.post(URL, json=LOAN, headers=enterprise(funding_headers))
    assert first.status_code == 201, first.text
    second = funding_client.post(
        URL, json={**LOAN, "loan_ref": "JSB-TY-2015-000124"}, headers=enterprise(funding_headers)
    )
    assert second.status_code == 409 and second.json()["code"] == "ledger_insufficient_funds"
    assert len(_claims(funding_client, funding_headers)) == 1
    assert balance(funding_app, INTEREST_LINE) == 700_000 - 657_431
    assert zero_sum(funding_client)


def test_a_paid_subsidy_appears_in_the_public_ledger(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders, graduate: str
) -> None:
    claim = funding_client.post(URL, json=LOAN, headers=enterprise(funding_headers)).json()
    sequence = pay_and_publish(funding_client, funding_headers, claim["disbursement_id"])
    record = public_record(funding_client, sequence)
    assert (record["disbursement_id"], record["payee_uscc"], record["amount_fen"]) == (
        claim["disbursement_id"],
        GRADUATE_USCC,
        657_431,
    )
    assert record["budget_line"] == "financing:graduate-interest"
    assert record["programme"] == "小微企业创业创新基地城市示范：大学生创业贷款基准利率贴息"
    assert record["rule_set_version"] == "funding.interest.benchmark@2,3,4"
    assert balance(funding_app, f"payee:{GRADUATE_USCC}") == 657_431
    assert balance(funding_app, "payable") == 0
    assert zero_sum(funding_client)


def test_the_2015_line_of_the_budget_holds_0_1_yi_and_refuses_beyond_it(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    load_demo(funding_app.state.database)  # the 2015 budget: graduate interest 0.1亿
    file_enterprise(funding_app, GRADUATE_USCC)
    assert balance(funding_app, INTEREST_LINE) == 1_000_000_000
    # 80,000,000,000 × 47,335 / 3,600,000 = 1,051,888,888.9 fen: more than the line holds.
    big = {**LOAN, "principal_fen": 80_000_000_000}
    refused = funding_client.post(URL, json=big, headers=enterprise(funding_headers))
    assert refused.status_code == 409 and refused.json()["code"] == "ledger_insufficient_funds"
    assert _claims(funding_client, funding_headers) == []
    # 70,000,000,000 × 47,335 / 3,600,000 = 920,402,777.78 → 920,402,778 fen: it fits.
    fits = {**LOAN, "principal_fen": 70_000_000_000}
    answer = funding_client.post(URL, json=fits, headers=enterprise(funding_headers))
    assert answer.status_code == 201 and answer.json()["amount_fen"] == 920_402_778, answer.text
    assert balance(funding_app, INTEREST_LINE) == 1_000_000_000 - 920_402_778
    assert zero_sum(funding_client)


def test_a_retry_with_the_same_idempotency_key_answers_the_first_claim(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders, graduate: str
) -> None:
    headers = enterprise(funding_headers)
    first = funding_client.post(URL, json=LOAN, headers=headers)
    retry = funding_client.post(URL, json=LOAN, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json() and retry.headers["Idempotent-Replayed"] == "true"
    other_body = funding_client.post(URL, json={**LOAN, "quarter": 1}, headers=headers)
    assert other_body.status_code == 422 and other_body.json()["code"] == "idempotency_key_reused"
    assert len(_claims(funding_client, funding_headers)) == 1
    assert balance(funding_app, INTEREST_LINE) == FUNDS - 657_431


def test_the_office_lists_claims_by_enterprise(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders, graduate: str
) -> None:
    claim = funding_client.post(URL, json=LOAN, headers=enterprise(funding_headers)).json()
    mine = funding_client.get(URL, params={"enterprise": graduate}, headers=admin(funding_headers))
    theirs = funding_client.get(
        URL, params={"enterprise": OTHER_USCC}, headers=admin(funding_headers)
    )
    assert [c["id"] for c in mine.json()["items"]] == [claim["id"]]
    assert theirs.json()["items"] == []


def test_the_term_counts_whole_months_and_a_part_month_as_one_and_picks_the_band(
    funding_client: TestClient, funding_headers: FundingHeaders, graduate: str
) -> None:
    """Loans of 15 January 2015, claimed for 2015 Q1: 15 January – 28 February at the
    2014-11-22 rates, March at the 2015-03-01 ones, each in the band of the loan's term."""
    short, middle, long = (560, 535), (600, 575), (615, 590)
    loans = [
        ("2015-04-15", 3, short),  # three whole months
        ("2015-04-20", 4, short),  # three and a part: four
        ("2015-04-10", 3, short),  # two and a part: three
        ("2016-01-15", 12, short),  # one year exactly: still the first band
        ("2016-01-16", 13, middle),  # a day over a year
        ("2016-07-20", 19, middle),  # a year, six months and a part
        ("2020-01-15", 60, middle),  # five years exactly
        ("2020-01-16", 61, long),  # a day over five years
    ]
    for number, (matures_on, term, rates) in enumerate(loans):
        body = {**LOAN, "loan_ref": f"JSB-TERM-{number}", "loan_date": "2015-01-15",
                "matures_on": matures_on, "principal_fen": 1_000_000, "quarter": 1}  # fmt: skip
        answer = funding_client.post(URL, json=body, headers=enterprise(funding_headers))
        assert answer.status_code == 201, answer.text
        claim = answer.json()
        assert claim["term_months"] == term, matures_on
        assert [(s["days"], s["rate_bp"]) for s in claim["stretches"]] == [
            (45, rates[0]),
            (31, rates[1]),
        ], matures_on


def test_a_founder_graduating_on_29_february_is_eligible_until_28_february_three_years_on(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    file_enterprise(funding_app, GRADUATE_USCC, founder_graduated_on="2012-02-29")
    fund_line(funding_app, account=INTEREST_LINE, amount_fen=FUNDS)
    last_day = {**LOAN, "loan_ref": "JSB-LEAP-1", "loan_date": "2015-02-28",
                "matures_on": "2016-02-28", "quarter": 1}  # fmt: skip
    answer = funding_client.post(URL, json=last_day, headers=enterprise(funding_headers))
    assert answer.status_code == 201, answer.text
    assert answer.json()["founder_graduated_on"] == "2012-02-29"
    day_after = {**last_day, "loan_ref": "JSB-LEAP-2", "loan_date": "2015-03-01"}
    late = funding_client.post(URL, json=day_after, headers=enterprise(funding_headers))
    assert late.status_code == 422 and late.json()["code"] == "founder_not_recent_graduate"
    assert "from then to 2015-02-28" in late.json()["detail"], late.text
    assert [c["loan_ref"] for c in _claims(funding_client, funding_headers)] == ["JSB-LEAP-1"]


def test_a_loan_granted_on_the_graduation_day_is_eligible(
    funding_client: TestClient, funding_headers: FundingHeaders, graduate: str
) -> None:
    body = {**LOAN, "loan_date": "2014-07-01", "matures_on": "2016-07-01", "quarter": 1}
    answer = funding_client.post(URL, json=body, headers=enterprise(funding_headers))
    assert answer.status_code == 201, answer.text
    assert (answer.json()["first_day"], answer.json()["term_months"]) == ("2015-01-01", 24)


def test_a_loan_claimed_by_an_enterprise_sorting_first_is_refused_to_the_next(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders, graduate: str
) -> None:
    """The loan's first claimer's code sorts before the second's (the other test: after it)."""
    assert OTHER_USCC < GRADUATE_USCC
    file_enterprise(funding_app, OTHER_USCC, founder_graduated_on="2014-07-01")
    first = funding_client.post(URL, json=LOAN, headers=enterprise(funding_headers, OTHER_USCC))
    assert first.status_code == 201, first.text
    second = funding_client.post(
        URL, json={**LOAN, "quarter": 3}, headers=enterprise(funding_headers)
    )
    assert second.status_code == 409, second.text
    assert second.json()["code"] == "interest_loan_other_enterprise"
    assert [c["id"] for c in _claims(funding_client, funding_headers)] == [first.json()["id"]]


def test_a_loan_repaid_before_the_quarter_is_refused_as_not_outstanding(
    funding_client: TestClient, funding_headers: FundingHeaders, graduate: str
) -> None:
    body = {**LOAN, "loan_date": "2014-12-01", "matures_on": "2015-04-01"}  # repaid 1 April
    answer = funding_client.post(URL, json=body, headers=enterprise(funding_headers))
    assert answer.status_code == 422 and answer.json()["code"] == "interest_no_days"
    assert "was not outstanding on any day of 2015 Q2" in answer.json()["detail"]
    assert _claims(funding_client, funding_headers) == []


def test_a_negative_rate_saved_by_mistake_pays_nothing(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders, graduate: str
) -> None:
    """A version whose rate is below zero makes a negative subsidy: refused, nothing moves."""
    _save_rate(funding_client, funding_headers, effective_from="2015-12-01", rate_bp="0 - 100")
    body = {**LOAN, "loan_date": "2015-12-01", "matures_on": "2016-12-01", "quarter": 4}
    answer = funding_client.post(URL, json=body, headers=enterprise(funding_headers))
    assert answer.status_code == 422 and answer.json()["code"] == "interest_no_days", answer.text
    # 50,000,000 × (-100 × 31) / 3,600,000 = -43,055.56 → -43,056 fen
    assert "(-43056 fen" in answer.json()["detail"]
    assert _claims(funding_client, funding_headers) == []
    assert balance(funding_app, INTEREST_LINE) == FUNDS and balance(funding_app, "payable") == 0


def test_the_office_lists_claims_by_year_and_quarter(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders, graduate: str
) -> None:
    fund_line(
        funding_app, account=INTEREST_LINE.replace("2015", "2016"), year=2016, amount_fen=FUNDS
    )
    made = {}
    for year, quarter in ((2015, 1), (2015, 2), (2015, 3), (2016, 2)):
        body = {**LOAN, "matures_on": "2017-03-16", "year": year, "quarter": quarter}
        answer = funding_client.post(URL, json=body, headers=enterprise(funding_headers))
        assert answer.status_code == 201, answer.text
        made[year, quarter] = answer.json()["id"]

    def listed(**params: int) -> list[str]:
        answer = funding_client.get(URL, params=params, headers=admin(funding_headers))
        assert answer.status_code == 200, answer.text
        return [c["id"] for c in answer.json()["items"]]

    assert listed(year=2015, quarter=2) == [made[2015, 2]]
    assert listed(quarter=2) == [made[2015, 2], made[2016, 2]]
    assert listed(year=2016) == [made[2016, 2]]
    assert listed(year=2015) == [made[2015, 1], made[2015, 2], made[2015, 3]]


def test_a_quarter_is_claimed_from_the_next_day_in_shanghai(
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    graduate: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On 30 June (Shanghai) Q2 is not over; from 00:00 on 1 July (16:00 UTC) it is."""
    last_moment = datetime(2015, 6, 30, 15, 59, 59, 999_999, tzinfo=UTC)
    monkeypatch.setattr(interest_service, "utcnow", lambda: last_moment)
    early = funding_client.post(URL, json=LOAN, headers=enterprise(funding_headers))
    assert early.status_code == 422 and early.json()["code"] == "interest_quarter_not_over"
    assert early.json()["errors"][0]["field"] == "body.quarter"
    assert _claims(funding_client, funding_headers) == []
    next_day = datetime(2015, 6, 30, 16, 0, tzinfo=UTC)
    monkeypatch.setattr(interest_service, "utcnow", lambda: next_day)
    answer = funding_client.post(URL, json=LOAN, headers=enterprise(funding_headers))
    assert answer.status_code == 201, answer.text
    assert answer.json()["amount_fen"] == 657_431


def test_a_loan_outstanding_one_day_of_the_quarter_is_paid_for_that_day(
    funding_client: TestClient, funding_headers: FundingHeaders, graduate: str
) -> None:
    body = {**LOAN, "matures_on": "2015-04-02"}  # outstanding on 1 April only
    answer = funding_client.post(URL, json=body, headers=enterprise(funding_headers))
    assert answer.status_code == 201, answer.text
    claim = answer.json()
    assert (claim["first_day"], claim["last_day"], claim["days"]) == (
        "2015-04-01",
        "2015-04-01",
        1,
    )
    # 50,000,000 × 535 × 1 / 3,600,000 = 7,430.56 → 7,431 fen
    assert claim["amount_fen"] == 7_431


def test_other_loans_claimed_by_another_enterprise_are_no_bar(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders, graduate: str
) -> None:
    """Loan numbers of our bank sorting after and before ours, and our loan number at banks
    sorting before and after ours, claimed by another enterprise."""
    file_enterprise(funding_app, OTHER_USCC, founder_graduated_on="2014-07-01")
    others = (
        {"loan_ref": "JSB-TY-2015-000999"},
        {"loan_ref": "JSB-TY-2015-000001"},
        {"bank_code": "ABC"},
        {"bank_code": "ZZB"},
    )
    for other_loan in others:
        theirs = {**LOAN, **other_loan}
        other = funding_client.post(
            URL, json=theirs, headers=enterprise(funding_headers, OTHER_USCC)
        )
        assert other.status_code == 201, other.text
    ours = funding_client.post(URL, json=LOAN, headers=enterprise(funding_headers))
    assert ours.status_code == 201, ours.text
    listed = funding_client.get(URL, headers=enterprise(funding_headers)).json()["items"]
    assert [c["id"] for c in listed] == [ours.json()["id"]]  # an enterprise lists its own
    theirs = funding_client.get(
        URL, params={"enterprise": OTHER_USCC}, headers=admin(funding_headers)
    ).json()["items"]
    mine = funding_client.get(
        URL, params={"enterprise": GRADUATE_USCC}, headers=admin(funding_headers)
    ).json()["items"]
    assert len(theirs) == 4 and [c["id"] for c in mine] == [ours.json()["id"]]
    peek = funding_client.get(f"{URL}/{theirs[0]['id']}", headers=enterprise(funding_headers))
    assert peek.status_code == 404 and peek.json()["code"] == "interest_claim_not_found"


def test_a_loan_runs_at_most_thirty_years(
    funding_client: TestClient, funding_headers: FundingHeaders, graduate: str
) -> None:
    longest = {**LOAN, "loan_date": "2015-01-15", "matures_on": "2045-01-15", "quarter": 1}
    answer = funding_client.post(URL, json=longest, headers=enterprise(funding_headers))
    assert answer.status_code == 201, answer.text
    assert answer.json()["term_months"] == 360
    too_long = {**longest, "loan_ref": "JSB-LONG-2", "matures_on": "2045-01-16"}
    refused = funding_client.post(URL, json=too_long, headers=enterprise(funding_headers))
    assert refused.status_code == 422 and refused.json()["code"] == "validation_failed"
    error = refused.json()["errors"][0]
    assert error["field"] == "body.matures_on" and "at most 30 years" in error["message"]
    assert len(_claims(funding_client, funding_headers)) == 1


def test_a_thirty_year_loan_granted_on_29_february_falls_due_by_28_february(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    file_enterprise(funding_app, GRADUATE_USCC, founder_graduated_on="2011-07-01")
    fund_line(funding_app, account=INTEREST_LINE, amount_fen=FUNDS)
    longest = {**LOAN, "loan_ref": "JSB-LEAP-30", "loan_date": "2012-02-29",
               "matures_on": "2042-02-28", "quarter": 1}  # fmt: skip
    answer = funding_client.post(URL, json=longest, headers=enterprise(funding_headers))
    assert answer.status_code == 201, answer.text
    assert answer.json()["term_months"] == 360
    too_long = {**longest, "loan_ref": "JSB-LEAP-31", "matures_on": "2042-03-01"}
    refused = funding_client.post(URL, json=too_long, headers=enterprise(funding_headers))
    assert refused.status_code == 422 and refused.json()["code"] == "validation_failed"
    assert "after 2042-02-28" in refused.json()["errors"][0]["message"], refused.text


@pytest.mark.parametrize(
    ("principal_fen", "amount_fen"),
    [(39, 1), (100, 1), (114, 1), (115, 2)],
)
def test_the_smallest_subsidies_round_to_the_fen(
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    graduate: str,
    principal_fen: int,
    amount_fen: int,
) -> None:
    """Q2 of the one-year loan: principal × 47,335 / 3,600,000 — 39 fen make 0.51 (1 fen),
    114 make 1.4989 (1 fen), 115 make 1.5121 (2 fen)."""
    body = {**LOAN, "principal_fen": principal_fen}
    answer = funding_client.post(URL, json=body, headers=enterprise(funding_headers))
    assert answer.status_code == 201, answer.text
    assert answer.json()["amount_fen"] == amount_fen


def test_a_subsidy_under_half_a_fen_is_refused(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders, graduate: str
) -> None:
    """38 fen of principal make 38 × 47,335 / 3,600,000 = 0.4996 fen: nothing to pay."""
    body = {**LOAN, "principal_fen": 38}
    answer = funding_client.post(URL, json=body, headers=enterprise(funding_headers))
    assert answer.status_code == 422 and answer.json()["code"] == "interest_no_days"
    assert "(0 fen" in answer.json()["detail"]
    assert _claims(funding_client, funding_headers) == []
    assert balance(funding_app, INTEREST_LINE) == FUNDS


def test_a_quarter_of_many_rate_changes_names_the_versions_that_fit(
    funding_client: TestClient, funding_headers: FundingHeaders, graduate: str
) -> None:
    """A rate saved for each of 1 – 28 December (versions 7 – 34): the claim's version label
    keeps the whole numbers that fit in 80 characters and ends in `…`; its stretches and its
    disbursement hold them all."""
    for day in range(1, 29):
        _save_rate(
            funding_client,
            funding_headers,
            effective_from=f"2015-12-{day:02d}",
            rate_bp=str(400 - day),
        )
    answer = funding_client.post(
        URL, json={**LOAN, "quarter": 4}, headers=enterprise(funding_headers)
    )
    assert answer.status_code == 201, answer.text
    claim = answer.json()
    assert [s["version"] for s in claim["stretches"]] == list(range(5, 35))
    label = "funding.interest.benchmark@5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,…"
    assert len(label) == 80 and claim["rule_set_version"] == label
    disbursement = funding_client.get(
        f"/v1/disbursements/{claim['disbursement_id']}", headers=admin(funding_headers)
    )
    assert disbursement.json()["rule_set_version"] == label
    few = funding_client.post(URL, json={**LOAN, "quarter": 3}, headers=enterprise(funding_headers))
    assert few.json()["rule_set_version"] == "funding.interest.benchmark@4,5"
    # Loans of 1 December to the 20th (versions 7 – 25, exactly 80 characters: all shown) and
    # to the 21st (7 – 26, 83 characters: the cut falls inside "25", which goes whole); a loan
    # of 1 November to 20 December (6 – 25, 82 characters: the 80th is the comma after "24").
    labels = []
    for loan_date, matures_on in (
        ("2015-12-01", "2015-12-20"),
        ("2015-12-01", "2015-12-21"),
        ("2015-11-01", "2015-12-20"),
    ):
        body = {**LOAN, "loan_ref": f"JSB-{loan_date}-{matures_on}", "loan_date": loan_date,
                "matures_on": matures_on, "quarter": 4}  # fmt: skip
        december = funding_client.post(URL, json=body, headers=enterprise(funding_headers))
        assert december.status_code == 201, december.text
        labels.append(december.json()["rule_set_version"])
    versions = ",".join(str(version) for version in range(7, 26))
    assert labels == [
        f"funding.interest.benchmark@{versions}",
        f"funding.interest.benchmark@{versions.removesuffix(',25')},…",
        "funding.interest.benchmark@6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,…",
    ]
    assert len(labels[0]) == 80
