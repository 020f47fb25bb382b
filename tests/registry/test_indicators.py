"""Indicator reports through HTTP: who reports what, precedence, events, size reclassification."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.registry.conftest import RegistryHeaders
from tests.registry.factories import filing, make_uscc

DEPT_SCOPES = ("registry:read", "registry:write")


def _file(client: TestClient, headers: RegistryHeaders, n: int, **overrides: Any) -> str:
    body = filing(n, **overrides)
    response = client.post("/v1/enterprises", json=body, headers=headers(kind="admin"))
    assert response.status_code == 201, response.text
    return str(body["uscc"])


def _dept(headers: RegistryHeaders, org: str) -> dict[str, str]:
    return headers(kind="department", org=org, scopes=DEPT_SCOPES, client_id=f"cli_{org}")


def _report(
    client: TestClient, h: dict[str, str], uscc: str, status: int = 201, **body: Any
) -> dict[str, Any]:
    response = client.post(f"/v1/enterprises/{uscc}/indicators", json=body, headers=h)
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


def _events(client: TestClient, headers: RegistryHeaders, type_: str) -> list[dict[str, Any]]:
    response = client.get(
        "/v1/events", params={"limit": 1000}, headers=headers(scopes=["events:read"])
    )
    assert response.status_code == 200
    return [e for e in response.json()["items"] if e["type"] == type_]


@pytest.fixture
def ind_uscc(registry_client: TestClient, registry_headers: RegistryHeaders) -> str:
    """One filed software enterprise (small) in Xiaodian."""
    return _file(registry_client, registry_headers, 0)


def test_departments_outrank_self_reports_and_every_report_is_kept(
    registry_client: TestClient, registry_headers: RegistryHeaders, ind_uscc: str
) -> None:
    own = registry_headers(kind="enterprise", org=ind_uscc, scopes=DEPT_SCOPES)
    first = _report(
        registry_client,
        own,
        ind_uscc,
        year=2015,
        source="enterprise",
        revenue_fen=500_000_000,
        employees=40,
        granted_patents=2,
    )
    assert first["effective"]["revenue_fen"]["source"] == "enterprise"
    assert first["quarter"] is None and first["id"].startswith("ind_")

    tax = _report(
        registry_client,
        _dept(registry_headers, "tax"),
        ind_uscc,
        year=2015,
        source="tax",
        revenue_fen=480_000_000,
    )
    assert tax["effective"]["revenue_fen"] == {
        "value": 480_000_000,
        "source": "tax",
        "report_id": tax["id"],
    }
    # Employees only came from the enterprise: its figure still counts.
    assert tax["effective"]["employees"]["value"] == 40
    assert tax["effective"]["employees"]["source"] == "enterprise"

    stats = _report(
        registry_client,
        _dept(registry_headers, "statistics"),
        ind_uscc,
        year=2015,
        source="statistics",
        revenue_fen=490_000_000,
        employees=38,
    )
    hr = _report(
        registry_client,
        _dept(registry_headers, "hr"),
        ind_uscc,
        year=2015,
        source="hr",
        employees=37,
    )
    # Revenue: statistics over tax; employees: hr over statistics.
    assert stats["effective"]["revenue_fen"]["source"] == "statistics"
    assert hr["effective"]["employees"] == {"value": 37, "source": "hr", "report_id": hr["id"]}
    assert hr["effective"]["revenue_fen"]["value"] == 490_000_000
    assert hr["effective"]["granted_patents"]["value"] == 2
    assert hr["effective"]["tech_contract_turnover_fen"] is None

    got = registry_client.get(f"/v1/enterprises/{ind_uscc}/indicators", headers=own)
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["precedence"]["employees"][0] == "hr"
    assert body["precedence"]["revenue_fen"][-1] == "enterprise"
    [period] = body["periods"]
    assert period["year"] == 2015 and period["quarter"] is None
    assert sorted(r["source"] for r in period["reports"]) == [
        "enterprise",
        "hr",
        "statistics",
        "tax",
    ]
    assert period["effective"] == hr["effective"]


def test_within_one_source_the_latest_report_wins(
    registry_client: TestClient, registry_headers: RegistryHeaders, ind_uscc: str
) -> None:
    science = _dept(registry_headers, "science")
    _report(registry_client, science, ind_uscc, year=2015, source="science", granted_patents=3)
    later = _report(
        registry_client,
        science,
        ind_uscc,
        year=2015,
        source="science",
        granted_patents=4,
        tech_contract_turnover_fen=12_000_000,
    )
    assert later["effective"]["granted_patents"]["value"] == 4
    assert later["effective"]["granted_patents"]["report_id"] == later["id"]


def test_quarters_are_separate_periods_newest_first(
    registry_client: TestClient, registry_headers: RegistryHeaders, ind_uscc: str
) -> None:
    tax = _dept(registry_headers, "state_tax")
    for quarter in (1, 2):
        _report(
            registry_client,
            tax,
            ind_uscc,
            year=2015,
            quarter=quarter,
            source="tax",
            revenue_fen=100_000_000 * quarter,
        )
    _report(registry_client, tax, ind_uscc, year=2014, source="tax", revenue_fen=300_000_000)
    body = registry_client.get(
        f"/v1/enterprises/{ind_uscc}/indicators", headers=_dept(registry_headers, "tax")
    ).json()
    assert [(p["year"], p["quarter"]) for p in body["periods"]] == [
        (2015, 2),
        (2015, 1),
        (2014, None),
    ]
    only = registry_client.get(
        f"/v1/enterprises/{ind_uscc}/indicators",
        params={"year": 2014},
        headers=_dept(registry_headers, "tax"),
    ).json()
    assert [(p["year"], p["quarter"]) for p in only["periods"]] == [(2014, None)]


def test_each_report_emits_one_indicators_reported_event(
    registry_client: TestClient, registry_headers: RegistryHeaders, ind_uscc: str
) -> None:
    a = _report(
        registry_client,
        _dept(registry_headers, "tax"),
        ind_uscc,
        year=2015,
        source="tax",
        revenue_fen=480_000_000,
    )
    b = _report(
        registry_client,
        _dept(registry_headers, "hr"),
        ind_uscc,
        year=2015,
        quarter=3,
        source="hr",
        employees=30,
    )
    events = _events(registry_client, registry_headers, "indicators.reported")
    assert [e["payload"]["report_id"] for e in events] == [a["id"], b["id"]]
    first = events[0]["payload"]
    assert first["uscc"] == ind_uscc and first["district"] == "xiaodian"
    assert first["source"] == "tax" and first["year"] == 2015 and first["quarter"] is None
    assert first["figures"] == {"revenue_fen": 480_000_000}
    assert first["effective"] == {"revenue_fen": 480_000_000}
    assert events[1]["payload"]["quarter"] == 3


def test_idempotency_key_replays_the_first_answer(
    registry_client: TestClient, registry_headers: RegistryHeaders, ind_uscc: str
) -> None:
    h = {**_dept(registry_headers, "tax"), "Idempotency-Key": "ind-1"}
    body = {"year": 2015, "source": "tax", "revenue_fen": 1}
    first = registry_client.post(f"/v1/enterprises/{ind_uscc}/indicators", json=body, headers=h)
    again = registry_client.post(f"/v1/enterprises/{ind_uscc}/indicators", json=body, headers=h)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json() == first.json()
    assert len(_events(registry_client, registry_headers, "indicators.reported")) == 1


def test_annual_figures_recompute_the_size_class(
    registry_client: TestClient, registry_headers: RegistryHeaders, ind_uscc: str
) -> None:
    # Software (I65): 400 employees and 50 million yuan revenue make it medium.
    result = _report(
        registry_client,
        _dept(registry_headers, "statistics"),
        ind_uscc,
        year=2015,
        source="statistics",
        employees=400,
        revenue_fen=5_000_000_000,
    )
    assert result["size_class"] == "medium"
    admin = registry_headers(kind="admin")
    enterprise = registry_client.get(f"/v1/enterprises/{ind_uscc}", headers=admin).json()
    assert enterprise["size_class"] == "medium" and enterprise["version"] == 2
    history = registry_client.get(f"/v1/enterprises/{ind_uscc}/history", headers=admin).json()
    assert history["items"][-1]["fields"] == ["size_class"]
    [updated] = _events(registry_client, registry_headers, "enterprise.updated")
    assert updated["payload"]["values"] == {"size_class": "medium"}

    # An older year's figures do not reclassify.
    older = _report(
        registry_client,
        _dept(registry_headers, "statistics"),
        ind_uscc,
        year=2014,
        source="statistics",
        employees=5,
        revenue_fen=1_000_000,
    )
    assert older["size_class"] == "medium"

    # A later update that does not touch what decides the class keeps it.
    etag = registry_client.get(f"/v1/enterprises/{ind_uscc}", headers=admin).headers["etag"]
    renamed = registry_client.patch(
        f"/v1/enterprises/{ind_uscc}",
        json={"name": "改名软件有限公司"},
        headers={**admin, "If-Match": etag},
    )
    assert renamed.status_code == 200 and renamed.json()["size_class"] == "medium"
    assert registry_client.get(f"/v1/enterprises/{ind_uscc}/history", headers=admin).json()[
        "items"
    ][-1]["fields"] == ["name"]


@pytest.mark.parametrize(
    ("kind", "org", "source", "code"),
    [
        ("enterprise", "SELF", "tax", "source_not_allowed"),
        ("portal", "SELF", "statistics", "source_not_allowed"),
        ("enterprise", "OTHER", "enterprise", "not_your_enterprise"),
        ("portal", "OTHER", "enterprise", "not_your_enterprise"),
        ("department", "tax", "statistics", "source_not_allowed"),
        ("department", "sme_bureau", "enterprise", "source_not_allowed"),
        ("bank", "B001", "enterprise", "forbidden_client_kind"),
        ("provider", "P001", "science", "forbidden_client_kind"),
    ],
)
def test_who_may_report_what(
    registry_client: TestClient,
    registry_headers: RegistryHeaders,
    ind_uscc: str,
    kind: str,
    org: str,
    source: str,
    code: str,
) -> None:
    org = {"SELF": ind_uscc, "OTHER": make_uscc(999)}.get(org, org)
    h = registry_headers(kind=kind, org=org, scopes=DEPT_SCOPES)
    body = _report(registry_client, h, ind_uscc, 403, year=2015, source=source, employees=3)
    assert body["code"] == code


def test_portal_reports_for_its_enterprise_and_admin_as_any_source(
    registry_client: TestClient, registry_headers: RegistryHeaders, ind_uscc: str
) -> None:
    portal = registry_headers(kind="portal", org=ind_uscc, scopes=DEPT_SCOPES)
    _report(registry_client, portal, ind_uscc, year=2015, source="enterprise", employees=3)
    _report(
        registry_client,
        registry_headers(kind="admin"),
        ind_uscc,
        year=2015,
        source="hr",
        employees=4,
    )


def test_bad_reports_are_problems(
    registry_client: TestClient, registry_headers: RegistryHeaders, ind_uscc: str
) -> None:
    tax = _dept(registry_headers, "tax")
    assert (
        _report(registry_client, tax, ind_uscc, 422, year=2015, source="tax")["code"]
        == "no_figures"
    )
    future = _report(registry_client, tax, ind_uscc, 422, year=2099, source="tax", revenue_fen=1)
    assert future["code"] == "future_period"
    for bad in (
        {"year": 2015, "quarter": 5, "source": "tax", "revenue_fen": 1},
        {"year": 2015, "source": "tax", "revenue_fen": -1},
        {"year": 2015, "source": "courts", "revenue_fen": 1},
        {"year": 2015, "source": "tax", "revenue_fen": 1.5},
        {"year": 2015, "source": "tax", "revenue_fen": 1, "assets_fen": 3},
    ):
        problem = _report(registry_client, tax, ind_uscc, 422, **bad)
        assert problem["code"] == "validation_failed"
    missing = _report(
        registry_client, tax, make_uscc(999), 404, year=2015, source="tax", revenue_fen=1
    )
    assert missing["code"] == "enterprise_not_found"
    no_scope = registry_headers(kind="department", org="tax", scopes=["registry:read"])
    _report(registry_client, no_scope, ind_uscc, 403, year=2015, source="tax", revenue_fen=1)
    response = registry_client.post(
        f"/v1/enterprises/{ind_uscc}/indicators",
        json={"year": 2015, "source": "tax", "revenue_fen": 1},
    )
    assert response.status_code == 401 and response.json()["code"] == "missing_token"
    assert response.headers["content-type"].startswith("application/problem+json")


def test_no_reports_after_deregistration(
    registry_client: TestClient, registry_headers: RegistryHeaders, ind_uscc: str
) -> None:
    admin = registry_headers(kind="admin")
    gone = registry_client.post(
        f"/v1/enterprises/{ind_uscc}/deregistration", json={"reason": "dissolved"}, headers=admin
    )
    assert gone.status_code == 200, gone.text
    problem = _report(
        registry_client,
        _dept(registry_headers, "tax"),
        ind_uscc,
        409,
        year=2015,
        source="tax",
        revenue_fen=1,
    )
    assert problem["code"] == "enterprise_deregistered"


def test_reading_indicators_is_limited(
    registry_client: TestClient, registry_headers: RegistryHeaders, ind_uscc: str
) -> None:
    url = f"/v1/enterprises/{ind_uscc}/indicators"
    other = registry_headers(kind="enterprise", org=make_uscc(999))
    assert registry_client.get(url, headers=other).status_code == 403
    assert (
        registry_client.get(url, headers=registry_headers(kind="bank", org="B1")).status_code == 403
    )
    assert registry_client.get(url).status_code == 401
    own = registry_client.get(url, headers=registry_headers(kind="portal", org=ind_uscc))
    assert own.status_code == 200 and own.json()["periods"] == []
    missing = registry_client.get(
        f"/v1/enterprises/{make_uscc(999)}/indicators", headers=registry_headers()
    )
    assert missing.status_code == 404 and missing.json()["code"] == "enterprise_not_found"


def test_precedence_is_published(registry_client: TestClient) -> None:
    body = registry_client.get("/v1/indicators/precedence").json()
    assert set(body["precedence"]) == {
        "revenue_fen",
        "employees",
        "tech_contract_turnover_fen",
        "granted_patents",
    }
    assert all(order[-1] == "enterprise" for order in body["precedence"].values())
    assert body["department_sources"]["local_tax"] == "tax"
