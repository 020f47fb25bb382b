"""Targets and monitoring: generated indicators reproduce hand-computed figures for two
districts and the city; CSV and XLSX; the public summary; targets as data and their updates."""

import csv
import io
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from services.common.db import Database
from services.registry.reference.targets import CITY_TARGETS, DISTRICT_TARGETS_2015
from services.registry.settings import RegistrySettings
from tests.registry.conftest import RegistryHeaders
from tests.registry.factories import filing, make_uscc

RW = ("registry:read", "registry:write")


def _dept(headers: RegistryHeaders, org: str) -> dict[str, str]:
    return headers(kind="department", org=org, scopes=RW, client_id=f"cli_{org}")


def _post(client: TestClient, h: dict[str, str], uscc: str, **body: Any) -> None:
    response = client.post(f"/v1/enterprises/{uscc}/indicators", json=body, headers=h)
    assert response.status_code == 201, response.text


def _set_dates(
    settings: RegistrySettings,
    uscc: str,
    *,
    filed_at: datetime,
    deregistered_at: datetime | None = None,
) -> None:
    database = Database(settings.resolved_database_url, schema=settings.resolved_schema)
    try:
        with database.engine.begin() as connection:
            values: dict[str, Any] = {"filed_at": filed_at}
            if deregistered_at is not None:
                values["deregistered_at"] = deregistered_at
            connection.execute(
                sa.text(
                    "UPDATE enterprises SET "
                    + ", ".join(f"{k} = :{k}" for k in values)
                    + " WHERE uscc = :uscc"
                ),
                {**values, "uscc": uscc},
            )
    finally:
        database.dispose()


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# Enterprises: A, B, C in Xiaodian; D, E in Yingze; F in Jinyuan.
A, B, C, D, E, F = (make_uscc(n) for n in (100, 101, 102, 110, 111, 120))


