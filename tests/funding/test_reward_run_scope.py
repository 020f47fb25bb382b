"""A reward run sees only its own year, budget line and version: runs of other years, lines
and versions neither block it nor hide a base from it.

Two versions of the space rules in force from 2015 on, open-ended, each
`1,000,000 + years_open × 1,000` fen (years_open: whole years from the base's opening year to
the year rewarded). Base A opened in 2012, delivered 2 public services and created 1 job in
2015, and passed 2015 and 2016; base B opened in 2014 and passed 2016, then 2015 (recorded late); base C opened in
2017 and passed it.
"""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.funding.conftest import FundingHeaders
from tests.funding.rewards_support import (
    AcceptedBase,
    funded_line,
    make_base,
    open_account,
    report_and_accept,
)

SPACE_2015, SPACE_2016, SPACE_2017 = "line:2015:space", "line:2016:space", "line:2017:space"
SERVICES_2015 = "line:2015:public-services"
FORMULA = {
    "inputs": {"years_open": "int"},
    "rules": [{"name": "reward_fen", "expression": "1000000 + years_open * 1000"}],
}


@pytest.fixture
def admin(funding_headers: FundingHeaders) -> dict[str, str]:
    return funding_headers(kind="admin", client_id="cli_rewards_admin")


def _save_rules(client: TestClient, admin: dict[str, str], **terms: Any) -> int:
    saved = client.post(
        "/v1/rule-sets", json={"family": "funding.reward.space", **terms}, headers=admin
    )
    assert saved.status_code == 201, saved.text
    return int(saved.json()["version"])


def _run(client: TestClient, admin: dict[str, str], year: int, line: str, version: int) -> Any:
    return client.post(
        "/v1/reward-runs",
        json={"year": year, "budget_line": line, "rule_set_version": version},
        headers={**admin, "Idempotency-Key": f"run-{year}-{line}-{version}"},
    )


def _awarded(answer: Any) -> dict[str, int]:
    """Each base's award; a base has one line."""
    assert answer.status_code == 201, answer.text
    lines = answer.json()["lines"]
    awarded = {line["base_id"]: line["awarded_fen"] for line in lines}
    assert len(awarded) == len(lines), lines
    return awarded


def _years_open(answer: Any) -> dict[str, int]:
    return {line["base_id"]: line["inputs"]["years_open"] for line in answer.json()["lines"]}


def _pass(client: TestClient, headers: FundingHeaders, base: AcceptedBase, year: int) -> None:
    report_and_accept(
        client, headers, base_id=base.id, district=base.district, kind=base.kind, year=year
    )


def test_runs_of_other_years_lines_and_versions_neither_block_nor_hide_a_base(
    funding_client: TestClient, funding_headers: FundingHeaders, admin: dict[str, str]
) -> None:
    client = funding_client
    for line, year in (
        (SPACE_2015, 2015),
        (SPACE_2016, 2016),
        (SPACE_2017, 2017),
        (SERVICES_2015, 2015),
        ("line:2016:public-services", 2016),
    ):
        funded_line(client, admin, line, year=year, amount_fen=100_000_000)
    earlier = _save_rules(client, admin, effective_from="2015-01-01", **FORMULA)
    later = _save_rules(client, admin, effective_from="2015-01-01", **FORMULA)
    assert (earlier, later) == (2, 3)
    a = make_base(
        client, funding_headers, district="xiaodian", kind="maker_space", area_m2=100,
        year=2015, opened_on="2012-03-01", services_delivered=2, jobs_created=1,
    )  # fmt: skip
    b = make_base(
        client, funding_headers, district="yingze", kind="maker_space", area_m2=100,
        year=2016, opened_on="2014-06-01",
    )  # fmt: skip
    c = make_base(
        client, funding_headers, district="yingze", kind="maker_space", area_m2=100,
        year=2017, opened_on="2017-01-01",
    )  # fmt: skip
    _pass(client, funding_headers, a, 2016)

    # 2015 by the later version: A alone (B has not passed 2015 yet), 3 years open.
    first = _run(client, admin, 2015, "space", later)
    assert _awarded(first) == {a.id: 1_003_000} and _years_open(first) == {a.id: 3}
    # 2016 by the same version: not blocked by the 2015 run, and A's 2015 reward does not
    # hide A from 2016.
    second = _run(client, admin, 2016, "space", later)
    assert _awarded(second) == {a.id: 1_004_000, b.id: 1_002_000}
    assert _years_open(second) == {a.id: 4, b.id: 2}
    # A's 2016 reward approved (by a second admin) is as live as a proposed one.
    a_2016 = next(line for line in second.json()["lines"] if line["base_id"] == a.id)
    url = f"/v1/disbursements/{a_2016['disbursement_id']}"
    approved = client.post(
        f"{url}/approval",
        json={},
        headers={
            **funding_headers(kind="admin", client_id="cli_second_admin"),
            "If-Match": client.get(url, headers=admin).headers["etag"],
        },
    )
    assert approved.status_code == 200, approved.text
    again = _run(client, admin, 2016, "space", earlier)
    assert again.status_code == 409 and again.json()["code"] == "reward_already_awarded"
    # 2017 by the earlier version, before 2015's run by it.
    assert _awarded(_run(client, admin, 2017, "space", earlier)) == {c.id: 1_000_000}

    # The public-services line of 2015 rewards A: a live space reward is no public-services one.
    services = _run(client, admin, 2015, "public-services", 1)
    # version 1: 2 services × 50,000 fen + 1 job × 300,000 fen
    assert _awarded(services) == {a.id: 400_000}
    assert services.json()["rule_set_label"] == "funding.reward.public_services@1"

    # A's 2015 space reward is cancelled, and B's 2015 result is recorded late: the earlier
    # version rewards both for 2015. Neither the runs of other years by either version, nor the
    # 2015 run by the later one, nor the live 2016 rewards made after A's cancelled one, nor
    # A's public-services reward block or hide them.
    [a_2015] = first.json()["lines"]
    url = f"/v1/disbursements/{a_2015['disbursement_id']}"
    cancelled = client.post(
        f"{url}/cancellation",
        json={"reason": "rules corrected"},
        headers={
            **admin,
            "If-Match": client.get(url, headers=admin).headers["etag"],
            "Idempotency-Key": "cancel-a-2015",
        },
    )
    assert cancelled.status_code == 200, cancelled.text
    _pass(client, funding_headers, b, 2015)
    third = _run(client, admin, 2015, "space", earlier)
    assert _awarded(third) == {a.id: 1_003_000, b.id: 1_001_000}
    # Public-services' version 1 run is no space run: space's version 1 finds every base
    # rewarded.
    space_v1 = _run(client, admin, 2015, "space", 1)
    assert space_v1.status_code == 409 and space_v1.json()["code"] == "reward_already_awarded"

    # Public-services' version 3 for 2016 is no space run either: space's 2016 run by its own
    # version 3 does not block it.
    assert [
        _save_rules(
            client, admin, family="funding.reward.public_services", effective_from="2015-01-01",
            **FORMULA,
        )
        for _ in range(2)
    ] == [2, 3]  # fmt: skip
    services_2016 = _run(client, admin, 2016, "public-services", 3)
    assert _awarded(services_2016) == {a.id: 1_004_000, b.id: 1_002_000}

    # Each run reads back with its own lines alone, whatever ran after it.
    for run in (first, second, services, third, services_2016):
        shown = client.get(f"/v1/reward-runs/{run.json()['id']}", headers=admin)
        assert shown.status_code == 200 and shown.json() == run.json()

    def listed(**params: Any) -> list[tuple[int, str, int]]:
        answer = client.get("/v1/reward-runs", params=params, headers=admin)
        assert answer.status_code == 200, answer.text
        return [
            (r["year"], r["budget_line"], r["rule_set_version"]) for r in answer.json()["items"]
        ]

    assert listed() == [
        (2015, "space", later),
        (2016, "space", later),
        (2017, "space", earlier),
        (2015, "public-services", 1),
        (2015, "space", earlier),
        (2016, "public-services", 3),
    ]
    assert [run[1] for run in listed(budget_line="space")] == ["space"] * 4
    assert [run[1] for run in listed(budget_line="public-services")] == ["public-services"] * 2
    assert [run[0] for run in listed(year=2015)] == [2015] * 3
    assert listed(year=2016, budget_line="public-services") == [(2016, "public-services", 3)]


