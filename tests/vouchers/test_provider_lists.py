"""Who sees which provider and catalogue, and the provider lists' filters and pages, through
HTTP: the admin list, the public directory, a provider's catalogue."""

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.clock import utcnow
from services.vouchers.providers.models import Provider
from tests.vouchers.conftest import VouchersHeaders
from tests.vouchers.test_provider_lifecycle import apply, decide, uscc

# id → (kind, district, categories, decisions after applying)
PROVIDERS: dict[str, tuple[str, str | None, list[str], list[str]]] = {
    "prv_a": ("university", "wanbailin", ["testing", "inspection"], ["approve"]),
    "prv_b": ("lab", "xiaodian", ["rnd"], ["approve"]),
    "prv_c": ("lab", "wanbailin", ["testing"], []),  # applied
    "prv_d": ("firm", None, ["testing"], ["approve"]),
    "prv_e": ("lab", "wanbailin", ["testing"], ["approve", "suspend"]),
    "prv_f": ("institute", "wanbailin", ["testing", "rnd"], ["approve"]),
}
APPROVED = ["prv_a", "prv_b", "prv_d", "prv_f"]


@pytest.fixture
def providers(vouchers_client: TestClient, vouchers_headers: VouchersHeaders) -> None:
    """The providers above, each with one catalogue entry per category, added by itself; each
    applies with a USCC sorting before the last one's (a USCC is taken only by its equal)."""
    for n, (org, (kind, district, categories, steps)) in enumerate(PROVIDERS.items()):
        made = apply(
            vouchers_client,
            vouchers_headers,
            org,
            len(PROVIDERS) - n,
            kind=kind,
            district=district,
            categories=categories,
        )
        assert made.status_code == 201, made.text
        for category in categories:
            added = vouchers_client.post(
                f"/v1/providers/{org}/services",
                json={"category": category, "title": f"{org} {category}"},
                headers=vouchers_headers(kind="provider", org=org),
            )
            assert added.status_code == 201, added.text
        for step in steps:
            assert decide(vouchers_client, vouchers_headers, org, step).status_code == 200


