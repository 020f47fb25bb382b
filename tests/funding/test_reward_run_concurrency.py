"""Reward runs under concurrency (SQLite and PostgreSQL), through the API: parallel commits
against one budget line never overspend it (each run proposes through the ledger, whose
database CHECK refuses an overdraft: the run that would overspend rolls back whole), and one
year, line and version committed many times at once is committed once.

Every request runs in its own client thread, all released together by a barrier.
"""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.funding.conftest import FundingHeaders
from tests.funding.rewards_support import balance, make_base, move, open_account
from tests.locks import wait_for_lock_waiter

LINE, CITY = "line:2015:space", "source:city"
FUNDS = 10_000_000


@pytest.fixture
def admin(funding_headers: FundingHeaders) -> dict[str, str]:
    return funding_headers(kind="admin", client_id="cli_rewards_race")


@pytest.fixture
def line_2015(
    funding_client: TestClient, funding_headers: FundingHeaders, admin: dict[str, str]
) -> list[str]:
    """The 2015 space line with 10,000,000 fen and two passed bases paid from it (their
    district has no block); versions 2 to 5 of the space rules give each base 3,000,000."""
    open_account(funding_client, admin, CITY, kind="source", non_negative=False)
    open_account(funding_client, admin, LINE, kind="line", year=2015)
    move(funding_client, admin, source=CITY, target=LINE, amount_fen=FUNDS)
    bases = [
        make_base(
            funding_client, funding_headers, district="xinghualing", kind="maker_space", area_m2=900
        ).id
        for _ in range(2)
    ]
    for _ in range(4):
        saved = funding_client.post(
            "/v1/rule-sets",
            json={
                "family": "funding.reward.space",
                "effective_from": "2015-01-01",
                "effective_to": "2015-12-31",
                "rules": [{"name": "reward_fen", "expression": "3000000"}],
            },
            headers=admin,
        )
        assert saved.status_code == 201, saved.text
    return bases


def _race(client: TestClient, admin: dict[str, str], bodies: list[dict[str, Any]]) -> list[Any]:
    barrier = threading.Barrier(len(bodies), timeout=30)

    def post(numbered: tuple[int, dict[str, Any]]) -> tuple[int, Any]:
        number, body = numbered
        barrier.wait()
        answer = client.post(
            "/v1/reward-runs", json=body, headers={**admin, "Idempotency-Key": f"race-{number}"}
        )
        return answer.status_code, answer.json()

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(post, enumerate(bodies)))


def test_parallel_commits_against_one_line_never_overspend_it(
    funding_client: TestClient, admin: dict[str, str], line_2015: list[str]
) -> None:
    # Each version alone wants 6,000,000 of the 10,000,000: together 24,000,000.
    bodies = [
        {"year": 2015, "budget_line": "space", "rule_set_version": version}
        for version in (2, 3, 4, 5)
    ]
    answers = _race(funding_client, admin, bodies)
    outcomes = Counter(status if status == 201 else body["code"] for status, body in answers)
    assert set(outcomes) <= {201, "ledger_insufficient_funds", "reward_already_awarded"}, outcomes
    assert outcomes[201] >= 1
    committed = [body for status, body in answers if status == 201]
    paid = sum(run["awarded_fen"] for run in committed)
    left = balance(funding_client, admin, LINE)
    assert left >= 0 and paid + left == FUNDS and paid <= FUNDS
    assert balance(funding_client, admin, "payable") == paid
    # Each committed run paid what its lines say, by the disbursements they name.
    disbursements = funding_client.get(
        "/v1/disbursements", params={"limit": 100}, headers=admin
    ).json()["items"]
    named = {line["disbursement_id"] for run in committed for line in run["lines"]} - {None}
    assert {d["id"] for d in disbursements} == named
    assert sum(d["amount_fen"] for d in disbursements) == paid
    runs = funding_client.get("/v1/reward-runs", headers=admin).json()["items"]
    assert sorted(run["id"] for run in runs) == sorted(run["id"] for run in committed)
    trial = funding_client.get("/v1/ledger/trial-balance", headers=admin).json()
    assert (trial["total_fen"], trial["entries_agree"]) == (0, True)


