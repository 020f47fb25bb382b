"""Year-end acceptance (验收) through the API: the responsible department records one result per
base and year; passed years need reported figures, which freeze; two failed years in a row take
the base out at once, with its history; `passed_for` is what reward runs read."""

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.db import Database
from services.funding.acceptance.service import passed_for
from tests.funding.bases_support import (
    OTHER_USCC,
    admitted_base,
    department,
    district,
    events,
    file_base,
    history,
    kpis,
    read,
    report,
    shanghai_today,
)
from tests.funding.conftest import FundingHeaders

EVIDENCE = ["https://files.example.gov.cn/acceptance/2025/bas-17.pdf"]


def _problem(answer: Any, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body = dict(answer.json())
    assert body["code"] == code, body
    return body


def result(year: int, outcome: str = "passed", score: int = 86, **extra: Any) -> dict[str, Any]:
    """An acceptance body."""
    return {"year": year, "result": outcome, "score": score,
            "findings": "Occupancy 92%; mentoring documented.", "evidence": EVIDENCE, **extra}  # fmt: skip


def record(
    client: TestClient, headers: FundingHeaders, base: dict[str, Any], body: dict[str, Any]
) -> Any:
    """The SME bureau records a result for a start-up base."""
    return client.post(f"/v1/bases/{base['id']}/acceptance", json=body, headers=department(headers))


def _listed(client: TestClient, headers: FundingHeaders, base_id: str) -> list[tuple[int, str]]:
    answer = client.get(f"/v1/bases/{base_id}/acceptance", headers=headers())
    assert answer.status_code == 200, answer.text
    return [(item["year"], item["result"]) for item in answer.json()]


def test_the_responsible_department_records_a_passed_year(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    base = admitted_base(funding_client, funding_headers)
    report(funding_client, funding_headers, base, 2025)
    answer = record(funding_client, funding_headers, base, result(2025))
    assert answer.status_code == 201, answer.text
    accepted = answer.json()
    assert accepted["id"].startswith("acc_")
    assert answer.headers["Location"] == f"/v1/bases/{base['id']}/acceptance/2025"
    assert accepted | {"id": None, "recorded_at": None} == {
        "id": None, "base_id": base["id"], "year": 2025, "result": "passed", "score": 86,
        "findings": "Occupancy 92%; mentoring documented.", "evidence": EVIDENCE,
        "department": "sme_bureau", "recorded_by": "cli_sme_bureau", "recorded_at": None,
        "base_status": "admitted",
    }  # fmt: skip
    got = funding_client.get(answer.headers["Location"], headers=funding_headers(kind="bank"))
    assert got.status_code == 200 and got.json() == accepted
    assert _listed(funding_client, funding_headers, base["id"]) == [(2025, "passed")]
    entry = history(funding_client, funding_headers, base["id"])[-1]
    assert entry["action"] == "acceptance_recorded" and entry["status"] == "admitted"
    assert entry["details"] == {"acceptance_id": accepted["id"], "year": 2025,
                                "result": "passed", "score": 86}  # fmt: skip
    assert events(funding_client, funding_headers, "acceptance.recorded") == [
        {"id": accepted["id"], "base_id": base["id"], "year": 2025, "result": "passed",
         "score": 86, "district": "xiaodian", "kind": "startup_base"}
    ]  # fmt: skip
    # the figures the year passed on are frozen
    kpi = funding_client.get(f"/v1/bases/{base['id']}/kpis/2025", headers=funding_headers())
    correction = funding_client.put(
        f"/v1/bases/{base['id']}/kpis/2025",
        json=kpis(jobs_created=999),
        headers={**district(funding_headers), "If-Match": kpi.headers["ETag"]},
    )
    _problem(correction, 409, "kpi_accepted")
    assert funding_client.get(f"/v1/bases/{base['id']}/kpis/2025",
                              headers=funding_headers()).json() == kpi.json()  # fmt: skip


def test_refused_results_change_nothing(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    base = admitted_base(funding_client, funding_headers)
    filed = file_base(funding_client, funding_headers, operator_uscc=OTHER_USCC)
    report(funding_client, funding_headers, base, 2024)
    url = f"/v1/bases/{base['id']}/acceptance"
    next_year = shanghai_today().year + 1
    cases = [
        (url, result(2024), department(funding_headers, "science"), 403,
         "not_responsible_department"),
        (url, result(2024), district(funding_headers), 403, "not_responsible_department"),
        (url, result(2024), funding_headers(), 403, "forbidden_client_kind"),
        (url, result(2024), funding_headers(kind="department", org="sme_bureau",
                                            scopes=["funding:read"]), 403, "insufficient_scope"),
        (f"/v1/bases/{filed['id']}/acceptance", result(2024), department(funding_headers), 409,
         "base_status_conflict"),
        ("/v1/bases/bas_nope/acceptance", result(2024), department(funding_headers), 404,
         "base_not_found"),
        (url, result(next_year), department(funding_headers), 422, "future_period"),
        (url, result(2015), department(funding_headers) , 409, "kpi_report_missing"),
        (url, result(2024, score=101), department(funding_headers), 422, "validation_failed"),
        (url, result(2024, outcome="excellent"), department(funding_headers), 422,
         "validation_failed"),
        (url, result(2024, evidence=["ftp://files/x"]), department(funding_headers), 422,
         "validation_failed"),
        (url, result(2024, findings=""), department(funding_headers), 422, "validation_failed"),
    ]  # fmt: skip
    for path, body, headers, status, code in cases:
        problem = _problem(funding_client.post(path, json=body, headers=headers), status, code)
        if body.get("evidence") == ["ftp://files/x"]:
            assert problem["errors"][0]["field"] == "body.evidence.0"
    assert _listed(funding_client, funding_headers, base["id"]) == []
    assert events(funding_client, funding_headers, "acceptance.recorded") == []
    assert read(funding_client, funding_headers, base["id"]) == base
    _problem(funding_client.get(f"{url}/2024", headers=funding_headers()), 404,
             "acceptance_not_found")  # fmt: skip


def test_a_year_before_the_opening_is_refused(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    base = admitted_base(funding_client, funding_headers, opened_on="2018-05-01")
    problem = _problem(record(funding_client, funding_headers, base, result(2017, "failed")), 422,
                       "acceptance_year_invalid")  # fmt: skip
    assert problem["errors"][0]["field"] == "body.year"
    assert _listed(funding_client, funding_headers, base["id"]) == []


def test_one_result_per_base_and_year_never_edited(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    base = admitted_base(funding_client, funding_headers)
    first = record(funding_client, funding_headers, base, result(2024, "failed", 40))
    assert first.status_code == 201, first.text
    _problem(record(funding_client, funding_headers, base, result(2024, "passed", 90)), 409,
             "acceptance_exists")  # fmt: skip
    assert _listed(funding_client, funding_headers, base["id"]) == [(2024, "failed")]
    assert len(events(funding_client, funding_headers, "acceptance.recorded")) == 1
    # a failed year needs no figures; a single failed year leaves the base admitted
    assert first.json()["base_status"] == "admitted"
    # and once the year is recorded, its figures are closed
    late = funding_client.put(f"/v1/bases/{base['id']}/kpis/2024", json=kpis(),
                              headers=district(funding_headers))  # fmt: skip
    _problem(late, 409, "kpi_accepted")


def test_two_failed_years_in_a_row_exit_the_base_at_once(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    base = admitted_base(funding_client, funding_headers)
    for year in (2021, 2022):
        report(funding_client, funding_headers, base, year)
    # failed, passed, failed: never two in a row
    assert (
        record(funding_client, funding_headers, base, result(2020, "failed", 50)).status_code == 201
    )
    assert (
        record(funding_client, funding_headers, base, result(2021, "passed", 80)).status_code == 201
    )
    answer = record(funding_client, funding_headers, base, result(2023, "failed", 45))
    assert answer.status_code == 201 and answer.json()["base_status"] == "admitted"
    assert read(funding_client, funding_headers, base["id"])["status"] == "admitted"
    # 2024 failed next to 2023 failed: out, in the same request
    answer = record(funding_client, funding_headers, base, result(2024, "failed", 30))
    assert answer.status_code == 201, answer.text
    assert answer.json()["base_status"] == "exited"
    exited = read(funding_client, funding_headers, base["id"])
    assert exited["status"] == "exited" and exited["exit_kind"] == "failed_acceptance"
    assert exited["exit_reason"] == "failed year-end acceptance in 2023 and 2024 in a row"
    assert exited["exited_on"] == shanghai_today().isoformat()
    tail = history(funding_client, funding_headers, base["id"])[-2:]
    assert [(e["action"], e["status"]) for e in tail] == [
        ("acceptance_recorded", "admitted"), ("exited", "exited")
    ]  # fmt: skip
    assert tail[1]["actor"] == "cli_sme_bureau"
    assert tail[1]["details"]["exit_kind"] == "failed_acceptance"
    [event] = events(funding_client, funding_headers, "base.exited")
    assert event["id"] == base["id"] and event["exit_kind"] == "failed_acceptance"
    # an exited base is checked no more; its record stays
    _problem(record(funding_client, funding_headers, base, result(2025, "passed")), 409,
             "base_status_conflict")  # fmt: skip
    assert _listed(funding_client, funding_headers, base["id"]) == [
        (2020, "failed"), (2021, "passed"), (2023, "failed"), (2024, "failed")
    ]  # fmt: skip
    # 2022 recorded late as failed would have been a pair too; the base is out already
    _problem(record(funding_client, funding_headers, base, result(2022, "failed")), 409,
             "base_status_conflict")  # fmt: skip


def test_a_failed_year_recorded_before_the_failed_year_after_it_counts_too(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    base = admitted_base(funding_client, funding_headers)
    assert record(funding_client, funding_headers, base, result(2025, "failed")).status_code == 201
    answer = record(funding_client, funding_headers, base, result(2024, "failed"))
    assert answer.status_code == 201 and answer.json()["base_status"] == "exited"
    assert read(funding_client, funding_headers, base["id"])["exit_reason"] == (
        "failed year-end acceptance in 2024 and 2025 in a row"
    )


def test_the_list_across_bases_and_what_reward_runs_read(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    first = admitted_base(funding_client, funding_headers)
    second = admitted_base(funding_client, funding_headers, operator_uscc=OTHER_USCC,
                           district="yingze")  # fmt: skip
    report(funding_client, funding_headers, first, 2025, jobs_created=7)
    report(funding_client, funding_headers, second, 2025)
    report(funding_client, funding_headers, first, 2024)
    a = record(funding_client, funding_headers, first, result(2025)).json()
    b = record(funding_client, funding_headers, second, result(2025, "failed", 20)).json()
    c = record(funding_client, funding_headers, first, result(2024)).json()

    def ids(**params: Any) -> list[str]:
        answer = funding_client.get("/v1/acceptances", params=params, headers=funding_headers())
        assert answer.status_code == 200, answer.text
        return [item["id"] for item in answer.json()["items"]]

    assert ids() == [a["id"], b["id"], c["id"]]
    assert ids(year=2025) == [a["id"], b["id"]]
    assert ids(result="passed") == [a["id"], c["id"]]
    assert ids(district="yingze") == [b["id"]]
    assert ids(year=2025, result="passed", kind="startup_base") == [a["id"]]
    assert ids(kind="maker_space") == [] and ids(kind="tech_incubator") == []
    assert ids(year=2024) == [c["id"]]
    page = funding_client.get("/v1/acceptances", params={"limit": 2},
                              headers=funding_headers()).json()  # fmt: skip
    rest = funding_client.get("/v1/acceptances", params={"limit": 2, "cursor": page["next_cursor"]},
                              headers=funding_headers()).json()  # fmt: skip
    assert [i["id"] for i in page["items"] + rest["items"]] == [a["id"], b["id"], c["id"]]
    # Each filter keeps its own value only (failed sorts before passed, xiaodian before yingze).
    assert ids(result="failed") == [b["id"]]
    assert ids(district="xiaodian") == [a["id"], c["id"]]
    assert _listed(funding_client, funding_headers, first["id"]) == [(2024, "passed"),
                                                                    (2025, "passed")]  # fmt: skip
    assert _listed(funding_client, funding_headers, second["id"]) == [(2025, "failed")]
    _problem(funding_client.get("/v1/acceptances", params={"result": "great"},
                                headers=funding_headers()), 422, "validation_failed")  # fmt: skip

    database: Database = funding_app.state.database
    with database.session() as session:
        passed = passed_for(session=session, year=2025)
        assert [(b.id, acc.id, k.jobs_created) for b, acc, k in passed] == [
            (first["id"], a["id"], 7)
        ]
        assert passed_for(session=session, year=2025, district="yingze") == []
        assert [acc.id for _, acc, _ in passed_for(session=session, year=2024)] == [c["id"]]
    # Both bases passed 2024: each with its own figures, each in its own district only.
    report(funding_client, funding_headers, second, 2024, jobs_created=3)
    d = record(funding_client, funding_headers, second, result(2024)).json()
    with database.session() as session:
        both = passed_for(session=session, year=2024)
        assert sorted((b.id, acc.id, k.jobs_created) for b, acc, k in both) == sorted(
            [(first["id"], c["id"], 310), (second["id"], d["id"], 3)]
        )
        assert [
            b.id for b, _, _ in passed_for(session=session, year=2024, district="xiaodian")
        ] == [first["id"]]
        assert [b.id for b, _, _ in passed_for(session=session, year=2024, district="yingze")] == [
            second["id"]
        ]


def test_the_opening_year_and_the_current_year_may_be_recorded(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    base = admitted_base(funding_client, funding_headers, opened_on="2018-05-01")
    for year in (2018, shanghai_today().year):
        answer = record(funding_client, funding_headers, base, result(year, "failed"))
        assert answer.status_code == 201 and answer.json()["year"] == year, answer.text
    assert read(funding_client, funding_headers, base["id"])["status"] == "admitted"


def test_only_failed_neighbours_count_and_the_base_exits_once(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    base = admitted_base(funding_client, funding_headers)
    report(funding_client, funding_headers, base, 2021)
    recorded = [(2021, "passed"), (2020, "failed"), (2022, "failed"), (2024, "failed")]
    for year, outcome in recorded:  # a failed year beside a passed one: still admitted
        answer = record(funding_client, funding_headers, base, result(year, outcome))
        assert answer.status_code == 201 and answer.json()["base_status"] == "admitted"
    # 2023 failed between two failed years: out once, for the first pair.
    answer = record(funding_client, funding_headers, base, result(2023, "failed"))
    assert answer.json()["base_status"] == "exited"
    assert read(funding_client, funding_headers, base["id"])["exit_reason"] == (
        "failed year-end acceptance in 2022 and 2023 in a row"
    )
    actions = [e["action"] for e in history(funding_client, funding_headers, base["id"])]
    assert actions.count("exited") == 1
    assert [e["id"] for e in events(funding_client, funding_headers, "base.exited")] == [base["id"]]


def test_an_odd_year_failed_before_the_failed_year_after_it_counts_too(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    base = admitted_base(funding_client, funding_headers)
    assert record(funding_client, funding_headers, base, result(2024, "failed")).status_code == 201
    answer = record(funding_client, funding_headers, base, result(2023, "failed"))
    assert answer.status_code == 201 and answer.json()["base_status"] == "exited"


def test_a_recorded_year_closes_that_base_and_year_only(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """2024 recorded for the later of two bases: the earlier base still reports 2024, and the
    later one still reports 2025."""
    earlier = admitted_base(funding_client, funding_headers)
    later = admitted_base(funding_client, funding_headers, operator_uscc=OTHER_USCC)
    assert earlier["id"] < later["id"]
    assert (
        record(funding_client, funding_headers, later, result(2024, "failed", 40)).status_code
        == 201
    )
    for base, year in ((earlier, 2024), (later, 2025)):
        answer = funding_client.put(f"/v1/bases/{base['id']}/kpis/{year}", json=kpis(),
                                    headers=district(funding_headers))  # fmt: skip
        assert answer.status_code == 201, (base["id"], year, answer.text)