@pytest.fixture
def mon_dataset(
    registry_client: TestClient,
    registry_headers: RegistryHeaders,
    registry_settings: RegistrySettings,
) -> None:
    """Six enterprises with 2015 (baseline) and 2016 figures from several sources."""
    admin = registry_headers(kind="admin")
    for n, district in (
        (100, "xiaodian"),
        (101, "xiaodian"),
        (102, "xiaodian"),
        (110, "yingze"),
        (111, "yingze"),
        (120, "jinyuan"),
    ):
        response = registry_client.post(
            "/v1/enterprises", json=filing(n, district=district), headers=admin
        )
        assert response.status_code == 201, response.text
    c = registry_client
    stats, tax, hr, sci = (
        _dept(registry_headers, o) for o in ("statistics", "tax", "hr", "science")
    )

    def own(uscc: str) -> dict[str, str]:
        return registry_headers(kind="enterprise", org=uscc, scopes=RW)

    # A: departments outrank the enterprise's own (ignored) figures.
    _post(c, stats, A, year=2015, source="statistics", revenue_fen=100_000_000)
    _post(c, own(A), A, year=2015, source="enterprise", revenue_fen=999, employees=99)
    _post(c, hr, A, year=2015, source="hr", employees=10)
    _post(
        c,
        sci,
        A,
        year=2015,
        source="science",
        granted_patents=2,
        tech_contract_turnover_fen=5_000_000,
    )
    _post(c, stats, A, year=2016, source="statistics", revenue_fen=150_000_000)
    _post(c, own(A), A, year=2016, source="enterprise", revenue_fen=1, employees=99)
    _post(c, hr, A, year=2016, source="hr", employees=14)
    _post(
        c,
        sci,
        A,
        year=2016,
        source="science",
        granted_patents=3,
        tech_contract_turnover_fen=7_000_000,
    )
    # B: 2016 only in quarters: revenue adds up, employees the last quarter's.
    _post(c, tax, B, year=2015, source="tax", revenue_fen=200_000_000)
    _post(c, own(B), B, year=2015, source="enterprise", employees=20)
    for quarter, revenue in ((1, 50_000_000), (2, 60_000_000), (3, 70_000_000), (4, 80_000_000)):
        _post(c, tax, B, year=2016, quarter=quarter, source="tax", revenue_fen=revenue)
    _post(c, hr, B, year=2016, quarter=2, source="hr", employees=22)
    _post(c, hr, B, year=2016, quarter=4, source="hr", employees=25)
    _post(c, own(B), B, year=2016, source="enterprise", granted_patents=1)
    # C: new in 2016.
    _post(c, stats, C, year=2016, source="statistics", revenue_fen=40_000_000)
    _post(c, own(C), C, year=2016, source="enterprise", employees=5)
    # D and E in Yingze; E is deregistered in 2016 and reports nothing that year.
    _post(c, stats, D, year=2015, source="statistics", revenue_fen=80_000_000)
    _post(c, hr, D, year=2015, source="hr", employees=8)
    _post(
        c,
        sci,
        D,
        year=2015,
        source="science",
        granted_patents=1,
        tech_contract_turnover_fen=2_000_000,
    )
    _post(c, stats, D, year=2016, source="statistics", revenue_fen=90_000_000)
    _post(c, hr, D, year=2016, source="hr", employees=6)
    # Within one source the later report wins: D's 9 patents are corrected to 1.
    _post(c, sci, D, year=2016, source="science", granted_patents=9)
    _post(
        c,
        sci,
        D,
        year=2016,
        source="science",
        granted_patents=1,
        tech_contract_turnover_fen=3_000_000,
    )
    _post(c, own(E), E, year=2015, source="enterprise", revenue_fen=30_000_000, employees=4)
    # F in Jinyuan.
    _post(c, own(F), F, year=2015, source="enterprise", revenue_fen=5_000_000, employees=2)
    _post(c, own(F), F, year=2016, source="enterprise", revenue_fen=10_000_000, employees=3)

    gone = c.post(
        f"/v1/enterprises/{E}/deregistration", json={"reason": "dissolved"}, headers=admin
    )
    assert gone.status_code == 200, gone.text
    for uscc, filed in (
        (A, "2015-03-01T10:00:00+08:00"),
        (B, "2015-03-01T10:00:00+08:00"),
        (C, "2016-05-10T10:00:00+08:00"),
        (D, "2015-06-01T10:00:00+08:00"),
        # 00:30 on 1 January 2016 in Taiyuan is still 2015 in UTC.
        (F, "2016-01-01T00:30:00+08:00"),
    ):
        _set_dates(registry_settings, uscc, filed_at=_utc(filed))
    _set_dates(
        registry_settings,
        E,
        filed_at=_utc("2015-07-01T10:00:00+08:00"),
        deregistered_at=_utc("2016-08-01T10:00:00+08:00"),
    )

    # 2016 targets: Xiaodian and Yingze set new; the city's plan target replaced under If-Match.
    for unit, target in (
        (
            "xiaodian",
            {
                "revenue_fen": 600_000_000,
                "new_jobs": 20,
                "tech_contract_turnover_fen": 8_000_000,
                "patents_held": 5,
            },
        ),
        (
            "yingze",
            {
                "revenue_fen": 120_000_000,
                "new_jobs": 3,
                "tech_contract_turnover_fen": 3_000_000,
                "patents_held": 3,
            },
        ),
    ):
        put = c.put(f"/v1/targets/2016/{unit}", json=target, headers=admin)
        assert put.status_code == 201, put.text
    etag = c.get("/v1/targets/2016/city", headers=admin).headers["etag"]
    put = c.put(
        "/v1/targets/2016/city",
        json={
            "revenue_fen": 700_000_000,
            "new_jobs": 12,
            "tech_contract_turnover_fen": 9_000_000,
            "patents_held": 7,
        },
        headers={**admin, "If-Match": etag},
    )
    assert put.status_code == 200, put.text


def _metric(
    baseline: Any, target: Any, actual: Any, percent: Any, bp: Any, n: int
) -> dict[str, Any]:
    return {
        "baseline": baseline,
        "target": target,
        "actual": actual,
        "completion_percent": percent,
        "completion_bp": bp,
        "reporting_enterprises": n,
    }


