"""The clients admin API."""

import time
from datetime import UTC, datetime, timedelta

from tests.gateway.conftest import RunningGateway, StartGateway


def test_client_lifecycle(gw: RunningGateway) -> None:
    admin = gw.admin_headers
    created = gw.create_client("portal", name="Shanxi portal", issue_client_secret=True)
    client = created["client"]
    assert client["id"].startswith("cli_") and client["status"] == "active"
    assert "on_behalf" in client["scopes"] and client["has_client_secret"]
    assert created["api_key"]["key"].startswith("tsk_") and created["client_secret"].startswith(
        "tcs_"
    )
    assert created["api_key"]["prefix"] == created["api_key"]["key"][:12]

    got = gw.http.get(f"/admin/v1/clients/{client['id']}", headers=admin)
    assert got.status_code == 200 and got.json() == client and got.headers["etag"]
    assert "key_hash" not in got.text and "secret_hash" not in got.text

    listed = gw.http.get(
        "/admin/v1/clients", params={"kind": "portal", "limit": 1}, headers=admin
    ).json()
    assert [c["id"] for c in listed["items"]] == [client["id"]]

    keys = gw.http.get(f"/admin/v1/clients/{client['id']}/keys", headers=admin).json()["items"]
    assert len(keys) == 1 and "key" not in keys[0]

    suspended = gw.http.post(f"/admin/v1/clients/{client['id']}/suspend", headers=admin).json()
    assert suspended["status"] == "suspended"
    assert (
        gw.http.post(f"/admin/v1/clients/{client['id']}/activate", headers=admin).json()["status"]
        == "active"
    )

    secret = gw.http.post(f"/admin/v1/clients/{client['id']}/secret", headers=admin)
    assert secret.status_code == 201 and secret.json()["client_secret"] != created["client_secret"]

    assert gw.http.delete(f"/admin/v1/clients/{client['id']}", headers=admin).status_code == 204
    gone = gw.http.get(f"/admin/v1/clients/{client['id']}", headers=admin)
    assert gone.status_code == 404 and gone.json()["code"] == "client_not_found"
    key = created["api_key"]["key"]
    assert gw.http.get("/registry/v1/echo", headers={"X-API-Key": key}).status_code == 401


def test_admin_api_validation(gw: RunningGateway) -> None:
    admin = gw.admin_headers
    wider = gw.http.post(
        "/admin/v1/clients",
        json={"name": "b", "kind": "bank", "org": "B1", "scopes": ["funding:admin"]},
        headers=admin,
    )
    assert (
        wider.status_code == 422
        and wider.json()["errors"][0]["code"] == "scope_not_allowed_for_kind"
    )
    no_org = gw.http.post("/admin/v1/clients", json={"name": "b", "kind": "bank"}, headers=admin)
    assert (
        no_org.status_code == 422
        and no_org.json()["code"] == "org_required"
        and no_org.json()["errors"][0]["field"] == "body.org"
    )
    unknown = gw.http.post(
        "/admin/v1/clients",
        json={"name": "b", "kind": "bank", "org": "B", "scopes": ["nope"]},
        headers=admin,
    )
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["errors"]] == ["body.scopes"]
    assert gw.http.get("/admin/v1/clients").status_code == 401
    assert gw.http.get("/admin/v1/clients", headers={"X-API-Key": "wrong"}).status_code == 401