@pytest.mark.parametrize(
    ("effective_from", "effective_to"),
    [("2016-12-31", None), ("2015-01-01", "2016-01-01")],
    ids=["from-the-last-day", "to-the-first-day"],
)
def test_a_version_in_force_on_one_day_of_the_year_serves_it(
    funding_client: TestClient,
    admin: dict[str, str],
    effective_from: str,
    effective_to: str | None,
) -> None:
    """Its rules pass; the run then stops at what is missing next: the year's budget line."""
    terms = {"effective_from": effective_from, "effective_to": effective_to, **FORMULA}
    version = _save_rules(funding_client, admin, **terms)
    answer = _run(funding_client, admin, 2016, "space", version)
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "reward_budget_line_unknown"


def test_a_version_not_in_force_names_the_period_it_is_in_force(
    funding_client: TestClient, admin: dict[str, str]
) -> None:
    open_account(funding_client, admin, SPACE_2015, kind="line", year=2015)
    future = _save_rules(funding_client, admin, effective_from="2017-01-01", **FORMULA)
    for year, version, period in (
        (2016, future, "2017-01-01 to open-ended"),
        (2016, 1, "2015-01-01 to 2015-12-31"),
    ):
        refused = _run(funding_client, admin, year, "space", version)
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "reward_rule_set_not_for_year"
        expected = (
            f"version {version} of funding.reward.space is in force {period}, on no day of {year}"
        )
        assert refused.json()["errors"] == [
            {
                "field": "body.rule_set_version",
                "code": "reward_rule_set_not_for_year",
                "message": expected,
            }
        ]
        assert refused.json()["detail"] == expected


def test_an_award_of_one_fen_is_disbursed_and_one_of_nothing_is_not(
    funding_client: TestClient, funding_headers: FundingHeaders, admin: dict[str, str]
) -> None:
    """The rules pay the private money a base leveraged (1 fen), for 100 m² bases only."""
    funded_line(funding_client, admin, SPACE_2015, year=2015, amount_fen=1_000)
    version = _save_rules(
        funding_client,
        admin,
        effective_from="2015-01-01",
        inputs={"area_m2": "int", "private_money_fen": "int"},
        rules=[{"name": "reward_fen", "expression": "area_m2 == 100 ? private_money_fen : 0"}],
    )
    one, nothing = (
        make_base(funding_client, funding_headers, district="xiaodian", kind="maker_space",
                  area_m2=area, private_money_fen=1)
        for area in (100, 200)
    )  # fmt: skip
    run = _run(funding_client, admin, 2015, "space", version)
    assert _awarded(run) == {one.id: 1, nothing.id: 0}
    paid = {line["base_id"]: line["disbursement_id"] for line in run.json()["lines"]}
    assert paid[one.id] is not None and paid[nothing.id] is None
    assert run.json()["disbursements"] == 1
