"""The public reference routes: districts and industries, loaded by migration, no token needed."""

from fastapi.testclient import TestClient


def test_districts_are_public_and_complete(registry_client: TestClient) -> None:
    response = registry_client.get("/v1/districts")
    assert response.status_code == 200
    items = response.json()["items"]
    assert response.json()["next_cursor"] is None
    assert len(items) == 14
    assert items[0] == {
        "code": "xiaodian",
        "name_zh": "小店区",
        "name_en": "Xiaodian District",
        "kind": "city_district",
        "admin_code": "140105",
        "matching": {"city": 2, "district": 3, "label": "1:1.5"},
    }
    labels = {d["name_zh"]: d["matching"]["label"] for d in items}
    assert labels["高新区"] == "1:2" and labels["阳曲县"] == "1:0.5" and labels["清徐县"] == "1:1"
    assert sum(1 for d in items if d["admin_code"] is None) == 4


def test_one_district(registry_client: TestClient) -> None:
    assert registry_client.get("/v1/districts/gujiao").json()["admin_code"] == "140181"
    missing = registry_client.get("/v1/districts/atlantis")
    assert missing.status_code == 404
    assert missing.json()["code"] == "district_not_found"


def test_industries_are_public_and_filterable(registry_client: TestClient) -> None:
    everything = registry_client.get("/v1/industries").json()["items"]
    assert sum(1 for i in everything if i["level"] == "section") == 20
    assert sum(1 for i in everything if i["level"] == "division") == 97
    assert everything[0]["code"] == "A" and everything[0]["parent"] is None
    section_i = registry_client.get("/v1/industries", params={"section": "I"}).json()["items"]
    assert [i["code"] for i in section_i] == ["I", "63", "64", "65"]
    groups = registry_client.get("/v1/industries", params={"level": "group"}).json()["items"]
    assert {g["parent"] for g in groups} == {"59", "70"}
    bad = registry_client.get("/v1/industries", params={"section": "Z"})
    assert bad.status_code == 422 and [e["field"] for e in bad.json()["errors"]] == [
        "query.section"
    ]
    assert bad.headers["content-type"].startswith("application/problem+json")
