"""Filing, reading, searching, counting, updating and deregistering enterprises, through HTTP."""

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import POSTGRES_URL
from tests.registry.conftest import RegistryHeaders
from tests.registry.factories import filing, make_id_number, make_uscc


def file(client: TestClient, headers: dict[str, str], body: dict[str, Any]) -> Any:
    response = client.post("/v1/enterprises", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response


def events(client: TestClient, headers: RegistryHeaders) -> list[dict[str, Any]]:
    response = client.get(
        "/v1/events", params={"limit": 1000}, headers=headers(scopes=["events:read"])
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


# --- filing -------------------------------------------------------------------------------------


def test_department_files_an_enterprise_and_reads_it_back_masked(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    dept = registry_headers()
    response = file(registry_client, dept, filing(0))
    body = response.json()
    uscc = make_uscc(0)
    assert response.headers["location"] == f"/v1/enterprises/{uscc}"
    assert response.headers["etag"] == f'"{uscc}.1"'
    assert body["size_class"] == "small"
    assert body["industry_section"] == "I" and body["industry_division"] == "65"
    assert body["status"] == "active" and body["version"] == 1
    id_number = make_id_number(0)
    assert (
        body["legal_representative"]["id_number_masked"]
        == id_number[:4] + "*" * 10 + id_number[-4:]
    )
    assert id_number not in response.text

    got = registry_client.get(f"/v1/enterprises/{uscc}", headers=dept)
    assert got.status_code == 200
    assert got.headers["etag"] == f'"{uscc}.1"'
    assert got.json() == body
    assert id_number not in got.text


def test_enterprise_files_itself_and_portal_on_its_behalf(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    own = registry_headers(kind="enterprise", org=make_uscc(1))
    file(registry_client, own, filing(1))
    portal = registry_headers(kind="portal", org=make_uscc(2), client_id="cli_portal_a")
    file(registry_client, portal, filing(2))

    someone_else = registry_client.post("/v1/enterprises", json=filing(3), headers=own)
    assert someone_else.status_code == 403
    assert someone_else.json()["code"] == "not_your_enterprise"


def test_bad_uscc_is_422_naming_the_position(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    good = make_uscc(5)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = registry_client.post(
        "/v1/enterprises", json=filing(5, uscc=bad), headers=registry_headers()
    )
    assert response.status_code == 422 and response.json()["code"] == "invalid_uscc"
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == "invalid_uscc"
    assert problem["errors"][0]["field"] == "body.uscc"
    assert problem["errors"][0]["code"] == "invalid_uscc"
    assert "position 18" in problem["errors"][0]["message"]

    lower = registry_client.post(
        "/v1/enterprises",
        json=filing(5, uscc=good[:10] + "a" + good[11:]),
        headers=registry_headers(),
    )
    assert lower.json()["code"] == "invalid_uscc"
    assert "position 11" in lower.json()["detail"]


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"district": "atlantis"}, "unknown_district", "body.district"),
        ({"industry": "99"}, "unknown_industry", "body.industry"),
        ({"industry": "66"}, "industry_not_covered", "body.industry"),
        ({"industry": "70"}, "industry_needs_group", "body.industry"),
        (
            {"employees": 250, "revenue_fen": 3_000_000_000_00},
            "not_small_or_micro",
            "body.size_class",
        ),
        ({"industry": "E47", "assets_fen": None}, "missing_indicator", "body.assets_fen"),
        (
            {"legal_representative": {"name": "王", "id_number": "140105198001010000"}},
            "invalid_id_number",
            "body.legal_representative.id_number",
        ),
    ],
)
def test_filing_rules(
    registry_client: TestClient,
    registry_headers: RegistryHeaders,
    overrides: dict[str, Any],
    code: str,
    field: str,
) -> None:
    body = filing(0, **overrides)
    response = registry_client.post("/v1/enterprises", json=body, headers=registry_headers())
    assert response.status_code == 422, response.text
    assert response.json()["code"] == code
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_medium_enterprise_may_not_file(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    # software: medium from 100 employees and 1,000万 revenue
    body = filing(0, industry="65", employees=150, revenue_fen=2_000_000_000, assets_fen=10)
    response = registry_client.post("/v1/enterprises", json=body, headers=registry_headers())
    assert response.status_code == 422
    assert response.json()["code"] == "not_small_or_micro"
    assert "medium" in response.json()["detail"]


def test_schema_errors_are_problems(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    response = registry_client.post(
        "/v1/enterprises",
        json=filing(0, employees=-1, founded_on="yesterday"),
        headers=registry_headers(),
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"body.employees", "body.founded_on"} <= fields


def test_duplicate_filing_is_409(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    file(registry_client, registry_headers(), filing(0))
    again = registry_client.post("/v1/enterprises", json=filing(0), headers=registry_headers())
    assert again.status_code == 409
    assert again.json()["code"] == "enterprise_already_filed"


def test_idempotency_key_replays_the_first_answer(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    headers = {**registry_headers(), "Idempotency-Key": "file-0"}
    first = registry_client.post("/v1/enterprises", json=filing(0), headers=headers)
    assert first.status_code == 201
    replay = registry_client.post("/v1/enterprises", json=filing(0), headers=headers)
    assert replay.status_code == 201
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == first.json()
    other = registry_client.post("/v1/enterprises", json=filing(1), headers=headers)
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert [e["type"] for e in events(registry_client, registry_headers)] == ["enterprise.filed"]


# --- access -------------------------------------------------------------------------------------


def test_no_token_is_401_and_missing_scope_is_403(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    assert registry_client.get("/v1/enterprises").status_code == 401
    assert registry_client.post("/v1/enterprises", json=filing(0)).status_code == 401
    assert registry_client.get(f"/v1/enterprises/{make_uscc(0)}").json()["code"] == "missing_token"
    read_only = registry_headers(scopes=["registry:read"])
    response = registry_client.post("/v1/enterprises", json=filing(0), headers=read_only)
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
    no_read = registry_headers(scopes=["registry:write"])
    assert registry_client.get("/v1/enterprises", headers=no_read).status_code == 403
    bank = registry_headers(kind="bank", org="B001")
    assert (
        registry_client.get("/v1/enterprises", headers=bank).json()["code"]
        == "forbidden_client_kind"
    )


def test_someone_elses_enterprise_is_404_for_enterprises_and_portals(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    file(registry_client, registry_headers(), filing(0))
    file(registry_client, registry_headers(), filing(1))
    mine, theirs = make_uscc(0), make_uscc(1)
    for kind in ("enterprise", "portal"):
        headers = registry_headers(kind=kind, org=mine)
        assert registry_client.get(f"/v1/enterprises/{mine}", headers=headers).status_code == 200
        hidden = registry_client.get(f"/v1/enterprises/{theirs}", headers=headers)
        missing = registry_client.get(f"/v1/enterprises/{make_uscc(99)}", headers=headers)
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json()["code"] == missing.json()["code"] == "enterprise_not_found"
        assert (
            registry_client.get(f"/v1/enterprises/{theirs}/history", headers=headers).status_code
            == 404
        )
        patch = registry_client.patch(
            f"/v1/enterprises/{theirs}", json={"employees": 3}, headers={**headers, "If-Match": "*"}
        )
        assert patch.status_code == 404
        assert patch.json()["code"] == "enterprise_not_found"
        dereg = registry_client.post(
            f"/v1/enterprises/{theirs}/deregistration", json={"reason": "x"}, headers=headers
        )
        assert dereg.status_code == 404
        assert dereg.json()["code"] == "enterprise_not_found"
        listed = registry_client.get("/v1/enterprises", headers=headers).json()["items"]
        assert [e["uscc"] for e in listed] == [mine]
        assert registry_client.get("/v1/enterprises/counts", headers=headers).status_code == 403
    admin = registry_headers(kind="admin")
    assert registry_client.get(f"/v1/enterprises/{theirs}", headers=admin).status_code == 200


# --- search and counts --------------------------------------------------------------------------


def test_search_filters_and_cursor_pagination(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    dept = registry_headers()
    for n in range(12):
        founded = f"20{10 + n % 5}-06-01"
        file(registry_client, dept, filing(n, founded_on=founded))

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 5}
        if cursor:
            params["cursor"] = cursor
        page = registry_client.get("/v1/enterprises", params=params, headers=dept).json()
        seen += [e["uscc"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(make_uscc(n) for n in range(12))

    def query(**params: Any) -> set[str]:
        response = registry_client.get(
            "/v1/enterprises", params={"limit": 100, **params}, headers=dept
        )
        assert response.status_code == 200, response.text
        return {e["uscc"] for e in response.json()["items"]}

    assert query(district="xiaodian") == {make_uscc(0)}
    assert query(industry="65") == {make_uscc(n) for n in (0, 5, 10)}
    assert query(industry="I") == {make_uscc(n) for n in (0, 5, 10)}
    assert query(industry="C") == {make_uscc(n) for n in (2, 3, 7, 8)}
    assert query(size_class="micro") == {make_uscc(n) for n in (1, 3, 6, 8, 11)}
    assert query(founded_from="2013-01-01", founded_to="2014-12-31") == {
        make_uscc(n) for n in (3, 4, 8, 9)
    }
    assert query(name="企业11") == {make_uscc(11)}
    assert query(legal_rep_id_number=make_id_number(7)) == {make_uscc(7)}
    assert query(status="deregistered") == set()
    bad = registry_client.get("/v1/enterprises", params={"size_class": "huge"}, headers=dept)
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["query.size_class"]
    bad_cursor = registry_client.get("/v1/enterprises", params={"cursor": "nope"}, headers=dept)
    assert bad_cursor.json()["code"] == "invalid_cursor"


def test_counts_by_district_industry_and_size(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    dept = registry_headers()
    for n in range(7):
        file(registry_client, dept, filing(n))
    counts = registry_client.get("/v1/enterprises/counts", headers=dept).json()
    assert counts["total"] == 7
    assert {i["key"]: i["count"] for i in counts["by_size_class"]} == {"small": 4, "micro": 3}
    assert {i["key"]: i["count"] for i in counts["by_industry"]} == {
        "65": 2,
        "52": 2,
        "13": 1,
        "39": 1,
        "62": 1,
    }
    assert sum(i["count"] for i in counts["by_district"]) == 7
    only = registry_client.get(
        "/v1/enterprises/counts", params={"district": "yingze"}, headers=dept
    ).json()
    assert only["total"] == 1 and only["by_district"] == [{"key": "yingze", "count": 1}]


# --- updates, history, deregistration -----------------------------------------------------------


def test_patch_needs_if_match_and_refuses_a_stale_one(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    dept = registry_headers()
    uscc = make_uscc(0)
    etag = file(registry_client, dept, filing(0)).headers["etag"]
    url = f"/v1/enterprises/{uscc}"

    missing = registry_client.patch(url, json={"employees": 40}, headers=dept)
    assert missing.status_code == 428
    assert missing.json()["code"] == "if_match_required"

    updated = registry_client.patch(
        url, json={"employees": 40, "name": "新名字"}, headers={**dept, "If-Match": etag}
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["employees"] == 40 and updated.json()["version"] == 2
    assert updated.headers["etag"] == f'"{uscc}.2"'

    stale = registry_client.patch(url, json={"employees": 41}, headers={**dept, "If-Match": etag})
    assert stale.status_code == 412
    assert stale.json()["code"] == "stale_etag"


def test_patch_recomputes_the_size_class_and_validates(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    dept = registry_headers()
    uscc = make_uscc(1)  # retail, micro
    file(registry_client, dept, filing(1))
    url = f"/v1/enterprises/{uscc}"
    grown = registry_client.patch(
        url,
        json={"employees": 30, "revenue_fen": 600_000_000},
        headers={**dept, "If-Match": f'"{uscc}.1"'},
    )
    assert grown.status_code == 200
    assert grown.json()["size_class"] == "small"
    bad = registry_client.patch(
        url, json={"district": "nowhere"}, headers={**dept, "If-Match": f'"{uscc}.2"'}
    )
    assert bad.status_code == 422 and bad.json()["code"] == "unknown_district"
    new_rep = {"name": "张三", "id_number": make_id_number(42)}
    rep = registry_client.patch(
        url, json={"legal_representative": new_rep}, headers={**dept, "If-Match": f'"{uscc}.2"'}
    )
    assert rep.status_code == 200
    assert rep.json()["legal_representative"]["id_number_masked"].endswith(make_id_number(42)[-4:])
    assert make_id_number(42) not in rep.text
    unchanged = registry_client.patch(
        url, json={"name": rep.json()["name"]}, headers={**dept, "If-Match": f'"{uscc}.3"'}
    )
    assert unchanged.status_code == 200 and unchanged.json()["version"] == 3


def test_history_and_deregistration_then_writes_are_409(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    dept = registry_headers(client_id="cli_dept_sme")
    uscc = make_uscc(0)
    url = f"/v1/enterprises/{uscc}"
    file(registry_client, dept, filing(0))
    registry_client.patch(url, json={"employees": 40}, headers={**dept, "If-Match": f'"{uscc}.1"'})
    own = registry_headers(kind="enterprise", org=uscc, client_id="cli_ent_0")
    stale = registry_client.post(
        f"{url}/deregistration",
        json={"reason": "股东决议解散"},
        headers={**own, "If-Match": f'"{uscc}.1"'},
    )
    assert stale.status_code == 412
    assert stale.json()["code"] == "stale_etag"
    done = registry_client.post(
        f"{url}/deregistration", json={"reason": "股东决议解散"}, headers=own
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "deregistered"
    assert done.json()["deregistration_reason"] == "股东决议解散"

    history = registry_client.get(f"{url}/history", headers=dept).json()["items"]
    assert [(h["version"], h["action"], h["actor"]) for h in history] == [
        (1, "filed", "cli_dept_sme"),
        (2, "updated", "cli_dept_sme"),
        (3, "deregistered", "cli_ent_0"),
    ]
    assert history[1]["fields"] == ["employees"]

    for response, code in (
        (
            registry_client.patch(
                url, json={"employees": 1}, headers={**dept, "If-Match": f'"{uscc}.3"'}
            ),
            "enterprise_deregistered",
        ),
        (
            registry_client.post(f"{url}/deregistration", json={"reason": "again"}, headers=dept),
            "enterprise_deregistered",
        ),
        (
            registry_client.post("/v1/enterprises", json=filing(0), headers=dept),
            "enterprise_already_filed",
        ),
    ):
        assert response.status_code == 409
        assert response.json()["code"] == code
    assert (
        registry_client.patch(url, json={"employees": 1}, headers={**dept, "If-Match": "*"}).json()[
            "code"
        ]
        == "enterprise_deregistered"
    )
    assert registry_client.get(url, headers=dept).json()["status"] == "deregistered"
    listed = registry_client.get(
        "/v1/enterprises", params={"status": "deregistered"}, headers=dept
    ).json()
    assert [e["uscc"] for e in listed["items"]] == [uscc]


def test_events_in_order_exactly_once(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    dept = registry_headers()
    a, b = make_uscc(0), make_uscc(1)
    file(registry_client, dept, filing(0))
    file(registry_client, dept, filing(1))
    registry_client.post("/v1/enterprises", json=filing(0), headers=dept)  # 409: no event
    registry_client.patch(
        f"/v1/enterprises/{a}", json={"employees": 36}, headers={**dept, "If-Match": f'"{a}.1"'}
    )
    registry_client.patch(
        f"/v1/enterprises/{a}", json={"employees": 37}, headers={**dept, "If-Match": f'"{a}.1"'}
    )  # 412
    registry_client.post(
        f"/v1/enterprises/{b}/deregistration", json={"reason": "closed"}, headers=dept
    )
    registry_client.post(
        f"/v1/enterprises/{b}/deregistration", json={"reason": "closed"}, headers=dept
    )  # 409

    feed = events(registry_client, registry_headers)
    assert [(e["type"], e["payload"]["uscc"]) for e in feed] == [
        ("enterprise.filed", a),
        ("enterprise.filed", b),
        ("enterprise.updated", a),
        ("enterprise.deregistered", b),
    ]
    assert [e["seq"] for e in feed] == sorted({e["seq"] for e in feed})
    assert len({e["id"] for e in feed}) == 4
    filed = feed[0]["payload"]
    assert filed["size_class"] == "small" and filed["district"] == "xiaodian"
    # The legal representative's keyed hash (for related-party checks), never the number or name.
    assert len(filed["legal_rep_id_hash"]) == 64 and "legal_rep_name" not in filed
    assert not any("id_number" in key or "masked" in key for key in filed)
    assert feed[2]["payload"]["changed"] == ["employees"]
    assert feed[2]["payload"]["values"] == {"employees": 36}
    assert feed[3]["payload"]["reason"] == "closed"
    assert (
        registry_client.get(
            "/v1/events", headers=registry_headers(scopes=["registry:read"])
        ).status_code
        == 403
    )


def test_a_refused_filing_with_an_idempotency_key_releases_the_key(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    dept = registry_headers()
    file(registry_client, dept, filing(0))
    keyed = {**dept, "Idempotency-Key": "dup-0"}
    started = time.monotonic()
    duplicate = registry_client.post("/v1/enterprises", json=filing(0), headers=keyed)
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "enterprise_already_filed"
    assert time.monotonic() - started < 5  # no wait on the database lock
    again = registry_client.post("/v1/enterprises", json=filing(0), headers=keyed)
    # The key was released, not left in progress (`idempotency_in_progress`, also a 409).
    assert again.status_code == 409
    assert again.json()["code"] == "enterprise_already_filed"


# --- regressions: bounds, ASCII digits, founding dates ----------------------------------------


def _fields(response: Any) -> set[tuple[str, str]]:
    return {(e["field"], e["code"]) for e in response.json()["errors"]}


def test_amounts_beyond_their_bounds_are_422_on_filing_and_update(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    dept = registry_headers()
    for name, value in (
        ("registered_capital_fen", 10**16 + 1),
        ("employees", 10_000_001),
        ("revenue_fen", 2**63),
        ("assets_fen", 10**30),
    ):
        response = registry_client.post(
            "/v1/enterprises", json=filing(0, **{name: value}), headers=dept
        )
        assert response.status_code == 422, (name, response.text)
        assert _fields(response) == {(f"body.{name}", "less_than_equal")}, name
    uscc = make_uscc(0)
    file(registry_client, dept, filing(0, registered_capital_fen=10**16))
    for name in ("registered_capital_fen", "employees", "revenue_fen", "assets_fen"):
        response = registry_client.patch(
            f"/v1/enterprises/{uscc}",
            json={name: 10**20},
            headers={**dept, "If-Match": f'"{uscc}.1"'},
        )
        assert response.status_code == 422, (name, response.text)
        assert _fields(response) == {(f"body.{name}", "less_than_equal")}, name


def test_an_id_number_with_non_ascii_digits_is_422_not_500(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    dept = registry_headers()
    for number in ("140105198001010²1X", "１４０１０５１９８００１０１００２X"):
        body = filing(0, legal_representative={"name": "王建国", "id_number": number})
        response = registry_client.post("/v1/enterprises", json=body, headers=dept)
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "invalid_id_number"
    response = registry_client.get(
        "/v1/enterprises", params={"legal_rep_id_number": "140105198001010²1X"}, headers=dept
    )
    assert response.status_code == 200


def test_a_founding_date_in_the_future_is_422_on_filing_and_update(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    from datetime import date, timedelta

    dept = registry_headers()
    later = (date.today() + timedelta(days=2)).isoformat()
    response = registry_client.post(
        "/v1/enterprises", json=filing(0, founded_on=later), headers=dept
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "in_future"
    assert _fields(response) == {("body.founded_on", "in_future")}

    uscc = make_uscc(0)
    file(registry_client, dept, filing(0))
    response = registry_client.patch(
        f"/v1/enterprises/{uscc}",
        json={"founded_on": later},
        headers={**dept, "If-Match": f'"{uscc}.1"'},
    )
    assert response.status_code == 422 and response.json()["code"] == "in_future", response.text
    assert _fields(response) == {("body.founded_on", "in_future")}
    past = registry_client.patch(
        f"/v1/enterprises/{uscc}",
        json={"founded_on": "2001-01-01"},
        headers={**dept, "If-Match": f'"{uscc}.1"'},
    )
    assert past.status_code == 200, past.text


def _unchanged(
    client: TestClient, headers: dict[str, str], uscc: str, before: dict[str, Any]
) -> None:
    """The enterprise, its history and the feed are as they were before a refused update."""
    after = client.get(f"/v1/enterprises/{uscc}", headers=headers)
    assert after.status_code == 200 and after.json() == before
    history = client.get(f"/v1/enterprises/{uscc}/history", headers=headers).json()["items"]
    assert [h["action"] for h in history] == ["filed"]


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        (
            {"legal_representative": {"name": "王", "id_number": "140105198001010000"}},
            "invalid_id_number",
            "body.legal_representative.id_number",
        ),
        ({"industry": "99"}, "unknown_industry", "body.industry"),
        ({"industry": "70"}, "industry_needs_group", "body.industry"),
        ({"industry": "66"}, "industry_not_covered", "body.industry"),
    ],
)
def test_patch_with_a_bad_id_number_or_an_unclassifiable_industry_is_422_and_changes_nothing(
    registry_client: TestClient,
    registry_headers: RegistryHeaders,
    change: dict[str, Any],
    code: str,
    field: str,
) -> None:
    dept = registry_headers()
    uscc = make_uscc(3)
    file(registry_client, dept, filing(3))
    before = registry_client.get(f"/v1/enterprises/{uscc}", headers=dept).json()
    feed_before = events(registry_client, registry_headers)
    refused = registry_client.patch(
        f"/v1/enterprises/{uscc}", json=change, headers={**dept, "If-Match": f'"{uscc}.1"'}
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == code
    assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [(field, code)]
    _unchanged(registry_client, dept, uscc, before)
    assert events(registry_client, registry_headers) == feed_before


def test_patch_changes_the_contact_and_records_who_changed_what(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    dept = registry_headers(client_id="cli_dept_contact")
    uscc = make_uscc(4)
    file(registry_client, dept, filing(4))
    contact = {"name": "赵敏", "phone": "0351-7654321", "email": "new@example.cn"}
    changed = registry_client.patch(
        f"/v1/enterprises/{uscc}",
        json={"contact": contact},
        headers={**dept, "If-Match": f'"{uscc}.1"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["contact"] == contact and changed.json()["version"] == 2
    assert changed.headers["etag"] == f'"{uscc}.2"'
    read = registry_client.get(f"/v1/enterprises/{uscc}", headers=dept).json()
    assert read["contact"] == contact
    history = registry_client.get(f"/v1/enterprises/{uscc}/history", headers=dept).json()["items"]
    assert [(h["version"], h["action"], h["actor"], h["fields"]) for h in history] == [
        (1, "filed", "cli_dept_contact", history[0]["fields"]),
        (2, "updated", "cli_dept_contact", ["contact.email", "contact.name", "contact.phone"]),
    ]
    updated = [
        e for e in events(registry_client, registry_headers) if e["type"] == "enterprise.updated"
    ]
    assert [(e["payload"]["uscc"], e["payload"]["changed"]) for e in updated] == [
        (uscc, ["contact.email", "contact.name", "contact.phone"])
    ]
    # Removing the contact clears it, as one more recorded change.
    cleared = registry_client.patch(
        f"/v1/enterprises/{uscc}",
        json={"contact": None},
        headers={**dept, "If-Match": f'"{uscc}.2"'},
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["contact"] == {"name": None, "phone": None, "email": None}
    assert cleared.json()["version"] == 3


def test_two_filings_of_the_same_enterprise_racing_give_one_201_and_one_409(
    registry_app: Any, registry_headers: RegistryHeaders, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import httpx

    from services.registry.enterprises import service
    from tests.servers import serve

    # On PostgreSQL both requests pass the "already filed?" check before either inserts: the
    # unique key decides, and the loser must get the same 409 as a late duplicate. SQLite
    # serialises writers (BEGIN IMMEDIATE), so there the second only starts after the first.
    overlap = POSTGRES_URL is not None
    barrier = threading.Barrier(2 if overlap else 1, timeout=10)
    real_utcnow = service.utcnow
    calls: list[int] = []

    def after_the_check() -> Any:
        calls.append(1)
        if len(calls) <= 2:
            barrier.wait()
        return real_utcnow()

    monkeypatch.setattr(service, "utcnow", after_the_check)
    dept = registry_headers(client_id="cli_racer")
    body = filing(6)
    answers: list[httpx.Response] = []
    with serve(registry_app) as url:

        def post() -> None:
            answers.append(httpx.post(f"{url}/v1/enterprises", json=body, headers=dept, timeout=30))

        threads = [threading.Thread(target=post) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not barrier.broken and len(calls) == (2 if overlap else 1), calls
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [201, 409], [answer.text for answer in answers]
        lost = next(answer for answer in answers if answer.status_code == 409)
        assert lost.json()["code"] == "enterprise_already_filed"
        history = httpx.get(f"{url}/v1/enterprises/{body['uscc']}/history", headers=dept)
        assert [h["action"] for h in history.json()["items"]] == ["filed"]
        feed = httpx.get(
            f"{url}/v1/events",
            params={"limit": 100},
            headers=registry_headers(scopes=["events:read"]),
        ).json()["items"]
        assert [(e["type"], e["payload"]["uscc"]) for e in feed] == [
            ("enterprise.filed", body["uscc"])
        ]
