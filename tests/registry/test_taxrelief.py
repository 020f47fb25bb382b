"""Tax and fee relief: tax departments file quarterly figures; a quarterly report by tax type."""

from typing import Any

from fastapi.testclient import TestClient

from tests.registry.conftest import RegistryHeaders

RW = ("registry:read", "registry:report")


def _tax(headers: RegistryHeaders, org: str = "state_tax") -> dict[str, str]:
    return headers(kind="department", org=org, scopes=RW, client_id=f"cli_{org}")


def _file(client: TestClient, h: dict[str, str], status: int = 201, **body: Any) -> dict[str, Any]:
    payload = {
        "year": 2015,
        "quarter": 2,
        "tax_type": "value_added_tax",
        "enterprises": 10,
        "amount_fen": 1_000_00,
        **body,
    }
    response = client.post("/v1/tax-relief/filings", json=payload, headers=h)
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


def test_quarterly_report_adds_up_by_tax_type(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    state, local = _tax(registry_headers, "state_tax"), _tax(registry_headers, "local_tax")
    vat = _file(
        registry_client,
        state,
        tax_type="value_added_tax",
        enterprises=12_840,
        amount_fen=3_560_000_000,
    )
    assert vat["department"] == "state_tax" and vat["id"].startswith("trf_")
    _file(
        registry_client,
        state,
        tax_type="corporate_income_tax",
        enterprises=4_100,
        amount_fen=1_200_000_000,
    )
    _file(
        registry_client,
        local,
        tax_type="corporate_income_tax",
        enterprises=900,
        amount_fen=300_000_001,
    )
    _file(
        registry_client,
        local,
        tax_type="administrative_fees",
        enterprises=2_000,
        amount_fen=45_000_000,
    )
    _file(registry_client, local, quarter=1, tax_type="stamp_duty", enterprises=5, amount_fen=7)

    response = registry_client.get(
        "/v1/tax-relief/reports/quarterly",
        params={"year": 2015, "quarter": 2},
        headers=registry_headers(kind="admin"),
    )
    assert response.status_code == 200, response.text
    report = response.json()
    lines = {line["tax_type"]: line for line in report["lines"]}
    assert len(lines) == 12  # every type, zero where nothing was filed
    assert lines["corporate_income_tax"] == {
        "tax_type": "corporate_income_tax",
        "enterprises": 5_000,
        "amount_fen": 1_500_000_001,
        "departments": ["local_tax", "state_tax"],
    }
    assert lines["value_added_tax"]["amount_fen"] == 3_560_000_000
    assert lines["stamp_duty"]["amount_fen"] == 0
    assert report["total_amount_fen"] == 3_560_000_000 + 1_500_000_001 + 45_000_000
    assert report["enterprise_relief_count"] == 12_840 + 5_000 + 2_000
    assert report["filings"] == 4
    q1 = registry_client.get(
        "/v1/tax-relief/reports/quarterly",
        params={"year": 2015, "quarter": 1},
        headers=_tax(registry_headers, "tax"),
    ).json()
    assert q1["total_amount_fen"] == 7 and q1["filings"] == 1


def test_one_filing_per_slot_and_corrections_need_if_match(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    state = _tax(registry_headers)
    first = _file(registry_client, state)
    again = _file(registry_client, state, 409)
    assert again["code"] == "already_filed"
    # The other tax department may file the same type and quarter.
    _file(registry_client, _tax(registry_headers, "local_tax"))

    url = f"/v1/tax-relief/filings/{first['id']}"
    got = registry_client.get(url, headers=state)
    assert got.status_code == 200 and got.json() == first
    etag = got.headers["etag"]
    fix = {"enterprises": 11, "amount_fen": 1_100_00, "note": "late returns"}
    assert registry_client.put(url, json=fix, headers=state).status_code == 428
    done = registry_client.put(url, json=fix, headers={**state, "If-Match": etag})
    assert done.status_code == 200, done.text
    assert done.json()["version"] == 2 and done.json()["amount_fen"] == 1_100_00
    stale = registry_client.put(url, json=fix, headers={**state, "If-Match": etag})
    assert stale.status_code == 412 and stale.json()["code"] == "stale_etag"
    other = registry_client.put(
        url,
        json=fix,
        headers={**_tax(registry_headers, "local_tax"), "If-Match": done.headers["etag"]},
    )
    assert other.status_code == 403 and other.json()["code"] == "not_your_department"
    assert registry_client.get("/v1/tax-relief/filings/trf_nope", headers=state).status_code == 404
    assert (
        registry_client.put(
            "/v1/tax-relief/filings/trf_nope", json=fix, headers={**state, "If-Match": "*"}
        ).status_code
        == 404
    )


def test_who_may_file(registry_client: TestClient, registry_headers: RegistryHeaders) -> None:
    science = registry_headers(kind="department", org="science", scopes=RW)
    assert _file(registry_client, science, 403)["code"] == "not_a_tax_department"
    for kind in ("enterprise", "portal", "bank", "provider"):
        problem = _file(registry_client, registry_headers(kind=kind, org="X", scopes=RW), 403)
        assert problem["code"] == "forbidden_client_kind", kind
    admin = registry_headers(kind="admin")
    assert _file(registry_client, admin, 422)["code"] == "department_required"
    made = _file(registry_client, admin, department="local_tax")
    assert made["department"] == "local_tax" and made["filed_by"] == "cli_test_admin"
    mismatch = _file(
        registry_client, _tax(registry_headers), 403, department="local_tax", quarter=3
    )
    assert mismatch["code"] == "not_your_department"
    no_report = registry_headers(
        kind="department", org="state_tax", scopes=["registry:read", "registry:write"]
    )
    assert _file(registry_client, no_report, 403)["code"] == "insufficient_scope"
    assert registry_client.post("/v1/tax-relief/filings", json={}).status_code == 401


def test_bad_filings_are_problems(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    h = _tax(registry_headers)
    for bad in (
        {"quarter": 5},
        {"amount_fen": -1},
        {"enterprises": -1},
        {"tax_type": "luxury_tax"},
        {"amount_fen": 1.25},
        {"year": 1999},
        {"extra": 1},
    ):
        assert _file(registry_client, h, 422, **bad)["code"] == "validation_failed", bad
    assert _file(registry_client, h, 422, year=2099)["code"] == "future_period"


def test_listing_and_idempotent_filing(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    state = _tax(registry_headers)
    keyed = {**state, "Idempotency-Key": "trf-1"}
    body = {
        "year": 2016,
        "quarter": 1,
        "tax_type": "business_tax",
        "enterprises": 3,
        "amount_fen": 9,
    }
    first = registry_client.post("/v1/tax-relief/filings", json=body, headers=keyed)
    replay = registry_client.post("/v1/tax-relief/filings", json=body, headers=keyed)
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json() and replay.headers["idempotent-replayed"] == "true"
    for quarter in (2, 3, 4):
        _file(registry_client, state, year=2016, quarter=quarter)
    h = registry_headers(kind="admin")
    listed = registry_client.get(
        "/v1/tax-relief/filings", params={"year": 2016, "limit": 2}, headers=h
    )
    assert listed.status_code == 200
    page = listed.json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = registry_client.get(
        "/v1/tax-relief/filings",
        params={"year": 2016, "limit": 2, "cursor": page["next_cursor"]},
        headers=h,
    ).json()
    assert len(rest["items"]) == 2 and rest["next_cursor"] is None
    only = registry_client.get(
        "/v1/tax-relief/filings", params={"tax_type": "business_tax"}, headers=h
    ).json()
    assert [f["id"] for f in only["items"]] == [first.json()["id"]]
    bank = registry_headers(kind="bank", org="B1")
    assert registry_client.get("/v1/tax-relief/filings", headers=bank).status_code == 403
    assert (
        registry_client.get(
            "/v1/tax-relief/reports/quarterly", params={"year": 2016, "quarter": 1}, headers=bank
        ).status_code
        == 403
    )
    assert (
        registry_client.get(
            "/v1/tax-relief/reports/quarterly", params={"year": 2016}, headers=h
        ).status_code
        == 422
    )
