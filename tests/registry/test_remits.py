"""Department remits through HTTP: a department changes only the fields and files only the
records its remit names; administrators read and replace remits."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.registry.conftest import RegistryHeaders
from tests.registry.factories import filing, make_uscc, register_row, to_csv

CSV = {"Content-Type": "text/csv"}


def _dept(headers: RegistryHeaders, org: str | None) -> dict[str, str]:
    return headers(kind="department", org=org, client_id=f"cli_{org}")


def _admin(headers: RegistryHeaders) -> dict[str, str]:
    return headers(kind="admin", client_id="cli_admin")


@pytest.fixture
def uscc(registry_client: TestClient, registry_headers: RegistryHeaders) -> str:
    """One enterprise filed by the demonstration office."""
    body = filing(0)
    response = registry_client.post("/v1/enterprises", json=body, headers=_admin(registry_headers))
    assert response.status_code == 201, response.text
    return str(body["uscc"])


def _state(client: TestClient, headers: RegistryHeaders, uscc: str) -> tuple[Any, Any, Any]:
    """The enterprise, its history and its events: what a refused request must leave as it was."""
    admin = _admin(headers)
    enterprise = client.get(f"/v1/enterprises/{uscc}", headers=admin)
    history = client.get(f"/v1/enterprises/{uscc}/history", headers=admin)
    events = client.get(
        "/v1/events", params={"limit": 1000}, headers=headers(scopes=["events:read"])
    )
    assert enterprise.status_code == history.status_code == events.status_code == 200
    return enterprise.json(), history.json(), events.json()["items"]


def _patch(
    client: TestClient, headers: dict[str, str], uscc: str, body: dict[str, Any], etag: str
) -> Any:
    return client.patch(f"/v1/enterprises/{uscc}", json=body, headers={**headers, "If-Match": etag})


# --- enterprise fields ------------------------------------------------------------------------


def test_a_department_changes_fields_in_its_remit_and_no_others(
    registry_client: TestClient, registry_headers: RegistryHeaders, uscc: str
) -> None:
    tax = _dept(registry_headers, "tax")
    before = _state(registry_client, registry_headers, uscc)

    refused = _patch(
        registry_client,
        tax,
        uscc,
        {"revenue_fen": 400_000_000, "name": "改名有限公司", "employees": 30},
        f'"{uscc}.1"',
    )
    assert refused.status_code == 403, refused.text
    problem = refused.json()
    assert problem["code"] == "outside_remit"
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [
        ("body.employees", "outside_remit"),
        ("body.name", "outside_remit"),
    ]
    assert "employees" in problem["detail"] and "revenue_fen" not in problem["detail"]
    assert _state(registry_client, registry_headers, uscc) == before

    for body in (
        {"legal_representative": {"name": "王某", "id_number": "140105198001010011"}},
        {"contact": None},
        {"is_tech_sme": True},
    ):
        outside = _patch(registry_client, tax, uscc, body, f'"{uscc}.1"')
        assert outside.status_code == 403 and outside.json()["code"] == "outside_remit"
        assert [e["field"] for e in outside.json()["errors"]] == [f"body.{next(iter(body))}"]
    assert _state(registry_client, registry_headers, uscc) == before

    allowed = _patch(registry_client, tax, uscc, {"revenue_fen": 400_000_000}, f'"{uscc}.1"')
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["revenue_fen"] == 400_000_000 and allowed.json()["version"] == 2

    registration = _dept(registry_headers, "business_registration")
    renamed = _patch(registry_client, registration, uscc, {"name": "改名有限公司"}, f'"{uscc}.2"')
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "改名有限公司"
    figures = _patch(registry_client, registration, uscc, {"revenue_fen": 1}, f'"{uscc}.3"')
    assert figures.status_code == 403 and figures.json()["code"] == "outside_remit"
    assert [e["field"] for e in figures.json()["errors"]] == ["body.revenue_fen"]


@pytest.mark.parametrize("org", ["finance", None])
def test_a_department_without_a_remit_changes_and_files_nothing(
    registry_client: TestClient, registry_headers: RegistryHeaders, uscc: str, org: str | None
) -> None:
    dept = _dept(registry_headers, org)
    before = _state(registry_client, registry_headers, uscc)
    patched = _patch(registry_client, dept, uscc, {"contact": None}, f'"{uscc}.1"')
    assert patched.status_code == 403 and patched.json()["code"] == "outside_remit"
    filed = registry_client.post("/v1/enterprises", json=filing(1), headers=dept)
    assert filed.status_code == 403 and filed.json()["code"] == "outside_remit"
    gone = registry_client.post(
        f"/v1/enterprises/{uscc}/deregistration", json={"reason": "注销"}, headers=dept
    )
    assert gone.status_code == 403 and gone.json()["code"] == "outside_remit"
    assert _state(registry_client, registry_headers, uscc) == before
    missing = registry_client.get(
        f"/v1/enterprises/{make_uscc(1)}", headers=_admin(registry_headers)
    )
    assert missing.status_code == 404 and missing.json()["code"] == "enterprise_not_found"


def test_the_demonstration_office_is_not_limited_by_remits(
    registry_client: TestClient, registry_headers: RegistryHeaders, uscc: str
) -> None:
    changed = _patch(
        registry_client,
        _admin(registry_headers),
        uscc,
        {"name": "示范改名有限公司", "revenue_fen": 400_000_000, "is_tech_sme": True},
        f'"{uscc}.1"',
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["is_tech_sme"] is True


# --- record types -----------------------------------------------------------------------------


def test_filing_and_deregistration_only_within_the_remit(
    registry_client: TestClient, registry_headers: RegistryHeaders, uscc: str
) -> None:
    tax, registration = (
        _dept(registry_headers, "tax"),
        _dept(registry_headers, "business_registration"),
    )
    before = _state(registry_client, registry_headers, uscc)
    filed = registry_client.post("/v1/enterprises", json=filing(1), headers=tax)
    assert filed.status_code == 403 and filed.json()["code"] == "outside_remit"
    assert "enterprise_filing" in filed.json()["detail"]
    gone = registry_client.post(
        f"/v1/enterprises/{uscc}/deregistration", json={"reason": "注销"}, headers=tax
    )
    assert gone.status_code == 403 and gone.json()["code"] == "outside_remit"
    assert _state(registry_client, registry_headers, uscc) == before
    admin = _admin(registry_headers)
    assert registry_client.get(f"/v1/enterprises/{make_uscc(1)}", headers=admin).status_code == 404

    filed = registry_client.post("/v1/enterprises", json=filing(1), headers=registration)
    assert filed.status_code == 201, filed.text
    gone = registry_client.post(
        f"/v1/enterprises/{uscc}/deregistration", json={"reason": "注销"}, headers=registration
    )
    assert gone.status_code == 200 and gone.json()["status"] == "deregistered"


def test_imports_are_filings_within_the_remit(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    content = to_csv([register_row(0)])
    tax = _dept(registry_headers, "tax")
    refused = registry_client.post("/v1/imports", content=content, headers={**tax, **CSV})
    assert refused.status_code == 403 and refused.json()["code"] == "outside_remit"
    assert "location" not in refused.headers
    registration = _dept(registry_headers, "business_registration")
    accepted = registry_client.post("/v1/imports", content=content, headers={**registration, **CSV})
    assert accepted.status_code == 202, accepted.text


def _put_remit(
    client: TestClient, headers: dict[str, str], department: str, body: dict[str, Any], **extra: str
) -> Any:
    return client.put(f"/v1/remits/{department}", json=body, headers={**headers, **extra})


def test_indicator_reports_and_tax_relief_follow_the_remit_as_data(
    registry_client: TestClient, registry_headers: RegistryHeaders, uscc: str
) -> None:
    admin = _admin(registry_headers)
    statistics, tax = _dept(registry_headers, "statistics"), _dept(registry_headers, "tax")
    report = {"year": 2015, "source": "statistics", "employees": 30}
    made = registry_client.post(
        f"/v1/enterprises/{uscc}/indicators", json=report, headers=statistics
    )
    assert made.status_code == 201, made.text

    current = registry_client.get("/v1/remits/statistics", headers=admin)
    narrowed = _put_remit(
        registry_client,
        admin,
        "statistics",
        {"fields": ["employees"], "records": []},
        **{"If-Match": current.headers["etag"]},
    )
    assert narrowed.status_code == 200, narrowed.text
    refused = registry_client.post(
        f"/v1/enterprises/{uscc}/indicators", json={**report, "year": 2016}, headers=statistics
    )
    assert refused.status_code == 403 and refused.json()["code"] == "outside_remit"
    kept = registry_client.get(f"/v1/enterprises/{uscc}/indicators", headers=admin).json()
    assert [p["year"] for p in kept["periods"]] == [2015]

    relief = {
        "year": 2015,
        "quarter": 2,
        "tax_type": "value_added_tax",
        "enterprises": 3,
        "amount_fen": 100,
    }
    first = registry_client.post("/v1/tax-relief/filings", json=relief, headers=tax)
    assert first.status_code == 201, first.text
    tax_remit = registry_client.get("/v1/remits/tax", headers=admin)
    assert (
        _put_remit(
            registry_client,
            admin,
            "tax",
            {"fields": ["revenue_fen"], "records": ["indicator_report"]},
            **{"If-Match": tax_remit.headers["etag"]},
        ).status_code
        == 200
    )
    again = registry_client.post(
        "/v1/tax-relief/filings", json={**relief, "quarter": 1}, headers=tax
    )
    assert again.status_code == 403 and again.json()["code"] == "outside_remit"
    corrected = registry_client.put(
        f"/v1/tax-relief/filings/{first.json()['id']}",
        json={"enterprises": 4, "amount_fen": 200},
        headers={**tax, "If-Match": first.headers["etag"]},
    )
    assert corrected.status_code == 403 and corrected.json()["code"] == "outside_remit"
    listed = registry_client.get("/v1/tax-relief/filings", headers=admin).json()["items"]
    assert [(f["quarter"], f["enterprises"]) for f in listed] == [(2, 3)]


# --- the remit routes -------------------------------------------------------------------------


def test_administrators_read_and_replace_remits_under_if_match(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    admin = _admin(registry_headers)
    got = registry_client.get("/v1/remits/tax", headers=admin)
    assert got.status_code == 200, got.text
    assert got.json()["fields"] == ["revenue_fen", "assets_fen"]
    assert got.json()["records"] == ["indicator_report", "tax_relief_filing"]
    assert got.headers["etag"] == '"remit-tax.1"'
    wanted = {
        "fields": ["revenue_fen", "employees", "revenue_fen"],
        "records": ["indicator_report"],
    }

    missing = _put_remit(registry_client, admin, "tax", wanted)
    assert missing.status_code == 428 and missing.json()["code"] == "if_match_required"
    stale = _put_remit(registry_client, admin, "tax", wanted, **{"If-Match": '"remit-tax.0"'})
    assert stale.status_code == 412 and stale.json()["code"] == "stale_etag"
    bad = _put_remit(
        registry_client,
        admin,
        "tax",
        {"fields": ["revenue_fen", "legal_rep_id_hash"], "records": ["complaints"]},
        **{"If-Match": got.headers["etag"]},
    )
    assert bad.status_code == 422, bad.text
    assert {e["field"] for e in bad.json()["errors"]} == {"body.fields.1", "body.records.0"}
    extra = _put_remit(
        registry_client, admin, "tax", {**wanted, "scopes": []}, **{"If-Match": got.headers["etag"]}
    )
    assert (
        extra.status_code == 422
        and [e["field"] for e in extra.json()["errors"]] == ["body.scopes"]
        and extra.json()["errors"][0]["field"] == "body.scopes"
    )
    assert registry_client.get("/v1/remits/tax", headers=admin).json() == got.json()

    replaced = _put_remit(
        registry_client, admin, "tax", wanted, **{"If-Match": got.headers["etag"]}
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.headers["etag"] == '"remit-tax.2"'
    body = replaced.json()
    assert (body["fields"], body["records"]) == (["employees", "revenue_fen"], ["indicator_report"])
    assert body["version"] == 2 and body["updated_by"] == "cli_admin"
    assert registry_client.get("/v1/remits/tax", headers=admin).json() == body
    again = _put_remit(registry_client, admin, "tax", wanted, **{"If-Match": got.headers["etag"]})
    assert again.status_code == 412 and again.json()["code"] == "stale_etag"
    assert registry_client.get("/v1/remits/tax", headers=admin).json() == body


def test_a_first_remit_is_recorded_without_if_match(
    registry_client: TestClient, registry_headers: RegistryHeaders, uscc: str
) -> None:
    admin = _admin(registry_headers)
    unknown = registry_client.get("/v1/remits/finance", headers=admin)
    assert unknown.status_code == 404 and unknown.json()["code"] == "remit_not_found"
    guessed = _put_remit(
        registry_client,
        admin,
        "finance",
        {"fields": ["contact"], "records": []},
        **{"If-Match": '"remit-finance.1"'},
    )
    assert guessed.status_code == 412 and guessed.json()["code"] == "stale_etag"
    assert registry_client.get("/v1/remits/finance", headers=admin).status_code == 404
    created = _put_remit(registry_client, admin, "finance", {"fields": ["contact"], "records": []})
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/v1/remits/finance"
    assert created.headers["etag"] == '"remit-finance.1"'
    finance = _dept(registry_headers, "finance")
    contact = {"contact": {"name": "财务联系人", "phone": "0351-1234567"}}
    changed = _patch(registry_client, finance, uscc, contact, f'"{uscc}.1"')
    assert changed.status_code == 200, changed.text
    assert changed.json()["contact"]["phone"] == "0351-1234567"


@pytest.mark.parametrize(
    "kind", ["department", "enterprise", "portal", "bank", "provider", "service"]
)
def test_only_administrators_see_and_change_remits(
    registry_client: TestClient, registry_headers: RegistryHeaders, kind: str
) -> None:
    caller = registry_headers(kind=kind, org="tax" if kind == "department" else make_uscc(0))
    assert registry_client.get("/v1/remits/tax", headers=caller).status_code == 403
    put = _put_remit(
        registry_client,
        caller,
        "tax",
        {"fields": ["name"], "records": []},
        **{"If-Match": '"remit-tax.1"'},
    )
    assert put.status_code == 403 and put.json()["code"] == "forbidden_client_kind"
    admin_scope_only = registry_headers(kind=kind, scopes=["registry:admin"])
    assert registry_client.get("/v1/remits/tax", headers=admin_scope_only).status_code == 403
    assert registry_client.get("/v1/remits/tax").status_code == 401
    admin = _admin(registry_headers)
    assert registry_client.get("/v1/remits/tax", headers=admin).json()["version"] == 1
    no_scope = registry_headers(kind="admin", scopes=["registry:read"])
    denied = registry_client.get("/v1/remits/tax", headers=no_scope)
    assert denied.status_code == 403 and denied.json()["code"] == "insufficient_scope"


def test_a_department_code_must_look_like_one(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    response = registry_client.get("/v1/remits/Tax%20Bureau", headers=_admin(registry_headers))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "path.department"
