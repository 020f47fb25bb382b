"""What a rating reads from any scorecard version an admin saves: factors with and without a
stated input, record factors of one kind or several, unknown inputs, the reasons' order, and
the version's own mistakes (a score out of range, an input that is not its records' number).

Each test saves version 2 of `credit.scorecard` through the API, in force from 1 July 2026, and
rates on that day.
"""

from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.common.db import Database
from tests.credit.conftest import Clock, CreditHeaders, SeedEnterprise
from tests.credit.ratings_support import ME, rating_of, start_run
from tests.credit.records_support import add_record

IN_FORCE = datetime(2026, 7, 1, 4, 0, tzinfo=UTC)  # noon in Shanghai on the version's first day


def _in_force(
    client: TestClient,
    headers: CreditHeaders,
    clock: Clock,
    inputs: dict[str, str],
    rules: list[tuple[str, str]],
) -> str:
    """Save a scorecard version of `rules` ((name, expression), in order) and move to its
    first day; returns its id."""
    saved = client.post(
        "/v1/rule-sets",
        json={
            "family": "credit.scorecard",
            "effective_from": IN_FORCE.date().isoformat(),
            "inputs": inputs,
            "rules": [{"name": name, "expression": text} for name, text in rules],
        },
        headers={**headers(kind="admin", org=None), "Idempotency-Key": "scorecard-2"},
    )
    assert saved.status_code == 201, saved.text
    assert saved.json()["version"] == 2
    clock.now = IN_FORCE
    rule_set_id: str = saved.json()["id"]
    return rule_set_id


def _factors(rating: dict[str, Any]) -> dict[str, tuple[int | None, int, list[str]]]:
    return {f["name"]: (f["input"], f["points"], f["record_ids"]) for f in rating["factors"]}


# Every way a factor can be written: counted from its records (one kind or several), stated and
# checked against them, unknown, or with neither records nor input.
PROBE_INPUTS = {
    "negative_records": "int",
    "positive_records": "int",
    "overdue_loans": "int",
    "on_time_loans": "int",
    "employment_growth_bp": "int",
}
PROBE = [
    ("records_negatives", '["negative_records"]'),
    ("points_negatives", "negative_records * -10"),
    ("input_positives", "positive_records"),
    ("records_positives", '["positive_records"]'),
    ("points_positives", "positive_records * 5"),
    ("points_flat", "7"),
    ("points_one", "1"),
    ("records_unknown", '["on_time_loans"]'),
    ("input_unknown", "on_time_loans"),
    ("known_unknown", "false"),
    ("points_unknown", "0"),
    ("records_loans", '["overdue_loans", "on_time_loans"]'),
    ("points_loans", "0"),
    ("records_overlap", '["tax_arrears_records", "negative_records"]'),
    ("points_overlap", "0"),
    ("input_growth", "employment_growth_bp"),  # read without its known_ flag
    ("points_growth", "0"),
    ("score", "500 + points_negatives + points_positives + points_flat + points_one"),
    ("grade", '"B"'),
    (
        "reason_codes",
        '{"negatives": "N1", "positives": "P1", "flat": "F1", "one": "O1", "unknown": "U1"}',
    ),
]


