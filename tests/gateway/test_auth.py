"""Who may call: 401 for missing, unknown, revoked and expired credentials; 403 off-scope."""

import time

import httpx
import jwt

from tests.gateway.conftest import KID, RunningGateway, StartGateway


def _problem(response, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["code"] == code
    assert body["request_id"] == response.headers["x-request-id"]


def test_no_key_is_401(gw: RunningGateway) -> None:
    response = gw.http.get("/registry/v1/echo")
    _problem(response, 401, "missing_credentials")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_unknown_key_is_401(gw: RunningGateway) -> None:
    for headers in (
        {"Authorization": "Bearer tsk_notarealkey000000000000000000000000000000"},
        {"X-API-Key": "tsk_another_unknown_key"},
        {"Authorization": "Bearer something-else"},
    ):
        _problem(
            gw.http.get("/registry/v1/echo", headers=headers),
            401,
            "invalid_api_key"
            if headers.get("X-API-Key", headers.get("Authorization", ""))
            .split()[-1]
            .startswith("tsk_")
            else "invalid_credentials",
        )


def test_good_key_in_either_header(gw: RunningGateway) -> None:
    key = gw.key_for("bank")
    assert (
        gw.http.get("/registry/v1/echo", headers={"Authorization": f"Bearer {key}"}).status_code
        == 200
    )
    response = gw.http.get("/registry/v1/echo", headers={"X-API-Key": key})
    assert response.status_code == 200
    assert response.headers["ratelimit-policy"].startswith('"read";q=')
    assert response.headers["ratelimit"].startswith('"read";r=')


def test_an_authorization_of_another_scheme_is_not_a_credential(gw: RunningGateway) -> None:
    """Only `Bearer` (any case) carries a key or token: a Basic header is ignored, so the API key
    beside it is the credential, and alone it leaves the caller anonymous."""
    client = gw.create_client("bank")
    key = client["api_key"]["key"]
    basic = {"Authorization": "Basic dHNrX3g6eQ=="}
    beside = gw.http.get("/registry/v1/whoami", headers={**basic, "X-API-Key": key})
    assert beside.status_code == 200 and beside.json()["client_id"] == client["client"]["id"]
    for scheme in ("Basic dHNrX3g6eQ==", f"Digest {key}", f"Token {key}"):  # either side of B
        answer = gw.http.get("/registry/v1/echo", headers={"Authorization": scheme})
        _problem(answer, 401, "missing_credentials")
    assert gw.http.get("/registry/v1/public/ping", headers=basic).status_code == 200
    lower = gw.http.get("/registry/v1/whoami", headers={"Authorization": f"bearer {key}"})
    assert lower.status_code == 200


def test_revoked_key_is_401_at_once(gw: RunningGateway) -> None:
    created = gw.create_client("bank")
    key, key_id, client_id = (
        created["api_key"]["key"],
        created["api_key"]["id"],
        created["client"]["id"],
    )
    headers = {"X-API-Key": key}
    assert gw.http.get("/registry/v1/echo", headers=headers).status_code == 200  # now cached
    revoked = gw.http.delete(
        f"/admin/v1/clients/{client_id}/keys/{key_id}", headers=gw.admin_headers
    )
    assert revoked.status_code == 204
    _problem(gw.http.get("/registry/v1/echo", headers=headers), 401, "invalid_api_key")


def test_rotation_keeps_both_keys_until_revoked(gw: RunningGateway) -> None:
    created = gw.create_client("bank")
    client_id, old = created["client"]["id"], created["api_key"]
    new = gw.http.post(
        f"/admin/v1/clients/{client_id}/keys", json={"label": "next"}, headers=gw.admin_headers
    )
    assert new.status_code == 201
    for key in (old["key"], new.json()["key"]):
        assert gw.http.get("/registry/v1/echo", headers={"X-API-Key": key}).status_code == 200
    gw.http.delete(f"/admin/v1/clients/{client_id}/keys/{old['id']}", headers=gw.admin_headers)
    assert gw.http.get("/registry/v1/echo", headers={"X-API-Key": old["key"]}).status_code == 401
    assert (
        gw.http.get("/registry/v1/echo", headers={"X-API-Key": new.json()["key"]}).status_code
        == 200
    )


def test_suspended_client_is_401(gw: RunningGateway) -> None:
    created = gw.create_client("provider")
    headers = {"X-API-Key": created["api_key"]["key"]}
    assert gw.http.get("/registry/v1/echo", headers=headers).status_code == 200
    gw.http.post(f"/admin/v1/clients/{created['client']['id']}/suspend", headers=gw.admin_headers)
    _problem(gw.http.get("/registry/v1/echo", headers=headers), 401, "invalid_api_key")


def test_expired_access_token_is_401(gw: RunningGateway, signing_key: bytes) -> None:
    client_id = gw.create_client("bank")["client"]["id"]
    now = int(time.time())
    claims = {
        "iss": gw.settings.issuer,
        "aud": gw.settings.access_token_audience,
        "sub": client_id,
        "client_id": client_id,
        "iat": now - 700,
        "exp": now - 100,
        "jti": "atk_test",
        "scope": "registry:read",
    }
    token = jwt.encode(
        claims, signing_key, algorithm="EdDSA", headers={"kid": KID, "typ": "at+jwt"}
    )
    _problem(
        gw.http.get("/registry/v1/echo", headers={"Authorization": f"Bearer {token}"}),
        401,
        "token_expired",
    )


def test_internal_token_is_not_an_access_token(gw: RunningGateway) -> None:
    """A token minted for a service (aud=registry, no at+jwt) does not authenticate at the edge."""
    token = gw.gateway.signer.mint(
        sub="cli_x", kind="admin", org=None, scopes=["admin"], audience="registry", ttl_seconds=60
    )
    _problem(
        gw.http.get("/registry/v1/echo", headers={"Authorization": f"Bearer {token}"}),
        401,
        "invalid_token",
    )


def test_forbidden_route_is_403(gw: RunningGateway) -> None:
    provider = {"X-API-Key": gw.key_for("provider")}
    _problem(
        gw.http.get("/credit/v1/reports/91140105MA0KDE119Q", headers=provider),
        403,
        "insufficient_scope",
    )
    bank = {"X-API-Key": gw.key_for("bank")}
    _problem(gw.http.post("/funding/v1/budgets", json={}, headers=bank), 403, "insufficient_scope")
    _problem(gw.http.get("/admin/v1/clients", headers=bank), 403, "insufficient_scope")


def test_narrowed_scopes_are_enforced(gw: RunningGateway) -> None:
    key = gw.key_for("bank", scopes=["credit:read"])
    _problem(
        gw.http.get("/registry/v1/echo", headers={"X-API-Key": key}), 403, "insufficient_scope"
    )


def test_a_route_for_some_kinds_refuses_the_others(gw: RunningGateway) -> None:
    """The delegations are the parties' (enterprise, portal, admin): a bank is 403 for its kind."""
    bank = {"X-API-Key": gw.key_for("bank")}
    refused = gw.http.get("/v1/delegations", headers=bank)
    _problem(refused, 403, "forbidden_client_kind")
    assert refused.json()["detail"] == "Clients of kind 'bank' may not do this."
    enterprise = {"X-API-Key": gw.key_for("enterprise")}
    admitted = gw.http.get("/v1/delegations", headers=enterprise)
    assert admitted.status_code == 200, admitted.text
    assert admitted.json()["items"] == []


def test_a_get_on_a_gateway_route_counts_against_the_read_limit(gw: RunningGateway) -> None:
    """The gateway's own routes are limited as the proxied ones: a GET is a read."""
    headers = {"X-API-Key": gw.key_for("enterprise", rate_limits={"read": "2/minute"})}
    statuses = [gw.http.get("/v1/delegations", headers=headers).status_code for _ in range(2)]
    assert statuses == [200, 200]
    refused = gw.http.get("/v1/delegations", headers=headers)
    _problem(refused, 429, "rate_limited")
    assert refused.headers["ratelimit-policy"].startswith('"read";q=2;')
    assert int(refused.headers["retry-after"]) > 0


def test_failures_on_a_gateway_route_are_counted_per_client_behind_a_trusted_proxy(
    start_gateway: StartGateway,
) -> None:
    """The gateway's own routes key failed authentications on the forwarded address, as the
    proxied ones do: callers behind the proxy do not share one budget."""
    gw = start_gateway(trusted_proxies=["127.0.0.1"], rate_limit_auth_failures="2/hour")
    prefix = gw.settings.api_key_prefix

    def fail(i: int, forwarded: str) -> httpx.Response:
        headers = {"X-API-Key": f"{prefix}_bogus{i}", "X-Forwarded-For": forwarded}
        return gw.http.get("/admin/v1/clients", headers=headers)

    assert [fail(i, f"203.0.113.{i}").status_code for i in range(4)] == [401] * 4
    # The left part of the header is the caller's to forge: the rightmost address counts.
    same = [fail(i, f"9.9.9.{i}, 198.51.100.1") for i in range(4, 7)]
    assert [a.status_code for a in same[:2]] == [401, 401]
    _problem(same[2], 429, "too_many_auth_failures")


def test_public_route_needs_no_key(gw: RunningGateway) -> None:
    response = gw.http.get("/registry/v1/public/ping")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    # and takes one: a public route needs no scope of the caller who sends a key
    keyed = gw.http.get("/registry/v1/public/ping", headers={"X-API-Key": gw.key_for("bank")})
    assert keyed.status_code == 200 and keyed.json() == {"status": "ok"}


def test_an_anonymous_call_on_a_public_route_acts_for_no_one(gw: RunningGateway) -> None:
    """X-On-Behalf-Of without a credential names no one: it is not passed on, and no 500."""
    headers = {"X-On-Behalf-Of": "91140105MA0KDE127K"}
    answer = gw.http.get("/registry/v1/public/echo", headers=headers)
    assert answer.status_code == 200, answer.text
    seen = answer.json()["headers"]
    assert "x-on-behalf-of" not in seen and "authorization" not in seen


def test_unknown_route_is_404_problem(gw: RunningGateway) -> None:
    _problem(gw.http.get("/registry/healthz"), 404, "not_found")


def test_on_behalf_of(gw: RunningGateway) -> None:
    created = gw.create_client("portal")
    portal_id = created["client"]["id"]
    portal = {"X-API-Key": created["api_key"]["key"]}
    uscc = "91140106MA0KDE223B"
    _problem(
        gw.http.get("/registry/v1/whoami", headers={**portal, "X-On-Behalf-Of": uscc}),
        403,
        "no_delegation",
    )
    gw.delegate(portal_id, uscc, ("registry:read",))
    who = gw.http.get("/registry/v1/whoami", headers={**portal, "X-On-Behalf-Of": uscc})
    assert who.status_code == 200, who.text
    # the token names both parties (RFC 8693 `act`) and carries only the delegated scopes
    assert who.json() == {
        "client_id": portal_id,
        "kind": "portal",
        "org": uscc,
        "scopes": ["registry:read"],
        "actor": portal_id,
    }
    # a public route needs no delegated scope either
    ping = gw.http.get("/registry/v1/public/ping", headers={**portal, "X-On-Behalf-Of": uscc})
    assert ping.status_code == 200 and ping.json() == {"status": "ok"}
    mine = gw.http.get("/registry/v1/whoami", headers=portal).json()
    assert mine["actor"] is None and "registry:write" in mine["scopes"]
    _problem(
        gw.http.get("/registry/v1/whoami", headers={**portal, "X-On-Behalf-Of": "nope"}),
        400,
        "invalid_on_behalf_of",
    )
    enterprise = {"X-API-Key": gw.key_for("enterprise")}
    _problem(
        gw.http.get("/registry/v1/whoami", headers={**enterprise, "X-On-Behalf-Of": uscc}),
        403,
        "on_behalf_not_allowed",
    )


def test_internal_tokens_are_cached(gw: RunningGateway) -> None:
    def minted() -> float:
        metrics = gw.http.get("/metrics", headers=gw.admin_headers).text
        (line,) = (
            m for m in metrics.splitlines() if m.startswith("gateway_internal_tokens_minted_total ")
        )
        return float(line.split()[-1])

    headers = {"X-API-Key": gw.key_for("bank")}
    before = minted()
    for _ in range(5):
        assert gw.http.get("/registry/v1/whoami", headers=headers).status_code == 200
    assert minted() == before + 1
    assert gw.http.get("/credit/v1/whoami", headers=headers).status_code == 200
    assert minted() == before + 2  # one per audience


def test_expired_key_is_401_and_a_live_one_passes(gw: RunningGateway) -> None:
    from datetime import UTC, datetime, timedelta

    client_id = gw.create_client("bank")["client"]["id"]
    url = f"/admin/v1/clients/{client_id}/keys"
    now = datetime.now(UTC)
    keys = {}
    for label, moment in (
        ("lapsed", now - timedelta(seconds=1)),
        ("live", now + timedelta(hours=1)),
    ):
        created = gw.http.post(
            url, json={"label": label, "expires_at": moment.isoformat()}, headers=gw.admin_headers
        )
        assert created.status_code == 201, created.text
        assert created.json()["expires_at"] is not None
        keys[label] = created.json()["key"]
    _problem(
        gw.http.get("/registry/v1/echo", headers={"X-API-Key": keys["lapsed"]}),
        401,
        "invalid_api_key",
    )
    live = gw.http.get("/registry/v1/whoami", headers={"X-API-Key": keys["live"]})
    assert live.status_code == 200 and live.json()["client_id"] == client_id


def test_a_cached_key_stops_working_when_it_expires(gw: RunningGateway) -> None:
    from datetime import UTC, datetime, timedelta

    client_id = gw.create_client("bank")["client"]["id"]
    expires_at = datetime.now(UTC) + timedelta(seconds=2)
    created = gw.http.post(
        f"/admin/v1/clients/{client_id}/keys",
        json={"label": "short", "expires_at": expires_at.isoformat()},
        headers=gw.admin_headers,
    )
    assert created.status_code == 201, created.text
    headers = {"X-API-Key": created.json()["key"]}
    # Used while live: the gateway now caches the key (key_cache_ttl_seconds outlives it).
    assert gw.http.get("/registry/v1/whoami", headers=headers).status_code == 200
    while datetime.now(UTC) < expires_at + timedelta(milliseconds=50):
        time.sleep(0.05)
    _problem(gw.http.get("/registry/v1/whoami", headers=headers), 401, "invalid_api_key")
