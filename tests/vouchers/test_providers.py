"""Providers through HTTP: applications, admin decisions, catalogues and the public directory."""

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.vouchers.providers import service
from tests.vouchers.conftest import SeedEnterprise, VouchersHeaders

APPLICATION: dict[str, Any] = {
    "uscc": "12140000405200123K",
    "name": "太原理工大学测试中心",
    "kind": "university",
    "district": "wanbailin",
    "categories": ["testing", "inspection"],
}


def apply(
    client: TestClient, headers: VouchersHeaders, org: str = "prv_demo", **changes: Any
) -> dict[str, Any]:
    answer = client.post(
        "/v1/providers", json={**APPLICATION, **changes}, headers=headers(kind="provider", org=org)
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def decide(
    client: TestClient, headers: VouchersHeaders, provider_id: str, decision: str, **body: Any
) -> Any:
    return client.post(
        f"/v1/providers/{provider_id}/decision",
        json={"decision": decision, **body},
        headers=headers(kind="admin"),
    )


def test_apply_approve_directory_and_catalogue(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    seed_enterprise: SeedEnterprise,
) -> None:
    seed_enterprise(APPLICATION["uscc"], legal_rep_id_hash="b" * 64)
    made = apply(vouchers_client, vouchers_headers)
    assert made["id"] == "prv_demo" and made["status"] == "applied"
    assert made["categories"] == ["testing", "inspection"]
    assert vouchers_client.get("/v1/public/providers").json()["items"] == []
    # Not approved: hidden from enterprises, seen by itself and admins.
    hidden = vouchers_client.get(
        "/v1/providers/prv_demo", headers=vouchers_headers(kind="enterprise")
    )
    assert hidden.status_code == 404 and hidden.json()["code"] == "provider_not_found"
    own = vouchers_client.get("/v1/providers/prv_demo", headers=vouchers_headers(kind="provider"))
    assert own.status_code == 200 and own.json()["status"] == "applied"

    approved = decide(vouchers_client, vouchers_headers, "prv_demo", "approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    added = vouchers_client.post(
        "/v1/providers/prv_demo/services",
        json={"category": "testing", "title": "材料力学性能检测", "price_fen": 800_000},
        headers=vouchers_headers(kind="provider"),
    )
    assert added.status_code == 201 and added.json()["provider_id"] == "prv_demo"
    directory = vouchers_client.get("/v1/public/providers", params={"category": "testing"}).json()
    assert [(p["id"], [s["title"] for s in p["services"]]) for p in directory["items"]] == [
        ("prv_demo", ["材料力学性能检测"])
    ]
    assert (
        vouchers_client.get("/v1/public/providers", params={"category": "rnd"}).json()["items"]
        == []
    )
    assert vouchers_client.get("/v1/public/providers", params={"kind": "lab"}).json()["items"] == []
    assert (
        len(
            vouchers_client.get("/v1/public/providers", params={"district": "wanbailin"}).json()[
                "items"
            ]
        )
        == 1
    )
    catalogue = vouchers_client.get(
        "/v1/providers/prv_demo/services", headers=vouchers_headers(kind="enterprise")
    ).json()
    assert [s["category"] for s in catalogue] == ["testing"]

    with vouchers_app.state.database.session(write=False) as session:
        provider = service.get_provider(session=session, provider_id="prv_demo")
        assert provider.legal_rep_id_hash == "b" * 64  # from the register, for related parties

    suspended = decide(
        vouchers_client, vouchers_headers, "prv_demo", "suspend", reason="Complaint."
    )
    assert (
        suspended.json()["status"] == "suspended"
        and suspended.json()["status_reason"] == "Complaint."
    )
    assert vouchers_client.get("/v1/public/providers").json()["items"] == []
    assert (
        decide(vouchers_client, vouchers_headers, "prv_demo", "approve").json()["status"]
        == "approved"
    )
    removed = decide(vouchers_client, vouchers_headers, "prv_demo", "remove", reason="Fraud.")
    assert removed.json()["status"] == "removed"


def test_provider_failures(vouchers_client: TestClient, vouchers_headers: VouchersHeaders) -> None:
    def code(answer: Any, status: int) -> str:
        assert answer.status_code == status, answer.text
        return str(answer.json()["code"])

    post = vouchers_client.post
    assert (
        code(
            post(
                "/v1/providers",
                json=APPLICATION,
                headers=vouchers_headers(kind="provider", org="demo"),
            ),
            403,
        )
        == "provider_org_invalid"
    )
    assert (
        code(
            post(
                "/v1/providers",
                json=APPLICATION,
                headers=vouchers_headers(kind="provider", org=None),
            ),
            403,
        )
        == "provider_org_invalid"
    )
    assert (
        code(
            post("/v1/providers", json=APPLICATION, headers=vouchers_headers(kind="enterprise")),
            403,
        )
        == "forbidden_client_kind"
    )
    assert (
        code(
            post(
                "/v1/providers",
                json={**APPLICATION, "uscc": "bad"},
                headers=vouchers_headers(kind="provider"),
            ),
            422,
        )
        == "validation_failed"
    )
    apply(vouchers_client, vouchers_headers)
    assert (
        code(
            post("/v1/providers", json=APPLICATION, headers=vouchers_headers(kind="provider")), 409
        )
        == "provider_exists"
    )
    assert (
        code(
            post(
                "/v1/providers",
                json=APPLICATION,
                headers=vouchers_headers(kind="provider", org="prv_other"),
            ),
            409,
        )
        == "provider_uscc_taken"
    )
    assert (
        code(decide(vouchers_client, vouchers_headers, "prv_demo", "suspend", reason="x"), 409)
        == "provider_decision_invalid"
    )
    assert (
        code(decide(vouchers_client, vouchers_headers, "prv_demo", "refuse"), 422)
        == "decision_reason_required"
    )
    assert (
        code(decide(vouchers_client, vouchers_headers, "prv_none", "approve"), 404)
        == "provider_not_found"
    )
    as_provider = post(
        "/v1/providers/prv_demo/decision",
        json={"decision": "approve"},
        headers=vouchers_headers(kind="provider"),
    )
    assert code(as_provider, 403) in {"forbidden_client_kind", "insufficient_scope"}
    stale = post(
        "/v1/providers/prv_demo/decision",
        json={"decision": "approve"},
        headers={**vouchers_headers(kind="admin"), "If-Match": '"stale"'},
    )
    assert code(stale, 412) == "stale_etag"
    service_entry = {"category": "rnd", "title": "R&D"}
    assert (
        code(
            post(
                "/v1/providers/prv_demo/services",
                json=service_entry,
                headers=vouchers_headers(kind="provider"),
            ),
            422,
        )
        == "category_not_offered"
    )
    assert (
        code(
            post(
                "/v1/providers/prv_demo/services",
                json={**service_entry, "category": "testing"},
                headers=vouchers_headers(kind="provider", org="prv_other"),
            ),
            403,
        )
        == "not_your_provider"
    )
    before = post(  # an org sorting before the provider's id is no more its own
        "/v1/providers/prv_demo/services",
        json={**service_entry, "category": "testing"},
        headers=vouchers_headers(kind="provider", org="prv_aaa"),
    )
    assert code(before, 403) == "not_your_provider"
    catalogue = vouchers_client.get(
        "/v1/providers/prv_demo/services", headers=vouchers_headers(kind="admin")
    )
    assert catalogue.json() == []
    refused = decide(
        vouchers_client, vouchers_headers, "prv_demo", "refuse", reason="Not accredited."
    )
    assert refused.json()["status"] == "refused"
    assert (
        code(decide(vouchers_client, vouchers_headers, "prv_demo", "approve"), 409)
        == "provider_decision_invalid"
    )


@pytest.mark.parametrize(
    ("org", "accepted"),
    [
        ("prv_" + "a" * 36, True),  # 40 characters: the longest id
        ("prv_" + "a" * 37, False),  # 41
        ("prv_", False),  # the prefix alone
        ("prv_x", True),  # the shortest
        ("prv_a.b", False),  # a character an id never has
        ("prv_Ab-9_z", True),
        ("xprv_ab", False),
    ],
)
def test_a_provider_id_is_its_prefix_then_1_to_36_id_characters(
    vouchers_client: TestClient, vouchers_headers: VouchersHeaders, org: str, accepted: bool
) -> None:
    answer = vouchers_client.post(
        "/v1/providers", json=APPLICATION, headers=vouchers_headers(kind="provider", org=org)
    )
    if accepted:
        assert answer.status_code == 201 and answer.json()["id"] == org, answer.text
    else:
        assert answer.status_code == 403 and answer.json()["code"] == "provider_org_invalid"
        listed = vouchers_client.get("/v1/providers", headers=vouchers_headers(kind="admin"))
        assert listed.status_code == 200 and listed.json()["items"] == []
