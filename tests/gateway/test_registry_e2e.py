"""The gateway in front of the real registry service: keys in, internal tokens verified there."""

import httpx

from tests.contract.openapi_quality import operation_gaps
from tests.gateway.conftest import RunningGateway
from tests.registry.factories import filing, make_uscc


def test_a_key_reaches_the_registry(stack: RunningGateway) -> None:
    department = {"Authorization": f"Bearer {stack.key_for('department', org='sme_bureau')}"}
    response = stack.http.get("/registry/v1/enterprises", headers=department)
    assert response.status_code == 200, response.text
    assert "items" in response.json()
    assert stack.http.get("/registry/v1/enterprises").status_code == 401
    # the registry's own rule, applied to the identity the gateway vouched for
    bank = {"Authorization": f"Bearer {stack.key_for('bank')}"}
    refused = stack.http.get("/registry/v1/enterprises", headers=bank)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden_client_kind"


def test_edge_refuses_and_spoofed_headers_do_not_matter(
    stack: RunningGateway, registry_url: str
) -> None:
    targets = {"X-API-Key": stack.key_for("enterprise")}
    edge = stack.http.post("/registry/v1/targets", json={}, headers=targets)
    assert edge.status_code == 403 and edge.json()["code"] == "insufficient_scope"

    department = {"X-API-Key": stack.key_for("department", org="sme_bureau")}
    own, other = make_uscc(701), make_uscc(702)
    for n in (701, 702):
        filed = stack.http.post("/registry/v1/enterprises", json=filing(n), headers=department)
        assert filed.status_code == 201, filed.text
    # A department token signed with the gateway's own key: the registry honours it when it
    # arrives directly, so the spoof below would change the answer if the gateway passed it on.
    forged = stack.gateway.signer.mint(
        sub="cli_forged", kind="department", org="sme_bureau",
        scopes=["registry:read"], audience="registry",
    )  # fmt: skip
    direct = httpx.get(
        f"{registry_url}/v1/enterprises/{other}", headers={"X-Internal-Token": forged}
    )
    assert direct.status_code == 200 and direct.json()["uscc"] == other

    spoof = {
        "X-API-Key": stack.key_for("enterprise", org=own),
        "X-Internal-Token": forged,
        "X-Client-Kind": "department",
        "X-Client-Org": "sme_bureau",
        "X-Principal": "cli_forged",
    }
    # The registry still answers for the key's client: an enterprise seeing only itself.
    mine = stack.http.get(f"/registry/v1/enterprises/{own}", headers=spoof)
    assert mine.status_code == 200 and mine.json()["uscc"] == own
    theirs = stack.http.get(f"/registry/v1/enterprises/{other}", headers=spoof)
    assert theirs.status_code == 404 and theirs.json()["code"] == "enterprise_not_found"
    listed = stack.http.get("/registry/v1/enterprises", headers=spoof)
    assert listed.status_code == 200
    assert [item["uscc"] for item in listed.json()["items"]] == [own]
    # The same read by a department key does see the other enterprise.
    seen = stack.http.get(f"/registry/v1/enterprises/{other}", headers=department)
    assert seen.status_code == 200 and seen.json()["uscc"] == other


