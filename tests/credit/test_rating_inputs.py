"""What a rating reads about an enterprise on its day: full years since founding, the years it
filed indicators for, its employment growth from the filings that count, and its records in
id order, whatever else the tables hold.

Read through the published scorecard (version 1): a factor's `input` is what it read.
"""

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient

from services.common.db import Database
from tests.credit.conftest import Clock, CreditHeaders, SeedEnterprise
from tests.credit.ratings_support import ME, rating_of, start_run
from tests.credit.records_support import add_filing, add_record, add_records, file_indicators
from tests.registry.factories import make_uscc

# The rating's day is 15 June 2026 (the held clock): 2023, 2024 and 2025 are the three
# completed years before it.
A, B, C, D = "91140100MA0K000105", "91140100MA0K000206", "91140100MA0K000307", "91140100MA0K000408"
E, F = "91140100MA0K000509", "91140100MA0K00060A"


def _inputs(client: TestClient, headers: CreditHeaders, uscc: str) -> dict[str, int | None]:
    return {f["name"]: f["input"] for f in rating_of(client, headers, uscc)["factors"]}


def test_full_years_since_founding_on_the_rating_day(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    clock: Clock,
) -> None:
    founded = {
        A: (date(2019, 6, 15), 7),  # the anniversary itself counts
        B: (date(2019, 6, 16), 6),  # a day short of it
        C: (date(1000, 1, 1), 1026),  # the registry takes any past date
        D: (date(2026, 1, 1), 0),  # not a year yet
        E: (date(2026, 6, 20), 0),  # after the rating day (a replica ahead of this clock)
    }
    for uscc, (on, _years) in founded.items():
        seed_enterprise(uscc, founded_on=on)
    assert start_run(credit_client, credit_headers, "years")["rated"] == 5
    for uscc, (_on, years) in founded.items():
        assert _inputs(credit_client, credit_headers, uscc)["years_in_operation"] == years, uscc