def test_one_run_committed_many_times_at_once_is_committed_once(
    funding_client: TestClient, admin: dict[str, str], line_2015: list[str]
) -> None:
    body = {"year": 2015, "budget_line": "space", "rule_set_version": 2}
    answers = _race(funding_client, admin, [body] * 6)
    outcomes = Counter(status if status == 201 else body["code"] for status, body in answers)
    assert outcomes == {201: 1, "reward_run_exists": 5}, outcomes
    assert balance(funding_client, admin, LINE) == FUNDS - 6_000_000
    assert balance(funding_client, admin, "payable") == 6_000_000
    assert len(funding_client.get("/v1/reward-runs", headers=admin).json()["items"]) == 1


def test_versions_racing_with_money_for_all_reward_each_base_once(
    funding_client: TestClient, admin: dict[str, str], line_2015: list[str]
) -> None:
    """Enough money for every version (34,000,000 for 4 × 6,000,000): still one reward per base
    and year — the runs are serialised per year and line, each later one finds them rewarded."""
    move(funding_client, admin, source=CITY, target=LINE, amount_fen=24_000_000)
    bodies = [
        {"year": 2015, "budget_line": "space", "rule_set_version": version}
        for version in (2, 3, 4, 5)
    ]
    answers = _race(funding_client, admin, bodies)
    outcomes = Counter(status if status == 201 else body["code"] for status, body in answers)
    assert outcomes == {201: 1, "reward_already_awarded": 3}, outcomes
    assert balance(funding_client, admin, LINE) == FUNDS + 24_000_000 - 6_000_000
    assert balance(funding_client, admin, "payable") == 6_000_000
    disbursements = funding_client.get(
        "/v1/disbursements", params={"limit": 100}, headers=admin
    ).json()["items"]
    assert sorted(d["payee_uscc"] for d in disbursements) == sorted(
        {d["payee_uscc"] for d in disbursements}
    )
    assert len(disbursements) == 2


def test_a_run_kept_waiting_stores_its_own_figures_not_a_later_runs(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    admin: dict[str, str],
    line_2015: list[str],
    postgres_database: str | None,
) -> None:
    """The space run waits on its line's ledger row (held by the test) after claiming its run;
    meanwhile a public-services run of the same year, claimed later, commits. The space run,
    let go, stores its figures on its own run alone: the later run reads back as it answered."""
    if postgres_database is None:
        pytest.skip("SQLite's write transaction queues the second run behind the first")
    services_line = "line:2015:public-services"
    open_account(funding_client, admin, services_line, kind="line", year=2015)
    move(funding_client, admin, source=CITY, target=services_line, amount_fen=FUNDS)
    database = funding_app.state.database
    holder = database.session()
    with ThreadPoolExecutor(1) as pool:
        try:
            holder.execute(
                text("SELECT code FROM funding_ledger_accounts WHERE code = :code FOR UPDATE"),
                {"code": LINE},
            )
            space = pool.submit(
                funding_client.post,
                "/v1/reward-runs",
                json={"year": 2015, "budget_line": "space", "rule_set_version": 2},
                headers={**admin, "Idempotency-Key": "space-waits"},
            )
            wait_for_lock_waiter(space, database, what="the space run")
            assert not space.done(), "the space run did not wait for the line's row"
            services = funding_client.post(
                "/v1/reward-runs",
                json={"year": 2015, "budget_line": "public-services", "rule_set_version": 1},
                headers={**admin, "Idempotency-Key": "services-meanwhile"},
            )
            assert services.status_code == 201, services.text
        finally:
            holder.close()  # the row let go
        waited = space.result(timeout=30)
    assert waited.status_code == 201, waited.text
    assert services.json()["id"] > waited.json()["id"]  # claimed after the space run
    for run in (waited, services):
        shown = funding_client.get(f"/v1/reward-runs/{run.json()['id']}", headers=admin)
        assert shown.status_code == 200 and shown.json() == run.json()