def test_merged_spec_includes_the_registry(stack: RunningGateway) -> None:
    import time

    from openapi_spec_validator import validate

    # The gateway fetches the registry's spec in the background (retrying with backoff, each
    # try bounded at 3 s while the registry builds its document on a loaded machine).
    deadline = time.monotonic() + 60
    document = stack.http.get("/openapi.json").json()
    while "/registry/v1/enterprises" not in document["paths"] and time.monotonic() < deadline:
        time.sleep(0.05)
        document = stack.http.get("/openapi.json").json()
    assert "/registry/v1/enterprises" in document["paths"]
    validate(document)
    ids = [
        op["operationId"]
        for item in document["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    ]
    assert len(ids) == len(set(ids)) and all(
        i.startswith("registry_") for i in ids if "enterprise" in i
    )
    for prefix in ("/registry/", "/admin/"):
        assert operation_gaps(document, prefix=prefix) == []
    # The token endpoint answers errors in RFC 6749 §5.2 form, not as problems.
    assert operation_gaps(document, prefix="/oauth/", errors_as_problems=False) == []


def test_registry_public_routes_need_no_key(stack: RunningGateway) -> None:
    for path in (
        "/registry/v1/districts",
        "/registry/v1/districts/xiaodian",
        "/registry/v1/industries",
        "/registry/v1/indicators/precedence",
        "/registry/v1/public/monitoring/summary?year=2015",
    ):
        response = stack.http.get(path)
        assert response.status_code == 200, (path, response.text)
    districts = stack.http.get("/registry/v1/districts").json()
    codes = {d["code"] for d in (districts["items"] if isinstance(districts, dict) else districts)}
    assert len(codes) == 14
    # writes to reference data still need the admin scope
    assert stack.http.post("/registry/v1/districts", json={}).status_code == 401


def test_enterprise_and_portal_report_their_own_indicators(stack: RunningGateway) -> None:
    uscc = "91140105MA0KDE119Q"
    department = {"Authorization": f"Bearer {stack.key_for('department', org='sme_bureau')}"}
    filing = {
        "uscc": uscc, "name": "太原演示科技有限公司", "district": "xiaodian", "industry": "I65",
        "founded_on": "2014-05-20", "registered_capital_fen": 50_000_000, "employees": 12,
        "revenue_fen": 150_000_000, "assets_fen": 90_000_000, "is_tech_sme": True,
        "legal_representative": {"name": "张演示", "id_number": "140105198001010011"},
    }  # fmt: skip
    assert (
        stack.http.post("/registry/v1/enterprises", json=filing, headers=department).status_code
        == 201
    )
    report = {"year": 2015, "revenue_fen": 160_000_000, "employees": 14, "source": "enterprise"}
    owner = stack.create_client("enterprise", org=uscc)
    enterprise = {"Authorization": f"Bearer {owner['api_key']['key']}"}
    own = stack.http.post(
        f"/registry/v1/enterprises/{uscc}/indicators", json=report, headers=enterprise
    )
    assert own.status_code == 201, own.text
    assert (own.json()["source"], own.json()["reported_by"]) == (
        "enterprise",
        owner["client"]["id"],
    )
    created = stack.create_client("portal")
    stack.delegate(created["client"]["id"], uscc)
    portal = {"X-API-Key": created["api_key"]["key"], "X-On-Behalf-Of": uscc}
    via_portal = stack.http.post(
        f"/registry/v1/enterprises/{uscc}/indicators", json={**report, "year": 2016}, headers=portal
    )
    assert via_portal.status_code == 201, via_portal.text
    # recorded as the enterprise's own figures, sent by the portal that acted for it
    assert (via_portal.json()["source"], via_portal.json()["reported_by"]) == (
        "enterprise",
        created["client"]["id"],
    )
    assert via_portal.json()["revenue_fen"] == 160_000_000
    # the feed stays internal: a department key cannot read it
    assert stack.http.get("/registry/v1/events", headers=department).status_code == 403


def test_links_are_followable_through_the_gateway(stack: RunningGateway) -> None:
    uscc = "91140105MA0KDE119Q"
    department = {
        "Authorization": f"Bearer {stack.key_for('department', org='sme_bureau')}",
        "X-Forwarded-Prefix": "/elsewhere",  # a caller's own prefix is never used
    }
    filing = {
        "uscc": uscc, "name": "太原链接科技有限公司", "district": "xiaodian", "industry": "I65",
        "founded_on": "2014-05-20", "registered_capital_fen": 50_000_000, "employees": 12,
        "revenue_fen": 150_000_000, "legal_representative": {"name": "张链接", "id_number": "140105198001010011"},
    }  # fmt: skip
    filed = stack.http.post("/registry/v1/enterprises", json=filing, headers=department)
    assert filed.status_code == 201, filed.text
    assert filed.headers["location"] == f"/registry/v1/enterprises/{uscc}"
    read = stack.http.get(filed.headers["location"], headers=department)
    assert read.status_code == 200 and read.json()["uscc"] == uscc

    stale = stack.http.patch(
        filed.headers["location"],
        json={"employees": 13},
        headers={**department, "If-Match": '"stale.0"'},
    )
    assert stale.status_code == 412 and stale.json()["code"] == "stale_etag"
    assert stale.json()["instance"] == f"/registry/v1/enterprises/{uscc}"
    assert stack.http.get(stale.json()["instance"], headers=department).status_code == 200

    header = "uscc,name,district,industry,founded_on,registered_capital_fen,employees,revenue_fen"
    row = "91140105MA0KDE1281,太原导入科技有限公司,xiaodian,I65,2014-05-20,50000000,12,150000000"
    imported = stack.http.post(
        "/registry/v1/imports",
        content=f"{header},legal_rep_name,legal_rep_id_number\n{row},张导入,140105198001010011\n",
        headers={**department, "Content-Type": "text/csv"},
    )
    assert imported.status_code == 202, imported.text
    job_id = imported.json()["id"]
    assert imported.headers["location"] == f"/registry/v1/imports/{job_id}"
    job = stack.http.get(imported.headers["location"], headers=department)
    assert job.status_code == 200 and job.json()["id"] == job_id
    # the stack fixture follows every other link the test received, too
    assert len(stack.links.locations) == 2 and len(stack.links.instances) == 1
