"""Identity reaches services only as the gateway's internal token; services refuse any other."""

import re
import time

import httpx
import jwt
import pytest

from services.common.tokens import InternalTokenSigner, generate_ed25519_pem
from tests.gateway.conftest import KID, RunningGateway, StartGateway, Upstream

SPOOFS = {
    "X-Internal-Token": "forged",
    "X-Client-Id": "cli_admin",
    "X-Client-Kind": "admin",
    "X-Client-Org": "JSB",
    "X-Forwarded-For": "10.1.2.3",
    "X-Forwarded-Host": "evil.example",
    "Forwarded": "for=10.1.2.3",
    "X-Real-IP": "10.1.2.3",
    "X-Gateway-Client": "cli_admin",
}


def test_spoofed_identity_headers_never_reach_the_service(gw: RunningGateway, jwks: dict) -> None:  # type: ignore[type-arg]
    key = gw.key_for("bank")
    response = gw.http.get("/registry/v1/echo", headers={"X-API-Key": key, **SPOOFS})
    assert response.status_code == 200
    seen = response.json()["headers"]
    for name in (
        "x-internal-token",
        "x-client-id",
        "x-client-kind",
        "x-client-org",
        "x-gateway-client",
        "forwarded",
        "x-real-ip",
        "x-api-key",
    ):
        assert name not in seen, name
    assert seen["x-forwarded-for"] == "127.0.0.1"
    assert seen["x-forwarded-host"] != "evil.example"
    token = seen["authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["aud"] == "registry" and claims["kind"] == "bank" and claims["org"] == "ORG1"
    assert jwt.get_unverified_header(token)["kid"] == KID


def test_forged_internal_token_is_replaced_by_the_gateways(
    gw: RunningGateway, signing_key: bytes
) -> None:
    """Even a validly signed admin token sent by a caller is dropped; the service sees the caller."""
    forged = InternalTokenSigner(signing_key, KID).mint(
        sub="cli_admin", kind="admin", org=None, scopes=["admin"], audience="registry"
    )
    created = gw.create_client("provider")
    who = gw.http.get(
        "/registry/v1/whoami",
        headers={
            "X-API-Key": created["api_key"]["key"],
            "X-Internal-Token": forged,
            "X-Client-Kind": "admin",
        },
    )
    assert who.status_code == 200
    assert who.json()["client_id"] == created["client"]["id"] and who.json()["kind"] == "provider"
    assert "admin" not in who.json()["scopes"]


def test_public_route_forwards_no_identity(gw: RunningGateway, signing_key: bytes) -> None:
    forged = InternalTokenSigner(signing_key, KID).mint(
        sub="cli_admin", kind="admin", org=None, scopes=["admin"], audience="registry"
    )
    response = gw.http.get("/registry/v1/echo", headers={"X-Internal-Token": forged})
    assert (
        response.status_code == 401 and response.json()["code"] == "missing_credentials"
    )  # not public: no credential
    spoofs = {**SPOOFS, "X-Internal-Token": forged}
    echoed = gw.http.get("/registry/v1/public/echo", headers=spoofs)
    assert echoed.status_code == 200, echoed.text
    seen = echoed.json()["headers"]
    # No identity at all reaches the service: neither the caller's nor one the gateway made up.
    for name in (
        "authorization",
        "x-internal-token",
        "x-client-id",
        "x-client-kind",
        "x-client-org",
        "x-gateway-client",
        "forwarded",
        "x-real-ip",
    ):
        assert name not in seen, name
    assert seen["x-forwarded-for"] == "127.0.0.1" and seen["x-request-id"]


def test_a_portal_filing_without_a_delegation_acts_with_the_filing_scopes_alone(
    gw: RunningGateway,
) -> None:
    uscc = "91140105MA0KDE127K"  # not delegated to anyone: only its filing may pass
    portal = gw.create_client("portal")
    headers = {"X-API-Key": portal["api_key"]["key"], "X-On-Behalf-Of": uscc}
    filed = gw.http.post("/registry/v1/enterprises", json={}, headers=headers)
    assert filed.status_code == 201, filed.text
    seen = filed.json()
    assert seen["scopes"] == ["registry:read", "registry:write"]
    assert set(portal["client"]["scopes"]) > {"registry:read", "registry:write", "on_behalf"}
    assert (seen["kind"], seen["org"]) == ("portal", uscc)


def test_only_a_filing_the_service_created_is_remembered_as_a_delegation(
    gw: RunningGateway,
) -> None:
    uscc = "91140105MA0KDE127K"
    portal = gw.create_client("portal")
    headers = {"X-API-Key": portal["api_key"]["key"], "X-On-Behalf-Of": uscc}
    mine = {"X-API-Key": portal["api_key"]["key"]}
    answered = gw.http.post("/registry/v1/enterprises?answer=200", json={}, headers=headers)
    assert answered.status_code == 200, answered.text
    assert gw.http.get("/v1/delegations", headers=mine).json()["items"] == []
    filed = gw.http.post("/registry/v1/enterprises", json={}, headers=headers)
    assert filed.status_code == 201, filed.text
    held = gw.http.get("/v1/delegations", headers=mine).json()["items"]
    assert [(d["enterprise"], d["status"]) for d in held] == [(uscc, "filing_only")]


def test_a_filing_whose_delegation_cannot_be_recorded_is_still_answered_as_filed(
    gw: RunningGateway, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The enterprise is filed: the portal must hear so, though it cannot act for it yet."""

    async def broken(*_: object) -> None:
        raise RuntimeError("delegation store down")

    monkeypatch.setattr(gw.gateway.proxy.delegations, "record_filing", broken)
    portal = gw.create_client("portal")
    headers = {"X-API-Key": portal["api_key"]["key"], "X-On-Behalf-Of": "91140105MA0KDE127K"}
    filed = gw.http.post("/registry/v1/enterprises", json={}, headers=headers)
    assert filed.status_code == 201, filed.text
    logged = [r for r in caplog.records if r.levelname == "ERROR"]
    assert [r.getMessage() for r in logged] == [
        f"could not record the filing delegation of {portal['client']['id']}"
    ]
    assert logged[0].exc_info is not None and "store down" in str(logged[0].exc_info[1])


def test_request_id_and_traceparent_are_passed_on(gw: RunningGateway) -> None:
    key = gw.key_for("bank")
    trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    response = gw.http.get(
        "/registry/v1/echo",
        headers={"X-API-Key": key, "X-Request-ID": "req-abc-12345", "traceparent": trace},
    )
    seen = response.json()["headers"]
    assert seen["x-request-id"] == "req-abc-12345" == response.headers["x-request-id"]
    assert seen["traceparent"] == trace
    # A bad request id or traceparent is replaced by a fresh one of the standard shape (W3C
    # Trace Context: version 00, 16-byte trace id, 8-byte parent id, sampled).
    generated = gw.http.get(
        "/registry/v1/echo",
        headers={"X-API-Key": key, "X-Request-ID": "bad id!", "traceparent": "00-xyz-01"},
    )
    request_id = generated.headers["x-request-id"]
    assert re.fullmatch(r"req_[0-9a-f]{24}", request_id), request_id
    assert generated.json()["headers"]["x-request-id"] == request_id
    traceparent = generated.json()["headers"]["traceparent"]
    assert re.fullmatch(r"00-[0-9a-f]{32}-[0-9a-f]{16}-01", traceparent), traceparent


def _whoami(upstream: Upstream, token: str) -> httpx.Response:
    return httpx.get(f"{upstream.url}/v1/whoami", headers={"Authorization": f"Bearer {token}"})


def test_service_refuses_foreign_wrong_audience_and_expired_tokens(
    gw: RunningGateway, registry_upstream: Upstream, signing_key: bytes
) -> None:
    # What the gateway mints is accepted...
    caller = gw.gateway.authenticator.bootstrap_caller
    good = (
        gw.gateway.tokens.authorization(caller, "registry", None).decode().removeprefix("Bearer ")
    )
    assert _whoami(registry_upstream, good).status_code == 200
    # ...a token signed by another key is not, even with our kid,
    other = InternalTokenSigner(generate_ed25519_pem(), KID).mint(
        sub="cli_x", kind="admin", org=None, scopes=["admin"], audience="registry"
    )
    assert _whoami(registry_upstream, other).status_code == 401
    # nor one for another service,
    ours = InternalTokenSigner(signing_key, KID)
    credit = ours.mint(sub="cli_x", kind="bank", org=None, scopes=[], audience="credit")
    refused = _whoami(registry_upstream, credit)
    assert (
        refused.status_code == 401
        and refused.json()["code"] == "invalid_token"
        and "audience" in refused.json()["detail"]
    )
    # nor an expired one,
    expired = ours.mint(
        sub="cli_x", kind="bank", org=None, scopes=[], audience="registry", ttl_seconds=-60
    )
    refused = _whoami(registry_upstream, expired)
    assert (
        refused.status_code == 401
        and refused.json()["code"] == "invalid_token"
        and "expired" in refused.json()["detail"]
    )
    # nor a bare header.
    bare = httpx.get(f"{registry_upstream.url}/v1/whoami", headers={"X-Client-Id": "cli_admin"})
    assert bare.status_code == 401 and bare.json()["code"] == "missing_token"


def test_jwks_serves_current_and_previous_keys(start_gateway, signing_key: bytes) -> None:  # type: ignore[no-untyped-def]
    previous = generate_ed25519_pem()
    gw = start_gateway(previous_public_key_pem=previous.decode(), previous_key_id="old-key")
    keys = gw.http.get("/.well-known/jwks.json").json()["keys"]
    assert [k["kid"] for k in keys] == [KID, "old-key"]
    assert all(k["kty"] == "OKP" and k["crv"] == "Ed25519" and "d" not in k for k in keys)
    # An access token signed with the previous key still verifies during the switch.
    client_id = gw.create_client("bank")["client"]["id"]
    now = int(time.time())
    token = jwt.encode(
        {
            "iss": gw.settings.issuer,
            "aud": gw.settings.access_token_audience,
            "sub": client_id,
            "client_id": client_id,
            "iat": now,
            "exp": now + 60,
            "jti": "atk_1",
            "scope": "registry:read",
        },
        previous,
        algorithm="EdDSA",
        headers={"kid": "old-key", "typ": "at+jwt"},
    )
    assert (
        gw.http.get("/registry/v1/echo", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )


def test_a_trusted_proxys_forwarded_chain_is_extended_whole(start_gateway: StartGateway) -> None:
    """Behind a trusted proxy, every X-Forwarded-For line it sent is kept, in order, and the
    proxy's own address is appended; no other forwarding header joins the chain; from anyone
    else the chain is replaced by their address."""
    chain = [
        (b"x-forwarded-for", b"203.0.113.7"),
        (b"x-real-ip", b"192.0.2.66"),  # these two sort after X-Forwarded-For
        (b"x-forwarded-host", b"elsewhere.example"),
        (b"x-forwarded-for", b"198.51.100.2, 10.0.0.9"),
    ]
    trusting = start_gateway(trusted_proxies=["127.0.0.1"])
    key = [(b"x-api-key", trusting.key_for("bank").encode())]
    seen = trusting.http.get("/registry/v1/echo", headers=key + chain).json()["headers"]
    assert seen["x-forwarded-for"] == "203.0.113.7, 198.51.100.2, 10.0.0.9, 127.0.0.1"
    wary = start_gateway()
    key = [(b"x-api-key", wary.key_for("bank").encode())]
    seen = wary.http.get("/registry/v1/echo", headers=key + chain).json()["headers"]
    assert seen["x-forwarded-for"] == "127.0.0.1"
