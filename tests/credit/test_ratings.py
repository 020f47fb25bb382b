"""Ratings: the scorecard's published figures, history with `as_of`, recompute by events, runs.

Expected scores are computed here by hand from the published version-1 parameters below (the
API documentation's table), never by calling the production scorecard.
"""

import threading
from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient

from services.common.consumer import FeedEvent
from services.common.db import Database
from services.credit.app import CHANGE_LISTENERS
from services.credit.enterprises.service import registry_handlers
from services.credit.ratings import service as rating_service
from services.credit.records.models import CreditRecord
from tests.credit.conftest import Clock, CreditHeaders, SeedEnterprise
from tests.credit.ratings_support import ME, daily, events_round, rating_of, start_run
from tests.credit.records_support import add_record, file_indicators

OTHER = "91140105MA0KDE119Q"
THIRD = "91140107MA0K3X2P1C"

# Published scorecard version 1 (effective 2015-01-01).
BASE = 600
SERIOUS, NEGATIVE, OVERDUE = -250, -60, -120
PATENT, TECH_CONTRACT, POSITIVE, REPAID = 15, 10, 20, 15
YEAR_POINTS, YOUNG_YEARS = 10, 3
GROWTH_STRONG = 40  # growth of 10% (1000 bp) or more
FILING_POINTS = [-20, 0, 15, 30]  # by years filed among the last three
BANDS = [("AAA", 850), ("AA", 750), ("A", 650), ("B", 550), ("C", 400)]


def grade_of(score: int) -> str:
    return next((grade for grade, floor in BANDS if score >= floor), "D")


def drain(database: Database) -> int:
    """Rounds of the ratings' consumer of the credit outbox until it has caught up."""
    for rounds in range(10):
        if events_round(database) == 0:
            return rounds
    raise AssertionError("the ratings consumer never caught up")


def credit_events(client: TestClient, headers: CreditHeaders, type_: str) -> list[dict[str, Any]]:
    answer = client.get(
        "/v1/events", params={"limit": 1000}, headers=headers(kind="service", org=None)
    )
    assert answer.status_code == 200, answer.text
    return [e for e in answer.json()["items"] if e["type"] == type_]


