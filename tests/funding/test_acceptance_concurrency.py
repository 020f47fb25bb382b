"""Acceptance under concurrency (SQLite and PostgreSQL): two failed years of one base recorded
at the same moment still see each other — the base exits once, with one history entry and one
event — and one result per base and year however many arrive together.

Each request runs in its own client thread, all released at once by a barrier, through one
TestClient (each request its own session and transaction).
"""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient

from tests.funding.bases_support import admitted_base, department, events, history, read
from tests.funding.conftest import FundingHeaders

USCCS = [f"91140100MA0K{n:06d}" for n in range(6)]


def _race(client: TestClient, posts: list[tuple[str, dict[str, Any], dict[str, str]]]) -> list[Any]:
    barrier = threading.Barrier(len(posts), timeout=30)

    def post(item: tuple[str, dict[str, Any], dict[str, str]]) -> tuple[int, Any]:
        url, body, headers = item
        barrier.wait()
        answer = client.post(url, json=body, headers=headers)
        return answer.status_code, answer.json()

    with ThreadPoolExecutor(len(posts)) as pool:
        return list(pool.map(post, posts))


def _failed(year: int) -> dict[str, Any]:
    return {"year": year, "result": "failed", "score": 30, "findings": "Empty units."}


def test_two_failed_years_recorded_at_once_exit_the_base_once(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    bases = [admitted_base(funding_client, funding_headers, operator_uscc=u) for u in USCCS]
    headers = department(funding_headers)
    posts = [
        (f"/v1/bases/{base['id']}/acceptance", _failed(year), headers)
        for base in bases
        for year in (2024, 2025)
    ]
    answers = _race(funding_client, posts)
    assert [status for status, _ in answers] == [201] * len(posts), answers
    for base in bases:
        assert read(funding_client, funding_headers, base["id"])["status"] == "exited"
        actions = Counter(e["action"] for e in history(funding_client, funding_headers, base["id"]))
        assert actions == {"filed": 1, "admitted": 1, "acceptance_recorded": 2, "exited": 1}
        # the later of the two answers saw the other and took the base out
        mine = [body["base_status"] for _, body in answers if body["base_id"] == base["id"]]
        assert sorted(mine) == ["admitted", "exited"]
    exits = Counter(event["id"] for event in events(funding_client, funding_headers, "base.exited"))
    assert exits == {base["id"]: 1 for base in bases}


def test_one_result_per_base_and_year_however_many_arrive_together(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    base = admitted_base(funding_client, funding_headers)
    url = f"/v1/bases/{base['id']}/acceptance"
    posts = [(url, {**_failed(2025), "score": score}, department(funding_headers))
             for score in range(8)]  # fmt: skip
    answers = _race(funding_client, posts)
    outcomes = Counter("recorded" if status == 201 else body["code"] for status, body in answers)
    assert outcomes == {"recorded": 1, "acceptance_exists": 7}, answers
    listed = funding_client.get(url, headers=funding_headers()).json()
    [kept] = [body for status, body in answers if status == 201]
    assert listed == [kept]
    assert len(events(funding_client, funding_headers, "acceptance.recorded")) == 1