def _units(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {u["unit"]: u for u in body["units"]}


def test_progress_reproduces_hand_computed_figures(
    registry_client: TestClient, registry_headers: RegistryHeaders, mon_dataset: None
) -> None:
    response = registry_client.get(
        "/v1/monitoring/progress", params={"year": 2016}, headers=registry_headers()
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["year"] == 2016
    assert [u["unit"] for u in body["units"]][-1] == "city" and len(body["units"]) == 15
    units = _units(body)

    # Xiaodian: revenue 150M + (50+60+70+80)M + 40M = 450M against 2015's 100M + 200M.
    # Net new jobs over the enterprises reporting employees in both years (not C, new in
    # 2016): A 10 → 14, B 20 → 25: 4 + 5 = 9 (the baseline stays 2015's 10 + 20).
    # Tech 7M against 5M; patents 3 + 1 = 4 against 2.
    x = units["xiaodian"]
    assert x["name_zh"] == "小店区"
    assert x["revenue_fen"] == _metric(300_000_000, 600_000_000, 450_000_000, "75.00", 7500, 3)
    assert x["new_jobs"] == _metric(30, 20, 9, "45.00", 4500, 2)
    assert x["tech_contract_turnover_fen"] == _metric(
        5_000_000, 8_000_000, 7_000_000, "87.50", 8750, 1
    )
    assert x["patents_held"] == _metric(2, 5, 4, "80.00", 8000, 2)
    assert x["enterprises"] == {
        "filed": 1,
        "deregistered": 0,
        "active_at_year_end": 3,
        "cohorts": [
            {"cohort_year": 2015, "filed": 2, "surviving": 2, "survival_percent": "100.00"},
            {"cohort_year": 2016, "filed": 1, "surviving": 1, "survival_percent": "100.00"},
        ],
    }

    # Yingze: D alone in 2016 (E deregistered, no 2016 figure): jobs D's 8 → 6 = −2.
    y = units["yingze"]
    assert y["revenue_fen"] == _metric(110_000_000, 120_000_000, 90_000_000, "75.00", 7500, 1)
    assert y["new_jobs"] == _metric(12, 3, -2, "-66.67", -6667, 1)
    assert y["tech_contract_turnover_fen"] == _metric(
        2_000_000, 3_000_000, 3_000_000, "100.00", 10000, 1
    )
    assert y["patents_held"] == _metric(1, 3, 1, "33.33", 3333, 1)
    assert y["enterprises"] == {
        "filed": 0,
        "deregistered": 1,
        "active_at_year_end": 1,
        "cohorts": [{"cohort_year": 2015, "filed": 2, "surviving": 1, "survival_percent": "50.00"}],
    }

    # City: every district together.
    city = units["city"]
    assert city["name_zh"] == "太原市"
    assert city["revenue_fen"] == _metric(415_000_000, 700_000_000, 550_000_000, "78.57", 7857, 5)
    # Jobs: A +4, B +5, D −2, F +1 = 8 over four enterprises (C and E have one year only).
    assert city["new_jobs"] == _metric(44, 12, 8, "66.67", 6667, 4)
    assert city["tech_contract_turnover_fen"] == _metric(
        7_000_000, 9_000_000, 10_000_000, "111.11", 11111, 2
    )
    assert city["patents_held"] == _metric(3, 7, 5, "71.43", 7143, 3)
    assert city["enterprises"] == {
        "filed": 2,
        "deregistered": 1,
        "active_at_year_end": 5,
        "cohorts": [
            {"cohort_year": 2015, "filed": 4, "surviving": 3, "survival_percent": "75.00"},
            {"cohort_year": 2016, "filed": 2, "surviving": 2, "survival_percent": "100.00"},
        ],
    }
    # Jinyuan has no 2016 target: actuals without completion.
    j = units["jinyuan"]
    assert j["revenue_fen"] == _metric(5_000_000, None, 10_000_000, None, None, 1)
    assert j["enterprises"]["filed"] == 1
    # A district with nothing at all: no actual (null, not 0), no completion.
    assert units["loufan"]["revenue_fen"] == _metric(None, None, None, None, None, 0)
    assert units["loufan"]["new_jobs"]["actual"] is None


def test_progress_2015_uses_the_plans_targets_and_shanghai_years(
    registry_client: TestClient, registry_headers: RegistryHeaders, mon_dataset: None
) -> None:
    body = registry_client.get(
        "/v1/monitoring/progress", params={"year": 2015}, headers=registry_headers()
    ).json()
    units = _units(body)
    plan_x = next(t for t in DISTRICT_TARGETS_2015 if t.district == "xiaodian")
    x = units["xiaodian"]
    assert x["revenue_fen"]["target"] == plan_x.revenue_fen == 6_090_000_000_000
    assert x["revenue_fen"]["actual"] == 300_000_000
    # 3亿 fen of 609亿 yuan: exact, rounded half-up to two places.
    assert x["revenue_fen"]["completion_percent"] == "0.00"
    assert x["revenue_fen"]["baseline"] is None and x["new_jobs"]["actual"] is None
    assert units["city"]["revenue_fen"]["target"] == CITY_TARGETS[0].revenue_fen
    # F filed at 00:30 on 1 January 2016 Asia/Shanghai: a 2016 filing, not 2015.
    assert units["city"]["enterprises"]["filed"] == 4
    assert units["jinyuan"]["enterprises"]["filed"] == 0
    assert units["city"]["enterprises"]["active_at_year_end"] == 4


def test_progress_as_csv_and_xlsx(
    registry_client: TestClient, registry_headers: RegistryHeaders, mon_dataset: None
) -> None:
    h = registry_headers()
    as_csv = registry_client.get(
        "/v1/monitoring/progress", params={"year": 2016, "format": "csv"}, headers=h
    )
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="progress-2016.csv"' in as_csv.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert len(rows) == 15
    x = next(r for r in rows if r["unit"] == "xiaodian")
    assert x["name_zh"] == "小店区"
    assert x["revenue_fen_actual"] == "450000000"
    assert x["revenue_fen_completion_percent"] == "75.00"
    assert x["new_jobs_actual"] == "9" and x["enterprises_active_at_year_end"] == "3"
    assert (
        rows[-1]["unit"] == "city"
        and rows[-1]["tech_contract_turnover_fen_completion_bp"] == "11111"
    )

    as_xlsx = registry_client.get(
        "/v1/monitoring/progress", params={"year": 2016, "format": "xlsx"}, headers=h
    )
    assert as_xlsx.status_code == 200
    assert as_xlsx.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = load_workbook(io.BytesIO(as_xlsx.content))
    sheet = book["progress 2016"]
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = table[0]
    city = dict(zip(header, table[-1], strict=True))
    assert city["unit"] == "city"
    # Fen amounts are text (exact), counts are numbers, percents exact decimal strings.
    assert city["revenue_fen_actual"] == "550000000"
    assert city["new_jobs_actual"] == 8
    assert city["patents_held_completion_percent"] == "71.43"
    survival = [list(r) for r in book["survival"].iter_rows(values_only=True)]
    assert ["yingze", 2015, 2, 1, "50.00"] in survival


def test_public_summary_has_aggregates_only(registry_client: TestClient, mon_dataset: None) -> None:
    response = registry_client.get("/v1/public/monitoring/summary", params={"year": 2016})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "public, max-age=60"
    body = response.json()
    assert body["disclosure_minimum"] == 3
    units = _units(body)
    x = units["xiaodian"]
    # Yingze (D) and Jinyuan (F) report revenue alone: withheld. Together they are still two
    # enterprises, which the city's total minus Xiaodian's would reveal: Xiaodian, the smallest
    # district shown, is withheld too; the city (five enterprises) is shown.
    assert x["revenue_fen"] == {
        "target": 600_000_000,
        "actual": None,
        "completion_percent": None,
        "suppressed": True,
    }
    assert units["city"]["revenue_fen"] == {
        "target": 700_000_000,
        "actual": 550_000_000,
        "completion_percent": "78.57",
        "suppressed": False,
    }
    # Fewer than three reporting enterprises: withheld, since it would reveal one firm's figures.
    assert x["new_jobs"] == {
        "target": 20,
        "actual": None,
        "completion_percent": None,
        "suppressed": True,
    }
    assert units["jinyuan"]["revenue_fen"]["suppressed"] is True
    assert units["loufan"]["revenue_fen"]["suppressed"] is False
    assert units["city"]["enterprises_filed"] == 2
    assert units["city"]["enterprises_active_at_year_end"] == 5
    for uscc in (A, B, C, D, E, F):
        assert uscc not in response.text
    for private in ("uscc", "contact", "legal", "baseline", "reporting_enterprises"):
        assert private not in response.text


def test_progress_access_and_bad_input(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    url = "/v1/monitoring/progress"
    assert registry_client.get(url, params={"year": 2016}).status_code == 401
    for kind in ("enterprise", "portal", "bank", "provider"):
        got = registry_client.get(
            url, params={"year": 2016}, headers=registry_headers(kind=kind, org="X")
        )
        assert got.status_code == 403 and got.json()["code"] == "forbidden_client_kind", kind
    no_scope = registry_headers(kind="admin", scopes=[])
    assert registry_client.get(url, params={"year": 2016}, headers=no_scope).status_code == 403
    h = registry_headers()
    assert registry_client.get(url, headers=h).status_code == 422
    assert (
        registry_client.get(url, params={"year": 2016, "format": "pdf"}, headers=h).status_code
        == 422
    )
    future = registry_client.get(url, params={"year": 2099}, headers=h)
    assert future.status_code == 422 and future.json()["code"] == "future_period"
    assert (
        registry_client.get("/v1/public/monitoring/summary", params={"year": 1999}).status_code
        == 422
    )


def test_plan_targets_are_loaded_as_data(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    h = registry_headers(kind="bank", org="B1", scopes=["registry:read"])
    response = registry_client.get("/v1/targets", params={"year": 2015, "limit": 100}, headers=h)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert len(items) == 15 and all(t["source"] == "plan" for t in items)
    by_unit = {t["unit"]: t for t in items}
    for plan in DISTRICT_TARGETS_2015:
        row = by_unit[plan.district]
        assert (
            row["revenue_fen"],
            row["new_jobs"],
            row["tech_contract_turnover_fen"],
            row["patents_held"],
        ) == (plan.revenue_fen, plan.new_jobs, plan.tech_contract_turnover_fen, plan.patents_held)
    assert by_unit["gujiao"]["tech_contract_turnover_fen"] is None
    city = {
        t["year"]: t
        for t in registry_client.get("/v1/targets", params={"unit": "city"}, headers=h).json()[
            "items"
        ]
    }
    assert sorted(city) == [2015, 2016, 2017]
    assert city[2017]["revenue_fen"] == 4549 * 10**10 and city[2017]["patents_held"] == 3155
    # Paging walks every row once.
    seen: list[tuple[int, str]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 4}
        if cursor:
            params["cursor"] = cursor
        page = registry_client.get("/v1/targets", params=params, headers=h).json()
        seen += [(t["year"], t["unit"]) for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 17


def test_admin_sets_targets_with_etags(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    admin = registry_headers(kind="admin")
    body = {
        "revenue_fen": 500_000_000_000_000,
        "new_jobs": 90_000,
        "tech_contract_turnover_fen": 2_000_000_000_00,
        "patents_held": 3_500,
    }
    created = registry_client.put("/v1/targets/2018/city", json=body, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["source"] == "admin" and created.json()["version"] == 1
    etag = created.headers["etag"]

    missing = registry_client.put("/v1/targets/2018/city", json=body, headers=admin)
    assert missing.status_code == 428 and missing.json()["code"] == "if_match_required"
    changed = registry_client.put(
        "/v1/targets/2018/city",
        json={**body, "new_jobs": 95_000},
        headers={**admin, "If-Match": etag},
    )
    assert changed.status_code == 200 and changed.json()["new_jobs"] == 95_000
    assert changed.json()["version"] == 2
    stale = registry_client.put(
        "/v1/targets/2018/city", json=body, headers={**admin, "If-Match": etag}
    )
    assert stale.status_code == 412 and stale.json()["code"] == "stale_etag"
    got = registry_client.get("/v1/targets/2018/city", headers=admin)
    assert got.headers["etag"] == changed.headers["etag"]

    # Correcting a plan target also needs the ETag.
    plan = registry_client.get("/v1/targets/2015/xiaodian", headers=admin)
    assert plan.json()["source"] == "plan"
    fixed = registry_client.put(
        "/v1/targets/2015/xiaodian",
        json={"revenue_fen": 1},
        headers={**admin, "If-Match": plan.headers["etag"]},
    )
    assert fixed.status_code == 200 and fixed.json()["new_jobs"] is None

    assert (
        registry_client.put(
            "/v1/targets/2019/xiaodian", json=body, headers={**admin, "If-Match": '"nope"'}
        ).status_code
        == 412
    )
    unknown = registry_client.put("/v1/targets/2018/atlantis", json=body, headers=admin)
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_district"
    assert registry_client.get("/v1/targets/2018/atlantis", headers=admin).status_code == 422
    assert registry_client.get("/v1/targets/2030/city", headers=admin).status_code == 404
    bad = registry_client.put("/v1/targets/2018/yingze", json={"revenue_fen": -5}, headers=admin)
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["body.revenue_fen"]
    dept = registry_headers(kind="department", org="sme_bureau")
    assert (
        registry_client.put("/v1/targets/2018/yingze", json=body, headers=dept).status_code == 403
    )
    weak = registry_headers(kind="admin", scopes=["registry:read", "registry:write"])
    assert (
        registry_client.put("/v1/targets/2018/yingze", json=body, headers=weak).status_code == 403
    )


def _assert_no_suppressed_actual_derivable(
    public: dict[str, Any], progress: dict[str, Any]
) -> None:
    """city − Σ(shown districts) may only reveal a group of ≥ 2 districts with ≥ 3 reporters."""
    shown_units, full = _units(public), _units(progress)
    for metric in ("revenue_fen", "new_jobs", "tech_contract_turnover_fen", "patents_held"):
        city = shown_units["city"][metric]
        hidden = [
            u for u, body in shown_units.items() if u != "city" and body[metric]["suppressed"]
        ]
        for u, body in shown_units.items():
            if not body[metric]["suppressed"]:
                assert body[metric]["actual"] == full[u][metric]["actual"], (metric, u)
        if city["suppressed"] or not hidden:
            continue
        shown_sum = sum(
            body[metric]["actual"] or 0
            for u, body in shown_units.items()
            if u != "city" and not body[metric]["suppressed"]
        )
        derived = city["actual"] - shown_sum
        assert derived == sum(full[u][metric]["actual"] for u in hidden), metric
        assert len(hidden) >= 2, (metric, hidden)
        reporting = sum(full[u][metric]["reporting_enterprises"] for u in hidden)
        assert reporting >= public["disclosure_minimum"], (metric, hidden)


@pytest.mark.parametrize("year", [2015, 2016])
def test_public_summary_hides_what_subtraction_would_reveal(
    registry_client: TestClient,
    registry_headers: RegistryHeaders,
    mon_dataset: None,
    year: int,
) -> None:
    public = registry_client.get("/v1/public/monitoring/summary", params={"year": year}).json()
    progress = registry_client.get(
        "/v1/monitoring/progress", params={"year": year}, headers=registry_headers()
    ).json()
    _assert_no_suppressed_actual_derivable(public, progress)


def test_one_suppressed_district_takes_the_next_smallest_with_it(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    admin = registry_headers(kind="admin")
    stats = _dept(registry_headers, "statistics")
    revenue: dict[str, int] = {}
    # Three enterprises in Xiaodian, four in Yingze, one in Jinyuan.
    for n, district in (
        *((200 + i, "xiaodian") for i in range(3)),
        *((210 + i, "yingze") for i in range(4)),
        (220, "jinyuan"),
    ):
        body = filing(n, district=district)
        response = registry_client.post("/v1/enterprises", json=body, headers=admin)
        assert response.status_code == 201, response.text
        revenue[district] = revenue.get(district, 0) + 1_000_000 * n
        _post(
            registry_client,
            stats,
            body["uscc"],
            year=2016,
            source="statistics",
            revenue_fen=1_000_000 * n,
        )
    public = registry_client.get("/v1/public/monitoring/summary", params={"year": 2016}).json()
    progress = registry_client.get(
        "/v1/monitoring/progress", params={"year": 2016}, headers=registry_headers()
    ).json()
    _assert_no_suppressed_actual_derivable(public, progress)
    units = {u: body["revenue_fen"] for u, body in _units(public).items()}
    assert units["jinyuan"]["suppressed"] is True  # one enterprise
    assert units["xiaodian"]["suppressed"] is True  # the smallest district shown otherwise
    assert units["yingze"]["actual"] == revenue["yingze"]
    assert units["city"]["actual"] == sum(revenue.values())
    # What subtraction yields is Xiaodian and Jinyuan together, not Jinyuan's one enterprise.
    derived = units["city"]["actual"] - units["yingze"]["actual"]
    assert derived == revenue["xiaodian"] + revenue["jinyuan"] != revenue["jinyuan"]


def _assert_every_shown_actual_has_the_minimum(
    public: dict[str, Any], progress: dict[str, Any]
) -> None:
    """No actual is shown that fewer than the disclosure minimum of enterprises reported."""
    minimum = public["disclosure_minimum"]
    full = _units(progress)
    for unit, body in _units(public).items():
        for metric in ("revenue_fen", "new_jobs", "tech_contract_turnover_fen", "patents_held"):
            if body[metric]["actual"] is not None:
                reporting = full[unit][metric]["reporting_enterprises"]
                assert reporting >= minimum, (unit, metric, reporting)


def test_an_actual_shows_from_the_disclosure_minimum_of_reporters_and_not_below(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    admin = registry_headers(kind="admin")
    stats = _dept(registry_headers, "statistics")
    revenue: dict[str, int] = {}
    # Xiaodian exactly at the minimum (3); Yingze and Jinyuan one below it (2 each), which
    # together are two districts and four enterprises, so no further district is withheld.
    for n, district in (
        *((300 + i, "xiaodian") for i in range(3)),
        *((310 + i, "yingze") for i in range(2)),
        *((320 + i, "jinyuan") for i in range(2)),
    ):
        body = filing(n, district=district)
        response = registry_client.post("/v1/enterprises", json=body, headers=admin)
        assert response.status_code == 201, response.text
        revenue[district] = revenue.get(district, 0) + 1_000_000 * n
        _post(
            registry_client,
            stats,
            body["uscc"],
            year=2016,
            source="statistics",
            revenue_fen=1_000_000 * n,
        )
    public = registry_client.get("/v1/public/monitoring/summary", params={"year": 2016}).json()
    progress = registry_client.get(
        "/v1/monitoring/progress", params={"year": 2016}, headers=registry_headers()
    ).json()
    assert public["disclosure_minimum"] == 3
    reporting = {
        u: body["revenue_fen"]["reporting_enterprises"] for u, body in _units(progress).items()
    }
    assert (reporting["xiaodian"], reporting["yingze"], reporting["jinyuan"]) == (3, 2, 2)
    _assert_every_shown_actual_has_the_minimum(public, progress)
    _assert_no_suppressed_actual_derivable(public, progress)
    units = {u: body["revenue_fen"] for u, body in _units(public).items()}
    for below in ("yingze", "jinyuan"):
        assert units[below]["suppressed"] is True, below
        assert units[below]["actual"] is None and units[below]["completion_percent"] is None
    assert units["xiaodian"]["suppressed"] is False
    assert units["xiaodian"]["actual"] == revenue["xiaodian"]
    assert units["city"]["suppressed"] is False
    assert units["city"]["actual"] == sum(revenue.values())


@pytest.mark.parametrize("year", [2015, 2016])
def test_every_shown_actual_in_the_sample_has_the_minimum_of_reporters(
    registry_client: TestClient,
    registry_headers: RegistryHeaders,
    mon_dataset: None,
    year: int,
) -> None:
    public = registry_client.get("/v1/public/monitoring/summary", params={"year": year}).json()
    progress = registry_client.get(
        "/v1/monitoring/progress", params={"year": year}, headers=registry_headers()
    ).json()
    assert any(
        body[m]["actual"] is not None for body in _units(public).values() for m in ("revenue_fen",)
    )
    _assert_every_shown_actual_has_the_minimum(public, progress)


def test_progress_compares_the_city_with_the_plans_2014_baseline(
    registry_client: TestClient, registry_headers: RegistryHeaders, mon_dataset: None
) -> None:
    h = registry_headers()
    served = registry_client.get("/v1/targets/baseline", headers=h)
    assert served.status_code == 200, served.text
    yi, wan = 10**10, 10_000  # fen in 1亿 yuan; people in 1万
    # The brief's end-2014 figures: 67,699 enterprises, 59.5万 employees, revenue 3,347亿,
    # taxes 233亿, 2,187 granted patents, 363 technology contracts worth 13亿.
    expected = {
        "year": 2014,
        "enterprises": 67_699,
        "employees": 595_000,
        "revenue_fen": 3_347 * yi,
        "taxes_fen": 233 * yi,
        "patents_held": 2_187,
        "tech_contracts": 363,
        "tech_contract_turnover_fen": 13 * yi,
    }
    assert {k: v for k, v in served.json().items() if k != "source"} == expected
    assert served.json()["employees"] == int(59.5 * wan)

    for year in (2015, 2016):
        body = registry_client.get(
            "/v1/monitoring/progress", params={"year": year}, headers=h
        ).json()
        assert body["plan_baseline"] == served.json()
        city = _units(body)["city"]
        since = body["since_plan_baseline"]
        assert since["enterprises"]["baseline"] == 67_699
        assert since["enterprises"]["actual"] == city["enterprises"]["active_at_year_end"]
        for metric in ("revenue_fen", "tech_contract_turnover_fen", "patents_held"):
            c = since[metric]
            actual = city[metric]["actual"]
            assert c["baseline"] == expected[metric] and c["actual"] == actual
            assert c["change"] == actual - c["baseline"]
            percent = (Decimal(c["change"]) * 100 / c["baseline"]).quantize(
                Decimal("0.01"), ROUND_HALF_UP
            )
            assert c["change_percent"] == str(percent)
        if year == 2015:
            # End of 2014 is the plan's: the city's 2015 baselines are never null.
            assert city["revenue_fen"]["baseline"] == 3_347 * yi
            assert city["new_jobs"]["baseline"] == 595_000
            assert city["tech_contract_turnover_fen"]["baseline"] == 13 * yi
            assert city["patents_held"]["baseline"] == 2_187
        else:
            # Later years compare with the reports of the year before (2015's 10 + 20 …).
            assert city["revenue_fen"]["baseline"] != 3_347 * yi
    no_token = registry_client.get("/v1/targets/baseline")
    assert no_token.status_code == 401 and no_token.json()["code"] == "missing_token"


def _reported(n: int, actual: int | None = 100) -> Any:
    from services.registry.monitoring.schemas import Metric

    return Metric(
        baseline=None,
        target=None,
        actual=actual,
        completion_percent=None,
        completion_bp=None,
        reporting_enterprises=n,
    )


@pytest.mark.parametrize(
    ("reporters", "hidden"),
    [
        # the city below the minimum hides itself, whatever the districts
        ({"city": 2, "xiaodian": 2}, {"city", "xiaodian"}),
        ({"city": 1, "xiaodian": 1, "yingze": 5, "jinyuan": 6}, {"city", "xiaodian"}),
        # and so does a city whose districts show no actual (nothing else would hide it)
        ({"city": 2}, {"city"}),
        # at the minimum it shows; the hidden district takes the next smallest with it
        ({"city": 3, "xiaodian": 1, "yingze": 2}, {"xiaodian", "yingze"}),
        # two hidden districts with the minimum between them hide nothing more
        ({"city": 13, "xiaodian": 1, "yingze": 2, "jinyuan": 10}, {"xiaodian", "yingze"}),
        # no district left to hide with the one below the minimum: the city goes instead
        ({"city": 5, "xiaodian": 1}, {"city", "xiaodian"}),
        # without a city row, the districts alone
        ({"xiaodian": 1, "yingze": 4, "jinyuan": 5}, {"xiaodian", "yingze"}),
        # a district as small as the city goes before it (the city is no district to hide)
        ({"city": 3, "xiaodian": 1, "yingze": 3}, {"xiaodian", "yingze"}),
        # a unit none reported reveals nothing
        ({"city": 0, "xiaodian": 0, "yingze": 5, "jinyuan": 6}, set()),
    ],
)
def test_suppressed_units_hide_what_subtraction_would_reveal(
    reporters: dict[str, int], hidden: set[str]
) -> None:
    from services.registry.monitoring.service import suppressed_units

    metrics = {unit: _reported(n) for unit, n in reporters.items()}
    assert suppressed_units(metrics) == hidden
    # Units read from the database are equal strings, not the same objects as the constant.
    fresh = {"".join(list(unit)): metric for unit, metric in metrics.items()}
    assert suppressed_units(fresh) == hidden


def test_a_unit_without_an_actual_is_never_hidden() -> None:
    from services.registry.monitoring.service import suppressed_units

    metrics = {
        "city": _reported(1, actual=None),
        "xiaodian": _reported(5),
        "yingze": _reported(6),
    }
    assert suppressed_units(metrics) == set()