def test_an_admin_client_can_administer(gw: RunningGateway) -> None:
    key = gw.key_for("admin")
    response = gw.http.get("/admin/v1/clients", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200


def test_last_used_is_recorded(start_gateway: StartGateway) -> None:
    # The runtime's own periodic flush writes it; nothing here calls the flush.
    gw = start_gateway(last_used_flush_seconds=0.2)
    created = gw.create_client("bank")
    url = f"/admin/v1/clients/{created['client']['id']}/keys"
    unused = gw.http.get(url, headers=gw.admin_headers).json()["items"][0]
    assert unused["last_used_at"] is None
    before = datetime.now(UTC)
    used = gw.http.get("/registry/v1/echo", headers={"X-API-Key": created["api_key"]["key"]})
    assert used.status_code == 200
    deadline = time.monotonic() + 10
    seen = None
    while seen is None and time.monotonic() < deadline:
        time.sleep(0.05)
        seen = gw.http.get(url, headers=gw.admin_headers).json()["items"][0]["last_used_at"]
    assert seen is not None, "the periodic flush never recorded the key's use"
    assert before - timedelta(seconds=1) <= datetime.fromisoformat(seen) <= datetime.now(UTC)


def test_operational_routes(gw: RunningGateway) -> None:
    assert gw.http.get("/healthz").json() == {"status": "ok", "checks": {}}
    key = gw.key_for("bank")
    gw.http.get("/registry/v1/echo", headers={"X-API-Key": key})
    metrics = gw.http.get("/metrics", headers=gw.admin_headers).text
    assert (
        'gateway_requests_total{client_kind="bank",route="registry.other",status="200"}' in metrics
    )
    assert "gateway_request_duration_seconds_bucket" in metrics
    assert gw.http.get("/docs").status_code == 200


def test_cors_for_portals(start_gateway) -> None:  # type: ignore[no-untyped-def]
    gw = start_gateway(cors_origins=["https://portal.example"])
    preflight = gw.http.options(
        "/registry/v1/echo",
        headers={
            "Origin": "https://portal.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://portal.example"
    key = gw.key_for("portal")
    response = gw.http.get(
        "/registry/v1/echo", headers={"Origin": "https://portal.example", "X-API-Key": key}
    )
    assert response.headers["access-control-allow-origin"] == "https://portal.example"
    assert "x-request-id" in response.headers["access-control-expose-headers"].lower()


def test_update_client_scopes_and_limits_with_if_match(gw: RunningGateway) -> None:
    admin = gw.admin_headers
    created = gw.create_client("bank", name="Jinshang", org="JSB")
    client_id, key = created["client"]["id"], created["api_key"]["key"]
    url = f"/admin/v1/clients/{client_id}"
    etag = gw.http.get(url, headers=admin).headers["etag"]
    caller = {"X-API-Key": key}
    assert gw.http.get("/registry/v1/echo", headers=caller).status_code == 200

    missing = gw.http.patch(url, json={"name": "x"}, headers=admin)
    assert missing.status_code == 428 and missing.json()["code"] == "if_match_required"
    wider = gw.http.patch(
        url, json={"scopes": ["funding:admin"]}, headers={**admin, "If-Match": etag}
    )
    assert (
        wider.status_code == 422
        and wider.json()["errors"][0]["code"] == "scope_not_allowed_for_kind"
    )

    changed = gw.http.patch(
        url,
        json={"scopes": ["credit:read"], "rate_limits": {"read": "2/minute"}},
        headers={**admin, "If-Match": etag},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["scopes"] == ["credit:read"]
    assert changed.json()["rate_limits"] == {"read": "2/minute", "write": None}
    assert changed.headers["etag"] != etag
    stale = gw.http.patch(url, json={"name": "y"}, headers={**admin, "If-Match": etag})
    assert stale.status_code == 412 and stale.json()["code"] == "stale_etag"

    # The narrowed scopes apply at the edge at once (this replica's cache was invalidated).
    refused = gw.http.get("/registry/v1/echo", headers=caller)
    assert refused.status_code == 403 and refused.json()["code"] == "insufficient_scope"
    # The client's own read limit (2/minute, counted across services) now applies.
    statuses = [gw.http.get("/credit/v1/echo", headers=caller).status_code for _ in range(3)]
    assert statuses[0] == 200 and statuses[-1] == 429

    reset = gw.http.patch(
        url, json={"rate_limits": None}, headers={**admin, "If-Match": changed.headers["etag"]}
    )
    assert reset.status_code == 200 and reset.json()["rate_limits"] is None


def test_admins_hold_no_party_scopes(gw: RunningGateway) -> None:
    for scope in ("on_behalf", "credit:reports", "vouchers:provide", "funding:loans"):
        refused = gw.http.post(
            "/admin/v1/clients",
            json={"name": "super", "kind": "admin", "scopes": [scope]},
            headers=gw.admin_headers,
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "scope_not_allowed_for_kind"
    admin = gw.create_client("admin")["client"]
    assert not {"on_behalf", "credit:reports", "vouchers:provide", "funding:loans"} & set(
        admin["scopes"]
    )
    assert "admin" in admin["scopes"] and "registry:admin" in admin["scopes"]
    # neither a created admin nor the bootstrap key acts on behalf or reads credit reports
    for headers in ({"X-API-Key": gw.key_for("admin")}, gw.admin_headers):
        on_behalf = gw.http.get(
            "/registry/v1/whoami", headers={**headers, "X-On-Behalf-Of": "91140105MA0KDE119Q"}
        )
        assert on_behalf.status_code == 403 and on_behalf.json()["code"] == "on_behalf_not_allowed"
        reports = gw.http.get("/credit/v1/reports/91140105MA0KDE119Q", headers=headers)
        assert reports.status_code == 403 and reports.json()["code"] == "insufficient_scope"