def test_filing_years_are_the_three_completed_years_before_the_rating(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    for uscc in (A, B, C, D):
        seed_enterprise(uscc)
    # A: four years back and this year's first quarter do not count; 2024 does.
    file_indicators(database, A, {2022: 20, 2024: 20})
    add_filing(database, A, 2026, 20, quarter=1, reported_at=datetime(2026, 4, 10, tzinfo=UTC))
    file_indicators(database, B, {2023: 20, 2025: 20})  # the first and last of the three
    # C: its 2025 report arrives after the rating's moment (15 June 2026): not yet known.
    file_indicators(database, C, {2023: 20, 2024: 20})
    add_filing(database, C, 2025, 30, reported_at=datetime(2026, 7, 1, tzinfo=UTC))
    # D: a report for a year after the rating's (as a replica ahead of this clock could hold)
    # is not read: growth stays 2024 to 2025.
    file_indicators(database, D, {2024: 20, 2025: 30})
    add_filing(database, D, 2027, 90, reported_at=datetime(2026, 6, 1, tzinfo=UTC))
    assert start_run(credit_client, credit_headers, "filing")["rated"] == 4
    assert _inputs(credit_client, credit_headers, A)["regular_filing"] == 1
    assert _inputs(credit_client, credit_headers, B)["regular_filing"] == 2
    known = _inputs(credit_client, credit_headers, C)
    assert (known["regular_filing"], known["employment_growth"]) == (2, 0)
    assert _inputs(credit_client, credit_headers, D)["employment_growth"] == 5000


def test_employment_growth_from_the_latest_year_and_the_one_before(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    for uscc in (A, B, C, D, E, F):
        seed_enterprise(uscc)
    file_indicators(database, A, {2020: 10, 2021: 20})  # older than the years read: unknown
    file_indicators(database, F, {2021: 10, 2022: 20})  # only the later one read: unknown
    file_indicators(database, B, {2022: 10, 2023: 20})  # the oldest years read: doubled
    file_indicators(database, C, {2024: 20, 2025: 15})  # a fall of a quarter
    file_indicators(database, D, {2023: 20, 2024: 30})  # latest an even year, 2025 not filed
    # E: this year's first quarter is the latest headcount (a stock, not a year's flow).
    file_indicators(database, E, {2024: 20, 2025: 20})
    add_filing(database, E, 2026, 30, quarter=1, reported_at=datetime(2026, 4, 10, tzinfo=UTC))
    assert start_run(credit_client, credit_headers, "growth")["rated"] == 6
    assert _inputs(credit_client, credit_headers, A)["employment_growth"] is None
    assert _inputs(credit_client, credit_headers, F)["employment_growth"] is None
    assert _inputs(credit_client, credit_headers, B)["employment_growth"] == 10_000
    assert _inputs(credit_client, credit_headers, D)["employment_growth"] == 5000
    assert _inputs(credit_client, credit_headers, E)["employment_growth"] == 5000
    fallen = rating_of(credit_client, credit_headers, C)["factors"]
    growth = next(f for f in fallen if f["name"] == "employment_growth")
    assert (growth["input"], growth["points"]) == (-2500, -30)  # a steep fall: -20% or worse


def test_a_years_figure_is_its_annual_report_else_its_last_quarter_the_latest_filing_winning(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    for uscc in (A, B, C, D, E, F):
        seed_enterprise(uscc)
        file_indicators(database, uscc, {2024: 20})

    def file(
        uscc: str,
        people: int | None,
        quarter: int | None,
        reported: date,
        effective: dict[str, int] | None = None,
    ) -> None:
        at = datetime(reported.year, reported.month, reported.day, tzinfo=UTC)
        add_filing(
            database,
            uscc,
            2025,
            people,
            quarter=quarter,
            reported_at=at,
            effective=effective,
        )

    # A: the annual report counts, filed between two quarters' and before the fourth's.
    file(A, 40, 4, date(2026, 4, 15))
    file(A, 30, None, date(2026, 3, 1))
    file(A, 10, 1, date(2025, 4, 10))
    # B: two annual reports, the later-reported one counts (the correction); one that sent
    # no employees (revenue only) is passed over.
    file(B, None, None, date(2026, 5, 1))
    file(B, 30, None, date(2026, 4, 1))
    file(B, 50, None, date(2026, 3, 1))
    # C: no annual report: the fourth quarter's, not the third's filed after it.
    file(C, 30, 4, date(2026, 1, 10))
    file(C, 90, 3, date(2026, 2, 1))
    # D: a report that sent no employees but whose period's figure (from an earlier report) is 30.
    file(D, None, None, date(2026, 3, 1), {"employees": 30})
    # E, F: two annual reports at one instant: the higher report id, filed first or second.
    at = datetime(2026, 3, 1, tzinfo=UTC)
    add_filing(database, E, 2025, 30, reported_at=at, report_id="ind_same_e2")
    add_filing(database, E, 2025, 90, reported_at=at, report_id="ind_same_e1")
    add_filing(database, F, 2025, 90, reported_at=at, report_id="ind_same_f1")
    add_filing(database, F, 2025, 30, reported_at=at, report_id="ind_same_f2")
    assert start_run(credit_client, credit_headers, "figures")["rated"] == 6
    for uscc in (A, B, C, D, E, F):
        assert _inputs(credit_client, credit_headers, uscc)["employment_growth"] == 5000, uscc


def test_in_2027_the_years_read_start_at_2023(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    clock.now = datetime(2027, 6, 15, 4, 0, tzinfo=UTC)
    seed_enterprise(A)
    file_indicators(database, A, {2022: 5, 2023: 10, 2024: 20})
    assert start_run(credit_client, credit_headers, "2027")["rated"] == 1
    inputs = _inputs(credit_client, credit_headers, A)
    assert (inputs["employment_growth"], inputs["regular_filing"]) == (10_000, 1)


def test_records_are_read_in_id_order_past_those_of_enterprises_not_rated(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    seed_enterprise(A, status="deregistered")
    seed_enterprise(ME)
    # The deregistered enterprise's record and filing come first in the tables.
    add_record(database, A, "serious_dishonesty", "negative")
    file_indicators(database, A, {2024: 10})
    later = add_record(database, ME, "serious_dishonesty", "negative", id="crr_z000001")
    earlier = add_record(database, ME, "serious_dishonesty", "negative", id="crr_a000001")
    file_indicators(database, ME, {2024: 20, 2025: 30})
    run = start_run(credit_client, credit_headers, "order")
    assert (run["enterprises"], run["rated"]) == (1, 1)
    factors = {f["name"]: f for f in rating_of(credit_client, credit_headers)["factors"]}
    assert factors["serious_dishonesty"]["record_ids"] == [earlier, later]
    assert factors["employment_growth"]["input"] == 5000


def test_a_factor_of_hundreds_of_records_reads_their_number(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    database: Database,
    clock: Clock,
) -> None:
    """300 loans repaid: the scorecard's stated input (on_time + settled) is checked against
    the number of records as a number, whatever its size; the points stop at the cap."""
    seed_enterprise(ME)
    add_records(database, ME, "loan", "loan", 300, loan_status="on_time")
    assert start_run(credit_client, credit_headers, "many")["status"] == "succeeded"
    factors = {f["name"]: f for f in rating_of(credit_client, credit_headers)["factors"]}
    repaid = factors["loans_repaid"]
    assert (repaid["input"], repaid["points"], len(repaid["record_ids"])) == (300, 60, 300)


def test_a_run_of_1200_listed_enterprises_reads_every_500(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    clock: Clock,
) -> None:
    """The listed USCCs are read 500 at a time: an enterprise in each of the three parts is
    rated, the rest (not in the register) skipped."""
    listed = sorted(make_uscc(n) for n in range(1200))
    known = [listed[10], listed[700], listed[1100]]
    for uscc in known:
        seed_enterprise(uscc)
    run = start_run(credit_client, credit_headers, "chunks", listed)
    assert (run["enterprises"], run["rated"], run["skipped"]) == (3, 3, 1197)
    for uscc in known:
        assert rating_of(credit_client, credit_headers, uscc)["uscc"] == uscc
