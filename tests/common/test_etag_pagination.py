"""ETag / If-Match, and cursor pagination."""

import pytest
from fastapi.testclient import TestClient

from services.common.etag import etag_of
from tests.common.test_errors import assert_problem


def make(client: TestClient, writer: dict, name: str) -> dict:
    response = client.post(
        "/v1/widgets", json={"name": name}, headers={**writer, "Idempotency-Key": name}
    )
    assert response.status_code == 201
    return response.json()


def test_update_needs_current_etag(client: TestClient, writer: dict) -> None:
    widget = make(client, writer, "a")
    etag = client.get(f"/v1/widgets/{widget['id']}", headers=writer).headers["etag"]
    url = f"/v1/widgets/{widget['id']}"
    assert_problem(client.patch(url, json={"name": "b"}, headers=writer), 428, "if_match_required")
    ok = client.patch(url, json={"name": "b"}, headers={**writer, "If-Match": etag})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    assert ok.headers["etag"] != etag
    stale = client.patch(url, json={"name": "c"}, headers={**writer, "If-Match": etag})
    assert_problem(stale, 412, "stale_etag")
    weak = client.patch(
        url, json={"name": "c"}, headers={**writer, "If-Match": f"W/{ok.headers['etag']}"}
    )
    assert_problem(weak, 412, "stale_etag")  # If-Match compares strongly (RFC 9110)
    assert client.get(url, headers=writer).json()["name"] == "b"


def test_if_match_star_or_a_listed_current_tag_updates_an_existing_resource(
    client: TestClient, writer: dict
) -> None:
    widget = make(client, writer, "a")
    url = f"/v1/widgets/{widget['id']}"
    # RFC 9110 §13.1.1: `*` matches any current representation of an existing resource.
    star = client.patch(url, json={"name": "b"}, headers={**writer, "If-Match": "*"})
    assert star.status_code == 200, star.text
    assert star.json()["name"] == "b" and star.json()["version"] == 2
    # A list matches when any member is the current strong tag.
    listed = client.patch(
        url,
        json={"name": "c"},
        headers={**writer, "If-Match": f'"stale.1", {star.headers["etag"]}'},
    )
    assert listed.status_code == 200, listed.text
    assert client.get(url, headers=writer).json()["name"] == "c"
    missing = client.patch(
        "/v1/widgets/wid_missing", json={"name": "d"}, headers={**writer, "If-Match": "*"}
    )
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_pages_cover_every_item_once(client: TestClient, writer: dict) -> None:
    made = {make(client, writer, f"w{i}")["id"] for i in range(7)}
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v1/widgets", params=params, headers=writer).json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))


def test_bad_cursor_is_a_422_naming_it(client: TestClient, writer: dict) -> None:
    for cursor in ("not-a-cursor", "WzEsMl0", "!!!"):
        body = assert_problem(
            client.get("/v1/widgets", params={"cursor": cursor}, headers=writer),
            422,
            "invalid_cursor",
        )
        assert body["errors"][0]["field"] == "query.cursor"


def test_forged_cursor_values_are_422_not_500(client: TestClient, writer: dict) -> None:
    from services.common.pagination import encode_cursor

    make(client, writer, "a")
    for values in ([{"a": 1}], [None], [10**30], [[1, 2]], [True], ["a\x00b"]):
        response = client.get(
            "/v1/widgets", params={"cursor": encode_cursor(values)}, headers=writer
        )
        body = assert_problem(response, 422, "invalid_cursor")
        assert body["errors"][0]["field"] == "query.cursor"


def test_if_match_is_required_unless_a_route_says_otherwise() -> None:
    from services.common.errors import IfMatchRequired, StaleEtag
    from services.common.etag import check_etag, if_match

    current = etag_of("wid_1", 3)
    with pytest.raises(IfMatchRequired, match="current ETag in If-Match"):
        check_etag(None, current)
    check_etag(None, current, required=False)  # an optional If-Match may be left out
    with pytest.raises(StaleEtag, match="has changed since you read it"):
        check_etag('"wid_1.2"', current, required=False)  # but is checked when sent
    # The route dependency: required by default, optional when declared so.
    with pytest.raises(IfMatchRequired):
        if_match()(None)(current)
    if_match(required=False)(None)(current)
    if_match()('"wid_1.3"')(current)


def test_the_if_match_aliases_require_or_only_check_the_header() -> None:
    from fastapi import APIRouter, FastAPI

    from services.common.errors import install_problem_handlers
    from services.common.etag import IfMatch, OptionalIfMatch
    from services.common.openapi import problem_openapi

    app = FastAPI()
    install_problem_handlers(app)
    router = APIRouter()

    @router.put("/required")
    def required(precondition: IfMatch) -> dict[str, bool]:
        precondition(etag_of("r", 1))
        return {"updated": True}

    @router.put("/optional")
    def optional(precondition: OptionalIfMatch) -> dict[str, bool]:
        precondition(etag_of("r", 1))
        return {"updated": True}

    app.include_router(router)
    app.openapi = problem_openapi(app)  # type: ignore[method-assign]
    with TestClient(app) as client:
        document = client.get("/openapi.json").json()
        declared = {
            path: next(
                p for p in document["paths"][path]["put"]["parameters"] if p["in"] == "header"
            )
            for path in ("/required", "/optional")
        }
        assert declared["/required"]["name"] == declared["/optional"]["name"] == "If-Match"
        assert declared["/required"]["required"] is True
        assert declared["/required"]["schema"]["type"] == "string"
        assert "x-required-header" not in declared["/required"]["schema"]
        assert "428 without it" in declared["/required"]["description"]
        assert declared["/optional"].get("required", False) is False
        assert "checked when sent" in declared["/optional"]["description"]
        missing = client.put("/required")
        assert (missing.status_code, missing.json()["code"]) == (428, "if_match_required")
        assert client.put("/required", headers={"If-Match": '"r.1"'}).json() == {"updated": True}
        assert client.put("/optional").json() == {"updated": True}
        stale = client.put("/optional", headers={"If-Match": '"r.0"'})
        assert (stale.status_code, stale.json()["code"]) == (412, "stale_etag")
