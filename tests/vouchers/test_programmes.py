"""Voucher programmes through HTTP: drafts, opening and closing, budgets, eligibility by rules."""

from datetime import date
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.vouchers.programmes import service
from services.vouchers.programmes.models import Programme
from tests.vouchers.conftest import SeedEnterprise, VouchersHeaders

TERMS: dict[str, Any] = {
    "kind": "innovation",
    "year": 2026,
    "name": "2026 科技创新券",
    "budget_fen": 1_000_000,
    "face_value_fen": 50_000,
    "coverage_bp": 2000,
    "yearly_cap_fen": 100_000,
    "validity_days": 365,
    "categories": ["testing", "rnd", "testing"],
}


def create(client: TestClient, headers: VouchersHeaders, **changes: Any) -> dict[str, Any]:
    answer = client.post("/v1/programmes", json={**TERMS, **changes}, headers=headers(kind="admin"))
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_create_read_and_list(
    vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    made = create(vouchers_client, vouchers_headers)
    assert made["status"] == "draft"
    assert made["categories"] == ["testing", "rnd"]
    assert made["remaining_fen"] == 1_000_000 and made["committed_fen"] == 0
    assert made["created_by"]
    read = vouchers_client.get(
        f"/v1/programmes/{made['id']}", headers=vouchers_headers(kind="admin")
    )
    assert read.status_code == 200 and read.json() == made
    assert read.headers["ETag"]
    # A draft is unpublished: others get 404, the lists hide it.
    hidden = vouchers_client.get(
        f"/v1/programmes/{made['id']}", headers=vouchers_headers(kind="enterprise")
    )
    assert hidden.status_code == 404 and hidden.json()["code"] == "programme_not_found"
    assert vouchers_client.get("/v1/public/programmes").json()["items"] == []
    listed = vouchers_client.get("/v1/programmes", headers=vouchers_headers(kind="admin")).json()
    assert [p["id"] for p in listed["items"]] == [made["id"]]


def _evaluate(app: FastAPI, programme_id: str, uscc: str, on: date) -> tuple[bool, dict[str, Any]]:
    with app.state.database.transaction() as session:
        programme = session.get(Programme, programme_id)
        assert programme is not None
        return service.evaluate_eligibility(session=session, programme=programme, uscc=uscc, on=on)


def test_default_eligibility_per_kind(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    seed_enterprise: SeedEnterprise,
) -> None:
    startup = create(vouchers_client, vouchers_headers, kind="startup", name="创业券")
    innovation = create(vouchers_client, vouchers_headers)
    young = seed_enterprise("91140100MA0K000017", founded_on=date(2024, 6, 1))
    tech = seed_enterprise("91140100MA0K000025", founded_on=date(2010, 1, 1), is_tech_sme=True)
    listed = seed_enterprise(
        "91140100MA0K000033",
        founded_on=date(2025, 1, 1),
        is_tech_sme=True,
        on_dishonesty_list=True,
    )
    on = date(2026, 5, 31)
    ok, trace = _evaluate(vouchers_app, startup["id"], young.uscc, on)
    assert ok and trace["reasons"] == [] and trace["family"] == "vouchers.eligibility.startup"
    assert trace["inputs"]["years_since_founding"] == 1
    assert [s["rule"] for s in trace["steps"]][-1] == "eligible"
    ok, trace = _evaluate(vouchers_app, startup["id"], young.uscc, date(2027, 6, 1))
    assert not ok and trace["reasons"] == ["Founded within the last 3 years."]
    ok, trace = _evaluate(vouchers_app, innovation["id"], young.uscc, on)
    assert not ok and trace["reasons"] == ["A technology-based SME (科技型中小企业)."]
    ok, trace = _evaluate(vouchers_app, innovation["id"], tech.uscc, on)
    assert ok and trace["rule_set_id"] == "rls_vouchers_innovation_v1"
    ok, trace = _evaluate(vouchers_app, innovation["id"], listed.uscc, on)
    assert not ok and trace["reasons"] == ["Not on the serious-dishonesty list."]