def test_every_kind_of_factor_reads_its_records_and_inputs(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    seed_enterprise(ME)
    negatives = sorted(
        [
            add_record(database, ME, "administrative_penalty", "negative"),
            add_record(database, ME, "tax_arrears", "negative"),
        ]
    )
    award = add_record(database, ME, "award", "positive")
    # The on-time loan's id sorts first, its kind second in the factor's list.
    on_time = add_record(database, ME, "loan", "loan", loan_status="on_time")
    overdue = add_record(database, ME, "loan", "loan", loan_status="overdue")
    version = _in_force(credit_client, credit_headers, clock, PROBE_INPUTS, PROBE)

    assert start_run(credit_client, credit_headers, "probe", [ME])["status"] == "succeeded"
    rating = rating_of(credit_client, credit_headers)
    assert rating["rule_set"] == {"id": version, "version": 2}
    assert (rating["score"], rating["grade"]) == (500 - 20 + 5 + 7 + 1, "B")
    assert _factors(rating) == {
        # Loans are neither negative nor positive records: only the two negatives count.
        "negatives": (2, -20, negatives),
        "positives": (1, 5, [award]),
        "flat": (None, 7, []),  # neither records nor an input: no input
        "one": (None, 1, []),
        "unknown": (None, 0, [on_time]),  # known_ false: no input, its records still named
        "loans": (2, 0, [on_time, overdue]),  # two kinds: their records by id
        "overlap": (2, 0, negatives),  # a record of two of its kinds is one record
        "growth": (0, 0, []),  # no filings: growth unknown, given as 0
    }
    # Most points lost first, then most points gained (7, 5, 1); none for 0 points.
    assert [(r["code"], r["points"]) for r in rating["reasons"]] == [
        ("N1", -20),
        ("F1", 7),
        ("P1", 5),
        ("O1", 1),
    ]
    assert rating["reasons"][0]["record_ids"] == negatives


@pytest.mark.parametrize(("stated", "given"), [("overdue_loans + 1", 2), ("overdue_loans - 1", 0)])
def test_a_stated_input_that_is_not_the_number_of_its_records_fails_the_run(
    stated: str,
    given: int,
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    seed_enterprise(ME)
    add_record(database, ME, "loan", "loan", loan_status="overdue")
    rules = [
        ("records_overdue", '["overdue_loans"]'),
        ("input_overdue", stated),
        ("points_overdue", "0"),
        ("score", "500"),
        ("grade", '"B"'),
        ("reason_codes", '{"overdue": "O1"}'),
    ]
    _in_force(credit_client, credit_headers, clock, {"overdue_loans": "int"}, rules)

    run = start_run(credit_client, credit_headers, "mismatch", [ME])
    assert (run["status"], run["rated"]) == ("failed", 0)
    assert run["error"] == (
        f"RatingScorecardInvalid: credit.scorecard version 2 gave the factor overdue the input "
        f"{given}, but 1 records of overdue_loans."
    )
    none = credit_client.get(
        f"/v1/enterprises/{ME}/rating", headers=credit_headers(kind="department")
    )
    assert none.status_code == 404 and none.json()["code"] == "rating_not_found"


@pytest.mark.parametrize(("score", "grade"), [(0, "D"), (1000, "AAA")])
def test_a_score_of_0_or_1000_is_a_rating(
    score: int,
    grade: str,
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    clock: Clock,
) -> None:
    seed_enterprise(ME)
    rules = [("score", str(score)), ("grade", f'"{grade}"'), ("reason_codes", '{"x": "X1"}')]
    _in_force(credit_client, credit_headers, clock, {}, rules)
    assert start_run(credit_client, credit_headers, "edge", [ME])["status"] == "succeeded"
    rating = rating_of(credit_client, credit_headers)
    assert (rating["score"], rating["grade"], rating["factors"]) == (score, grade, [])


@pytest.mark.parametrize("score", [-1, 1001])
def test_a_score_outside_0_to_1000_fails_the_run(
    score: int,
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    clock: Clock,
) -> None:
    seed_enterprise(ME, founded_on=date(2019, 3, 1))
    rules = [("score", str(score)), ("grade", '"B"'), ("reason_codes", '{"x": "X1"}')]
    _in_force(credit_client, credit_headers, clock, {}, rules)
    run = start_run(credit_client, credit_headers, "outside", [ME])
    assert (run["status"], run["rated"]) == ("failed", 0)
    assert run["error"] == (
        f"RatingScorecardInvalid: credit.scorecard version 2 gave the score {score}, "
        "outside 0–1000."
    )
    none = credit_client.get(
        f"/v1/enterprises/{ME}/rating", headers=credit_headers(kind="department")
    )
    assert none.status_code == 404 and none.json()["code"] == "rating_not_found"


def test_a_record_counts_from_its_day_and_only_one_that_could_count_is_held_disputed(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    seed_enterprise(ME)
    day, tomorrow = IN_FORCE.date(), date(2026, 7, 2)
    today = add_record(database, ME, "serious_dishonesty", "negative", occurred_on=day)
    add_record(database, ME, "serious_dishonesty", "negative", occurred_on=tomorrow)
    # Disputed: one of today (held as it counted before: never rated, so not counted), one
    # withdrawn and one of tomorrow (neither could count, so neither is held).
    add_record(database, ME, "serious_dishonesty", "negative", occurred_on=day, disputed=True)
    add_record(database, ME, "serious_dishonesty", "negative", status="withdrawn", disputed=True)
    add_record(database, ME, "serious_dishonesty", "negative", occurred_on=tomorrow, disputed=True)
    rules = [
        ("records_serious", '["serious_dishonesty_records"]'),
        ("points_serious", "0"),
        ("input_disputed", "disputed_records"),
        ("points_disputed", "0"),
        ("score", "500"),
        ("grade", '"B"'),
        ("reason_codes", '{"serious": "S1"}'),
    ]
    inputs = {"serious_dishonesty_records": "int", "disputed_records": "int"}
    _in_force(credit_client, credit_headers, clock, inputs, rules)
    assert start_run(credit_client, credit_headers, "today", [ME])["status"] == "succeeded"
    assert _factors(rating_of(credit_client, credit_headers)) == {
        "serious": (1, 0, [today]),
        "disputed": (1, 0, []),
    }