def pages(client: TestClient, path: str, headers: dict[str, str], **params: Any) -> list[list[str]]:
    """Every page's ids, following next_cursor."""
    found: list[list[str]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        answer = client.get(path, params=query, headers=headers)
        assert answer.status_code == 200, answer.text
        found.append([p["id"] for p in answer.json()["items"]])
        cursor = answer.json()["next_cursor"]
        if cursor is None:
            return found
        assert len(found) < 20, "the cursor never ends"


@pytest.mark.usefixtures("providers")
@pytest.mark.parametrize(
    ("kind", "org", "seen"),
    [
        ("admin", None, list(PROVIDERS)),
        ("department", "tax_bureau", list(PROVIDERS)),
        ("service", "funding", list(PROVIDERS)),
        ("provider", "prv_c", ["prv_c"]),  # itself, though only applied
        ("provider", "prv_a", ["prv_a"]),
        ("provider", "prv_zz", []),  # a provider client that never applied
        ("enterprise", "91140100MA0K000017", APPROVED),
        ("bank", "JSB", APPROVED),
    ],
)
def test_who_sees_which_provider(
    vouchers_client: TestClient, vouchers_headers: VouchersHeaders, kind: str, org: Any, seen: Any
) -> None:
    """The list, each provider's read and its catalogue agree on who sees what."""
    headers = vouchers_headers(kind=kind, org=org)
    assert pages(vouchers_client, "/v1/providers", headers) == [seen]
    for provider_id in PROVIDERS:
        one = vouchers_client.get(f"/v1/providers/{provider_id}", headers=headers)
        catalogue = vouchers_client.get(f"/v1/providers/{provider_id}/services", headers=headers)
        if provider_id in seen or (provider_id in APPROVED and kind != "provider"):
            assert one.status_code == 200 and one.json()["id"] == provider_id, (provider_id, one)
            assert catalogue.status_code == 200
            assert [(s["provider_id"], s["category"]) for s in catalogue.json()] == [
                (provider_id, c) for c in PROVIDERS[provider_id][2]
            ]
        elif provider_id in APPROVED:
            # Another provider sees an approved one (it is in the public directory anyway).
            assert one.status_code == 200 and catalogue.status_code == 200
        else:
            assert one.status_code == 404 and one.json()["code"] == "provider_not_found"
            assert catalogue.status_code == 404
            assert catalogue.json()["code"] == "provider_not_found"
    for missing in ("prv_none",):
        gone = vouchers_client.get(f"/v1/providers/{missing}/services", headers=headers)
        assert gone.status_code == 404 and gone.json()["code"] == "provider_not_found"


@pytest.mark.usefixtures("providers")
@pytest.mark.parametrize(
    ("params", "admin_sees", "public_sees"),
    [
        ({}, list(PROVIDERS), APPROVED),
        ({"status": "approved"}, APPROVED, APPROVED),
        ({"status": "suspended"}, ["prv_e"], APPROVED),  # the directory ignores status
        ({"kind": "lab"}, ["prv_b", "prv_c", "prv_e"], ["prv_b"]),
        ({"district": "wanbailin"}, ["prv_a", "prv_c", "prv_e", "prv_f"], ["prv_a", "prv_f"]),
        ({"district": "xiaodian"}, ["prv_b"], ["prv_b"]),  # sorts after wanbailin
        (
            {"category": "testing"},
            ["prv_a", "prv_c", "prv_d", "prv_e", "prv_f"],
            ["prv_a", "prv_d", "prv_f"],
        ),
        ({"category": "rnd", "kind": "lab"}, ["prv_b"], ["prv_b"]),
        ({"category": "rnd", "district": "wanbailin"}, ["prv_f"], ["prv_f"]),
        ({"category": "inspection", "status": "applied"}, [], ["prv_a"]),
    ],
)
@pytest.mark.parametrize("limit", [1, 2, 50])
def test_filters_combine_and_pages_cover_each_match_once(
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    params: dict[str, str],
    admin_sees: list[str],
    public_sees: list[str],
    limit: int,
) -> None:
    """Pages of `limit` in id order, a category filter skipping rows inside a page, the last
    page full or not: each match once, no empty page but for an empty result."""
    for path, headers, expected in (
        ("/v1/providers", vouchers_headers(kind="admin"), admin_sees),
        ("/v1/public/providers", {}, public_sees),
    ):
        found = pages(vouchers_client, path, headers, limit=limit, **params)
        chunks = [expected[i : i + limit] for i in range(0, len(expected), limit)] or [[]]
        assert found == chunks, (path, params, limit)


@pytest.mark.usefixtures("providers")
def test_the_directory_shows_each_approved_provider_with_its_own_catalogue(
    vouchers_client: TestClient,
) -> None:
    directory = vouchers_client.get("/v1/public/providers").json()
    assert directory["next_cursor"] is None
    assert [
        (p["id"], p["kind"], p["district"], p["categories"], [s["title"] for s in p["services"]])
        for p in directory["items"]
    ] == [
        (
            provider_id,
            PROVIDERS[provider_id][0],
            PROVIDERS[provider_id][1],
            PROVIDERS[provider_id][2],
            [f"{provider_id} {c}" for c in PROVIDERS[provider_id][2]],
        )
        for provider_id in APPROVED
    ]
    assert directory["items"][0]["name"] == "太原理工大学测试中心"
    firms = vouchers_client.get("/v1/public/providers", params={"kind": "firm"}).json()
    entry_id = firms["items"][0]["services"][0]["id"]
    assert entry_id.startswith("psv_")
    assert firms == {
        "items": [
            {
                "id": "prv_d",
                "name": "太原理工大学测试中心",
                "kind": "firm",
                "district": None,
                "categories": ["testing"],
                "services": [
                    {
                        "id": entry_id,
                        "provider_id": "prv_d",
                        "category": "testing",
                        "title": "prv_d testing",
                        "description": None,
                        "price_fen": None,
                        "attributes": {},
                    }
                ],
            }
        ],
        "next_cursor": None,
    }


def test_a_catalogue_entry_is_shown_whole_and_kept_in_order(
    vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    """An applied provider fills its own catalogue before approval; entries come back as added
    (title trimmed), in the order of their ids."""
    assert apply(vouchers_client, vouchers_headers, "prv_cat", 1).status_code == 201
    own = vouchers_headers(kind="provider", org="prv_cat")
    bodies = [
        {
            "category": "testing",
            "title": "  材料力学性能检测 ",
            "description": "Tensile tests.",
            "price_fen": 800_000,
            "attributes": {"turnaround_days": 5, "accredited": ["CNAS"]},
        },
        {"category": "inspection", "title": "Weld inspection", "price_fen": 0},
    ]
    added = []
    for body in bodies:
        answer = vouchers_client.post("/v1/providers/prv_cat/services", json=body, headers=own)
        assert answer.status_code == 201, answer.text
        added.append(answer.json())
    assert added[0] == {
        "id": added[0]["id"],
        "provider_id": "prv_cat",
        "category": "testing",
        "title": "材料力学性能检测",
        "description": "Tensile tests.",
        "price_fen": 800_000,
        "attributes": {"turnaround_days": 5, "accredited": ["CNAS"]},
    }
    assert added[0]["id"].startswith("psv_")
    assert (added[1]["price_fen"], added[1]["description"], added[1]["attributes"]) == (0, None, {})
    catalogue = vouchers_client.get("/v1/providers/prv_cat/services", headers=own).json()
    assert catalogue == sorted(added, key=lambda entry: entry["id"])
    for kind in ("enterprise", "bank"):
        hidden = vouchers_client.get(
            "/v1/providers/prv_cat/services", headers=vouchers_headers(kind=kind)
        )
        assert hidden.status_code == 404 and hidden.json()["code"] == "provider_not_found"
    assert vouchers_client.get("/v1/public/providers").json()["items"] == []
    refused = vouchers_client.post(
        "/v1/providers/prv_cat/services",
        json={"category": "rnd", "title": "R&D"},
        headers=own,
    )
    assert refused.status_code == 422 and refused.json()["code"] == "category_not_offered"
    assert refused.json()["errors"][0] == {
        "field": "body.category",
        "code": "category_not_offered",
        "message": "'rnd' is not among the provider's categories: testing, inspection",
    }
    assert vouchers_client.get("/v1/providers/prv_cat/services", headers=own).json() == catalogue


def test_a_page_of_more_than_256_stops_at_its_limit(
    vouchers_app: FastAPI, vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    """Page sizes past CPython's cached small ints (an identity check would never cut)."""
    now = utcnow()
    with vouchers_app.state.database.transaction() as session:
        for n in range(258):
            session.add(
                Provider(
                    id=f"prv_{n:03d}",
                    uscc=uscc(n),
                    name=f"Provider {n}",
                    kind="lab",
                    categories=["testing"],
                    status="approved",
                    applied_by="cli_seed",
                    created_at=now,
                    updated_at=now,
                )
            )
    ids = [f"prv_{n:03d}" for n in range(258)]
    for path, headers in (
        ("/v1/providers", vouchers_headers(kind="admin")),
        ("/v1/public/providers", {}),
    ):
        assert pages(vouchers_client, path, headers, limit=257) == [ids[:257], ids[257:]]