def test_a_rating_from_fixed_inputs_has_the_published_score_grade_and_reasons(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    seed_enterprise(ME, founded_on=date(2019, 3, 1))  # 7 full years on 2026-06-15
    serious = add_record(database, ME, "serious_dishonesty", "negative")
    penalties = sorted(
        add_record(database, ME, "administrative_penalty", "negative") for _ in range(2)
    )
    overdue = add_record(database, ME, "loan", "loan", loan_status="overdue")
    add_record(database, ME, "patent_granted", "positive")
    add_record(database, ME, "patent_granted", "positive")
    add_record(database, ME, "technology_contract", "positive")
    add_record(database, ME, "award", "positive")
    add_record(database, ME, "loan", "loan", loan_status="on_time")
    # Not counting: withdrawn, not yet occurred, ended more than five years ago.
    add_record(database, ME, "tax_arrears", "negative", status="withdrawn")
    add_record(database, ME, "tax_arrears", "negative", occurred_on=date(2026, 7, 1))
    add_record(
        database,
        ME,
        "tax_arrears",
        "negative",
        occurred_on=date(2019, 1, 1),
        ended_on=date(2021, 6, 14),
    )
    file_indicators(database, ME, {2023: 20, 2024: 20, 2025: 25})  # +25%: strong growth

    run = start_run(credit_client, credit_headers, "fixed-1", [ME])
    assert run["status"] == "succeeded"

    points = {
        "serious_dishonesty": SERIOUS,
        "negative_records": 2 * NEGATIVE,
        "overdue_loans": OVERDUE,
        "years_in_operation": (7 - YOUNG_YEARS) * YEAR_POINTS,
        "employment_growth": GROWTH_STRONG,
        "regular_filing": FILING_POINTS[3],
        "granted_patents": 2 * PATENT,
        "technology_contracts": TECH_CONTRACT,
        "positive_records": POSITIVE,
        "loans_repaid": REPAID,
    }
    score = BASE + sum(points.values())
    assert score == 295
    rating = rating_of(credit_client, credit_headers)
    assert (rating["score"], rating["grade"]) == (score, grade_of(score)) == (295, "D")
    assert {f["name"]: f["points"] for f in rating["factors"]} == points
    # A record factor's input is the number of its records, whether or not the scorecard
    # states it (serious_dishonesty, overdue_loans, granted_patents... do not).
    assert {f["name"]: f["input"] for f in rating["factors"]} == {
        "serious_dishonesty": 1,
        "negative_records": 2,
        "overdue_loans": 1,
        "years_in_operation": 7,
        "employment_growth": 2500,  # basis points, 20 → 25
        "regular_filing": 3,
        "granted_patents": 2,
        "technology_contracts": 1,
        "positive_records": 1,
        "loans_repaid": 1,
    }
    # The most points lost first; the last place goes to the first of the two +40 factors.
    assert rating["reasons"] == [
        {
            "code": "R01_SERIOUS_DISHONESTY",
            "factor": "serious_dishonesty",
            "points": -250,
            "record_ids": [serious],
        },
        {
            "code": "R02_NEGATIVE_RECORDS",
            "factor": "negative_records",
            "points": -120,
            "record_ids": penalties,
        },
        {
            "code": "R03_OVERDUE_LOANS",
            "factor": "overdue_loans",
            "points": -120,
            "record_ids": [overdue],
        },
        {
            "code": "R04_YEARS_IN_OPERATION",
            "factor": "years_in_operation",
            "points": 40,
            "record_ids": [],
        },
    ]
    assert rating["rule_set"] == {"id": "rls_credit_scorecard_v1", "version": 1}
    assert rating["scored_on"] == "2026-06-15"
    assert rating["valid_to"] is None


def test_a_negative_record_stops_counting_after_its_five_year_anniversary(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    seed_enterprise(ME, founded_on=date(2010, 1, 1))  # ≥ 10 years: the cap
    penalty = add_record(
        database,
        ME,
        "administrative_penalty",
        "negative",
        occurred_on=date(2019, 5, 1),
        ended_on=date(2020, 6, 30),
    )
    clean = BASE + (10 - YOUNG_YEARS) * YEAR_POINTS + FILING_POINTS[0]  # 650: A
    # 2025-06-30 in Shanghai: the anniversary, still counted.
    clock.now = datetime(2025, 6, 30, 4, 0, tzinfo=UTC)
    start_run(credit_client, credit_headers, "expiry-1", [ME])
    before = rating_of(credit_client, credit_headers)
    assert (before["score"], before["grade"]) == (clean + NEGATIVE, "B")
    assert before["reasons"][0]["record_ids"] == [penalty]

    clock.now = datetime(2025, 6, 30, 16, 0, tzinfo=UTC)  # 2025-07-01 00:00 in Shanghai
    run = start_run(credit_client, credit_headers, "expiry-2", [ME])
    assert (run["changed"], run["unchanged"]) == (1, 0)
    after = rating_of(credit_client, credit_headers)
    assert (after["score"], after["grade"]) == (clean, "A")
    assert after["scored_on"] == "2025-07-01"
    assert {f["name"]: f["record_ids"] for f in after["factors"]}["negative_records"] == []

    # History: the earlier rating as it stood, now closed by the later one.
    earlier = rating_of(credit_client, credit_headers, as_of="2025-06-30")
    assert earlier["id"] == before["id"]
    assert earlier["score"] == clean + NEGATIVE
    assert earlier["valid_to"] == after["valid_from"] == "2025-06-30T16:00:00Z"
    moment = rating_of(credit_client, credit_headers, as_of="2025-06-30T15:59:59Z")
    assert moment["id"] == before["id"]
    assert rating_of(credit_client, credit_headers, as_of="2025-07-01")["id"] == after["id"]
    missing = credit_client.get(
        f"/v1/enterprises/{ME}/rating",
        params={"as_of": "2025-06-29"},
        headers=credit_headers(kind="department"),
    )
    assert missing.status_code == 404
    assert missing.json()["code"] == "rating_not_found"
    for wrong in ("yesterday", "20260630", "1782777600", "2026-06-31", "2026-06-30T25:00"):
        bad = credit_client.get(
            f"/v1/enterprises/{ME}/rating",
            params={"as_of": wrong},
            headers=credit_headers(kind="department"),
        )
        assert bad.status_code == 422, (wrong, bad.text)
        # one error naming the field, not one per member of its date-or-timestamp type
        assert [(e["field"], e["code"]) for e in bad.json()["errors"]] == [
            ("query.as_of", "value_error")
        ], wrong


def test_a_record_added_through_the_event_path_changes_the_rating_and_emits_rating_changed(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    seed_enterprise(ME, founded_on=date(2019, 3, 1))
    seed_enterprise(OTHER, founded_on=date(2019, 3, 1))
    start_run(credit_client, credit_headers, "event-1")
    first = rating_of(credit_client, credit_headers)
    young = BASE + (7 - YOUNG_YEARS) * YEAR_POINTS + FILING_POINTS[0]  # 620: B
    assert (first["score"], first["grade"]) == (young, "B")

    clock.now = datetime(2026, 6, 16, 4, 0, tzinfo=UTC)
    record = add_record(database, ME, "serious_dishonesty", "negative")
    rounds = drain(database)  # the local consumer, as its periodic job runs it
    assert 1 <= rounds <= 3

    now = rating_of(credit_client, credit_headers)
    assert (now["score"], now["grade"]) == (young + SERIOUS, "D")
    assert now["reasons"][0] == {
        "code": "R01_SERIOUS_DISHONESTY",
        "factor": "serious_dishonesty",
        "points": SERIOUS,
        "record_ids": [record],
    }
    assert rating_of(credit_client, credit_headers, uscc=OTHER)["score"] == young
    changed = credit_events(credit_client, credit_headers, "rating.changed")
    mine = [e["payload"] for e in changed if e["payload"]["uscc"] == ME]
    assert mine[-1] == {
        "uscc": ME,
        "rating_id": now["id"],
        "previous": {"score": young, "grade": "B"},
        "current": {"score": young + SERIOUS, "grade": "D"},
        "rule_set": {"id": "rls_credit_scorecard_v1", "version": 1},
    }
    # Only the enterprise the event named was rated again.
    assert [e["payload"]["uscc"] for e in changed].count(OTHER) == 1
    # The day before still shows the rating as it was.
    assert rating_of(credit_client, credit_headers, as_of="2026-06-15")["id"] == first["id"]


def test_a_disputed_record_counts_as_in_the_rating_before_the_dispute(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    seed_enterprise(ME, founded_on=date(2019, 3, 1))
    penalty = add_record(database, ME, "administrative_penalty", "negative")
    start_run(credit_client, credit_headers, "dispute-1", [ME])
    before = rating_of(credit_client, credit_headers)
    with database.transaction() as session:
        row = session.get(CreditRecord, penalty)
        assert row is not None
        row.disputed = True
        # Disputed and corrected meanwhile: still frozen at its weight before the dispute.
        row.type, row.version = "serious_dishonesty", 2
    late = add_record(database, ME, "administrative_penalty", "negative", disputed=True)
    clock.now = datetime(2026, 6, 20, 4, 0, tzinfo=UTC)
    start_run(credit_client, credit_headers, "dispute-2", [ME])
    after = rating_of(credit_client, credit_headers)
    assert after["score"] == before["score"]
    factors = {f["name"]: f for f in after["factors"]}
    assert factors["negative_records"]["record_ids"] == [penalty]
    assert factors["serious_dishonesty"]["record_ids"] == []
    assert late not in factors["negative_records"]["record_ids"]
    assert after["id"] == before["id"]  # nothing the rating says changed: no new rating
    # A withdrawal is not frozen: a withdrawn record never counts.
    with database.transaction() as session:
        row = session.get(CreditRecord, penalty)
        assert row is not None
        row.status = "withdrawn"
    start_run(credit_client, credit_headers, "dispute-3", [ME])
    assert rating_of(credit_client, credit_headers)["score"] == before["score"] - NEGATIVE


def test_batch_runs_count_what_they_did_and_are_idempotent(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    seed_enterprise(ME)
    seed_enterprise(OTHER)
    seed_enterprise(THIRD, status="deregistered")
    first = start_run(credit_client, credit_headers, "batch-1")
    assert {
        k: first[k] for k in ("status", "enterprises", "rated", "first_ratings", "changed")
    } == {
        "status": "succeeded",
        "enterprises": 2,
        "rated": 2,
        "first_ratings": 2,
        "changed": 2,
    }
    assert first["requested_by"] and first["finished_at"] is not None
    again = start_run(credit_client, credit_headers, "batch-2")
    assert (again["rated"], again["changed"], again["unchanged"]) == (2, 0, 2)
    listed = start_run(credit_client, credit_headers, "batch-3", [ME, THIRD, "91140100MA0K9999XX"])
    assert (listed["enterprises"], listed["rated"], listed["skipped"]) == (1, 1, 2)
    # No new rating where nothing changed; the deregistered enterprise has none.
    assert rating_of(credit_client, credit_headers)["id"] is not None
    none = credit_client.get(
        f"/v1/enterprises/{THIRD}/rating", headers=credit_headers(kind="department")
    )
    assert none.status_code == 404 and none.json()["code"] == "rating_not_found"

    admin = credit_headers(kind="admin", org=None)
    replay = credit_client.post(
        "/v1/ratings/runs", json={}, headers={**admin, "Idempotency-Key": "batch-1"}
    )
    assert replay.status_code == 202 and replay.json()["id"] == first["id"]
    unkeyed = credit_client.post("/v1/ratings/runs", json={}, headers=admin)
    assert unkeyed.status_code == 400
    assert unkeyed.json()["code"] == "idempotency_key_required"
    too_few = credit_client.post(
        "/v1/ratings/runs", json={"usccs": []}, headers={**admin, "Idempotency-Key": "batch-4"}
    )
    assert too_few.status_code == 422
    unknown = credit_client.get("/v1/ratings/runs/rrn_nope", headers=admin)
    assert unknown.status_code == 404 and unknown.json()["code"] == "rating_run_not_found"


def test_banks_and_strangers_are_refused_and_the_enterprise_reads_its_own(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    seed_enterprise(ME)
    seed_enterprise(OTHER)
    start_run(credit_client, credit_headers, "who-1")
    url = f"/v1/enterprises/{ME}/rating"
    for kind in ("bank", "provider", "service"):
        refused = credit_client.get(url, headers=credit_headers(kind=kind))
        assert refused.status_code == 403, kind
        assert refused.json()["code"] == "forbidden_client_kind"
    other = credit_client.get(
        f"/v1/enterprises/{OTHER}/rating", headers=credit_headers(kind="enterprise")
    )
    assert other.status_code == 403 and other.json()["code"] == "rating_not_your_enterprise"
    # Either way round: an enterprise, or a portal for it, whose number sorts after ME's.
    for kind, actor in (("enterprise", None), ("portal", "portal_demo")):
        theirs = credit_client.get(url, headers=credit_headers(kind=kind, org=OTHER, actor=actor))
        assert theirs.status_code == 403, kind
        assert theirs.json()["code"] == "rating_not_your_enterprise"
    for kind, actor in (("enterprise", None), ("portal", "portal_demo"), ("admin", None)):
        org = None if kind == "admin" else ME
        seen = credit_client.get(url, headers=credit_headers(kind=kind, org=org, actor=actor))
        assert seen.status_code == 200, (kind, seen.text)
        assert seen.json()["uscc"] == ME
    bank_run = credit_client.post(
        "/v1/ratings/runs",
        json={},
        headers={**credit_headers(kind="bank"), "Idempotency-Key": "bank-1"},
    )
    assert bank_run.status_code == 403 and bank_run.json()["code"] == "forbidden_client_kind"
    dept_run = credit_client.post(
        "/v1/ratings/runs",
        json={},
        headers={**credit_headers(kind="department"), "Idempotency-Key": "dept-1"},
    )
    assert dept_run.status_code == 403 and dept_run.json()["code"] == "forbidden_client_kind"
    unknown = credit_client.get(
        "/v1/enterprises/91140100MA0K9999XX/rating", headers=credit_headers(kind="department")
    )
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "rating_enterprise_not_found"


def test_current_rating_serves_the_reports_domain_as_of_a_moment(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    seed_enterprise(ME)
    start_run(credit_client, credit_headers, "cur-1")
    with database.session(write=False) as session:
        now = rating_service.current_rating(session=session, uscc=ME)
        before = rating_service.current_rating(
            session=session, uscc=ME, at=datetime(2026, 6, 15, 3, 0, tzinfo=UTC)
        )
        grade = rating_service.public_grade(session=session, uscc=ME)
    assert now is not None and now.uscc == ME
    assert before is None
    assert grade.grade == now.grade


def test_indicators_reported_through_the_registry_feed_recompute_the_rating(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    seed_enterprise(ME, founded_on=date(2019, 3, 1))
    start_run(credit_client, credit_headers, "feed-1", [ME])
    young = BASE + (7 - YOUNG_YEARS) * YEAR_POINTS + FILING_POINTS[0]
    assert rating_of(credit_client, credit_headers)["score"] == young
    handlers = registry_handlers(CHANGE_LISTENERS)  # as the app's registry consumer has them
    clock.now = datetime(2026, 6, 16, 4, 0, tzinfo=UTC)
    with database.transaction() as session:
        for seq, (year, people) in enumerate(((2024, 20), (2025, 21)), start=1):
            payload = {
                "report_id": f"ind_feed_{year}",
                "uscc": ME,
                "year": year,
                "quarter": None,
                "source": "statistics",
                "figures": {"employees": people},
                "effective": {"employees": people},
            }
            event = FeedEvent(seq, f"evt_{seq}", "indicators.reported", payload, clock.now)
            handlers["indicators.reported"](session, event)
    now = rating_of(credit_client, credit_headers)
    # Filed 2 of the last 3 years; 20 → 21 employees: +5% (500 bp), growth but not strong.
    growth = 15
    assert now["score"] == BASE + (7 - YOUNG_YEARS) * YEAR_POINTS + FILING_POINTS[2] + growth
    assert {f["name"]: f["input"] for f in now["factors"]}["employment_growth"] == 500
    changed = credit_events(credit_client, credit_headers, "rating.changed")
    # One recompute per report: 2024 alone (1 year filed: 0 points), then 2025.
    one_year = young - FILING_POINTS[0] + FILING_POINTS[1]
    assert [(e["payload"]["previous"], e["payload"]["current"]) for e in changed[-2:]] == [
        ({"score": young, "grade": "B"}, {"score": one_year, "grade": "B"}),
        ({"score": one_year, "grade": "B"}, {"score": now["score"], "grade": "A"}),
    ]


# Published scorecard version 2 (a test's policy change): serious dishonesty costs 200 points.
SERIOUS_V2 = -200


def test_an_admin_saves_scorecard_version_2_and_ratings_from_its_date_use_it(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    seed_enterprise(ME, founded_on=date(2019, 3, 1))
    serious = add_record(database, ME, "serious_dishonesty", "negative")
    young = BASE + (7 - YOUNG_YEARS) * YEAR_POINTS + FILING_POINTS[0]  # 620
    start_run(credit_client, credit_headers, "v2-1", [ME])
    first = rating_of(credit_client, credit_headers)
    assert (first["score"], first["grade"]) == (young + SERIOUS, grade_of(young + SERIOUS))
    assert first["rule_set"] == {"id": "rls_credit_scorecard_v1", "version": 1}

    # The admin copies version 1 through the API and changes one parameter.
    admin = credit_headers(kind="admin", org=None)
    v1 = credit_client.get("/v1/rule-sets/rls_credit_scorecard_v1", headers=admin).json()
    assert v1["in_use"] is True  # a stored rating names it: it can no longer be edited
    body = {
        "family": "credit.scorecard",
        "effective_from": "2026-07-01",
        "description": "Serious dishonesty weighs less from July 2026.",
        "inputs": v1["inputs"],
        "parameters": {**v1["parameters"], "serious_points": {"type": "int", "value": SERIOUS_V2}},
        "rules": [
            {k: rule[k] for k in ("name", "expression", "description")} for rule in v1["rules"]
        ],
    }
    # A factor (a rule named points_*) must give points: an int.
    broken = [*body["rules"], {"name": "points_bonus", "expression": '"10"'}]
    refused = credit_client.post("/v1/rule-sets", json={**body, "rules": broken}, headers=admin)
    assert refused.status_code == 422 and refused.json()["code"] == "rule_result_missing"
    assert refused.json()["errors"][0]["field"] == f"body.rules[{len(body['rules'])}].expression"
    assert refused.json()["errors"][0]["message"] == (
        "rule 'points_bonus' gives string; the family needs int from every rule named points_*"
    )
    saved = credit_client.post(
        "/v1/rule-sets", json=body, headers={**admin, "Idempotency-Key": "scorecard-v2"}
    )
    assert saved.status_code == 201, saved.text
    v2 = saved.json()
    assert v2["version"] == 2 and v2["in_use"] is False

    clock.now = datetime(2026, 6, 30, 4, 0, tzinfo=UTC)  # the day before: version 1
    still = start_run(credit_client, credit_headers, "v2-2", [ME])
    assert (still["changed"], still["unchanged"]) == (0, 1)
    clock.now = datetime(2026, 6, 30, 16, 0, tzinfo=UTC)  # 2026-07-01 00:00 in Shanghai
    run = start_run(credit_client, credit_headers, "v2-3", [ME])
    assert run["changed"] == 1
    now = rating_of(credit_client, credit_headers)
    score = young + SERIOUS_V2
    assert (now["score"], now["grade"]) == (score, grade_of(score)) == (420, "C")
    assert now["rule_set"] == {"id": v2["id"], "version": 2}
    assert now["reasons"][0] == {
        "code": "R01_SERIOUS_DISHONESTY",
        "factor": "serious_dishonesty",
        "points": SERIOUS_V2,
        "record_ids": [serious],
    }
    changed = credit_events(credit_client, credit_headers, "rating.changed")
    assert changed[-1]["payload"]["rule_set"] == {"id": v2["id"], "version": 2}
    assert changed[-1]["payload"]["previous"] == {"score": young + SERIOUS, "grade": "D"}
    assert rating_of(credit_client, credit_headers, as_of="2026-06-30")["id"] == first["id"]
    used = credit_client.get(f"/v1/rule-sets/{v2['id']}", headers=admin).json()
    assert used["in_use"] is True


def test_the_daily_job_rates_what_changes_by_the_date_alone_once_a_day(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    seed_enterprise(ME, founded_on=date(2010, 1, 1))
    seed_enterprise(OTHER, founded_on=date(2010, 1, 1))
    filed = datetime(2024, 1, 2, 2, 0, tzinfo=UTC)
    penalty = add_record(
        database,
        ME,
        "administrative_penalty",
        "negative",
        occurred_on=date(2019, 5, 1),
        ended_on=date(2020, 6, 30),
        filed_at=filed,
        updated_at=filed,
    )
    listing = add_record(
        database,
        OTHER,
        "serious_dishonesty",
        "negative",
        occurred_on=date(2024, 1, 1),
        ended_on=date(2025, 7, 1),  # leaves the list that day, with no event
        filed_at=filed,
        updated_at=filed,
    )
    clean = BASE + (10 - YOUNG_YEARS) * YEAR_POINTS + FILING_POINTS[0]  # 650: A
    clock.now = datetime(2025, 6, 30, 4, 0, tzinfo=UTC)  # the anniversary: still counted
    start_run(credit_client, credit_headers, "daily-1")
    assert rating_of(credit_client, credit_headers)["score"] == clean + NEGATIVE
    assert rating_of(credit_client, credit_headers, uscc=OTHER)["score"] == clean + SERIOUS
    assert daily(database) == 1  # the first round takes today: nothing changes yet
    assert daily(database) == 0
    before = len(credit_events(credit_client, credit_headers, "rating.changed"))
    assert credit_events(credit_client, credit_headers, "dishonesty.cleared") == []

    clock.now = datetime(2025, 6, 30, 16, 30, tzinfo=UTC)  # 2025-07-01 00:30 in Shanghai
    assert daily(database) == 1
    after = rating_of(credit_client, credit_headers)
    assert (after["score"], after["grade"]) == (clean, "A")
    assert after["scored_on"] == "2025-07-01"
    assert {f["name"]: f["record_ids"] for f in after["factors"]}["negative_records"] == []
    changed = credit_events(credit_client, credit_headers, "rating.changed")
    assert [e["payload"] for e in changed[before:]] == [
        {
            "uscc": ME,
            "rating_id": after["id"],
            "previous": {"score": clean + NEGATIVE, "grade": "B"},
            "current": {"score": clean, "grade": "A"},
            "rule_set": {"id": "rls_credit_scorecard_v1", "version": 1},
        }
    ]
    cleared = credit_events(credit_client, credit_headers, "dishonesty.cleared")
    assert [e["payload"] for e in cleared] == [
        {
            "record_id": listing,
            "uscc": OTHER,
            "source": "tax_bureau",
            "enterprise_listed": False,
            "removed_on": "2025-07-01",
            "cause": "ended",
        }
    ]
    # The serious record still counts (five years from its end): OTHER's rating stands.
    assert rating_of(credit_client, credit_headers, uscc=OTHER)["score"] == clean + SERIOUS
    assert penalty not in str(after["reasons"])

    # Twice the same day: nothing more.
    clock.now = datetime(2025, 7, 1, 10, 0, tzinfo=UTC)  # 18:00 in Shanghai
    assert daily(database) == 0
    assert len(credit_events(credit_client, credit_headers, "rating.changed")) == len(changed)
    assert len(credit_events(credit_client, credit_headers, "dishonesty.cleared")) == 1


def test_two_replicas_running_the_daily_job_at_once_do_the_day_once(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    seed_enterprise(ME, founded_on=date(2010, 1, 1))
    filed = datetime(2024, 1, 2, 2, 0, tzinfo=UTC)
    add_record(
        database,
        ME,
        "serious_dishonesty",
        "negative",
        occurred_on=date(2024, 1, 1),
        ended_on=date(2025, 7, 1),
        filed_at=filed,
        updated_at=filed,
    )
    clock.now = datetime(2025, 6, 30, 4, 0, tzinfo=UTC)
    assert daily(database) == 1
    clock.now = datetime(2025, 7, 1, 4, 0, tzinfo=UTC)
    barrier = threading.Barrier(2, timeout=10)
    done: list[int] = []

    def replica() -> None:
        barrier.wait()
        done.append(daily(database))

    threads = [threading.Thread(target=replica) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(done) == [0, 1]
    cleared = credit_events(credit_client, credit_headers, "dishonesty.cleared")
    assert [e["payload"]["uscc"] for e in cleared] == [ME]
