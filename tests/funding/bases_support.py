"""Helpers of the base and acceptance tests: callers, a filed base, an admitted one, events."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.funding.conftest import FundingHeaders

USCC = "91140105MA0KDE119Q"
OTHER_USCC = "91140106MA0K2B3C4D"
# The checklist of the startup_base kind as the plan words it (its own and the general ones).
STARTUP_CRITERIA = [
    "policy_alignment",
    "environmental_compliance",
    "reused_space",
    "incubation_capacity",
    "mentoring_system",
]


def shanghai_today() -> date:
    """Today in Asia/Shanghai (UTC+8), worked out here, not by the service."""
    return (datetime.now(UTC) + timedelta(hours=8)).date()


def district(headers: FundingHeaders, code: str = "xiaodian") -> dict[str, str]:
    """A district's department client (org: its district code)."""
    return headers(kind="department", org=code, client_id=f"cli_{code}")


def department(headers: FundingHeaders, code: str = "sme_bureau") -> dict[str, str]:
    """A responsible department's client (org: its department code)."""
    return headers(kind="department", org=code, client_id=f"cli_{code}")


def filing(**overrides: Any) -> dict[str, Any]:
    """A filing body of a start-up base in Xiaodian."""
    return {
        "operator_uscc": USCC,
        "name": "小店区青年创业园",
        "district": "xiaodian",
        "kind": "startup_base",
        "area_m2": 12000,
        "opened_on": "2014-09-01",
        **overrides,
    }


def all_met(codes: list[str] = STARTUP_CRITERIA) -> list[dict[str, Any]]:
    """An assessment meeting every criterion."""
    return [{"criterion": code, "met": True} for code in codes]


def file_base(client: TestClient, headers: FundingHeaders, **overrides: Any) -> dict[str, Any]:
    """File a base through the API as its district; the answer's body."""
    body = filing(**overrides)
    answer = client.post("/v1/bases", json=body, headers=district(headers, body["district"]))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def admitted_base(client: TestClient, headers: FundingHeaders, **overrides: Any) -> dict[str, Any]:
    """File a start-up base and have the SME bureau admit it; the answer's body."""
    base = file_base(client, headers, **overrides)
    answer = client.post(
        f"/v1/bases/{base['id']}/decision",
        json={"decision": "admit", "assessment": all_met()},
        headers=department(headers),
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def kpis(**overrides: int) -> dict[str, int]:
    """A KPI report body."""
    return {
        "enterprises_incubated": 42,
        "jobs_created": 310,
        "private_money_fen": 1_250_000_000,
        "services_delivered": 180,
        **overrides,
    }


def report(
    client: TestClient, headers: FundingHeaders, base: dict[str, Any], year: int, **figures: int
) -> dict[str, Any]:
    """The base's district reports its KPIs for a year; the answer's body."""
    answer = client.put(
        f"/v1/bases/{base['id']}/kpis/{year}",
        json=kpis(**figures),
        headers=district(headers, base["district"]),
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def events(client: TestClient, headers: FundingHeaders, type_: str) -> list[dict[str, Any]]:
    """The payloads of the service's events of one type, read through its feed."""
    answer = client.get("/v1/events", params={"limit": 1000}, headers=headers(kind="service"))
    assert answer.status_code == 200, answer.text
    return [item["payload"] for item in answer.json()["items"] if item["type"] == type_]


def history(client: TestClient, headers: FundingHeaders, base_id: str) -> list[dict[str, Any]]:
    """A base's whole history through the API."""
    answer = client.get(f"/v1/bases/{base_id}/history", headers=headers())
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def read(client: TestClient, headers: FundingHeaders, base_id: str) -> dict[str, Any]:
    """A base through the API."""
    answer = client.get(f"/v1/bases/{base_id}", headers=headers())
    assert answer.status_code == 200, answer.text
    return dict(answer.json())
