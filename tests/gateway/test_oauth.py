"""OAuth 2.0 client credentials: tokens, and RFC 6749 §5.2 errors."""

from typing import Any

import httpx
import jwt
import pytest

from gateway.clients import service as clients_service
from tests.gateway.conftest import RunningGateway


@pytest.fixture
def oauth_client(gw: RunningGateway) -> tuple[str, str]:
    created = gw.create_client(
        "bank", issue_client_secret=True, scopes=["credit:read", "credit:reports", "registry:read"]
    )
    return created["client"]["id"], created["client_secret"]


def _error(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert response.headers["cache-control"] == "no-store"


def test_token_with_basic_auth_works_at_the_proxy(
    gw: RunningGateway, oauth_client: tuple[str, str]
) -> None:
    response = gw.http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=oauth_client
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (
        body["token_type"] == "Bearer"
        and body["expires_in"] == gw.settings.access_token_ttl_seconds
    )
    assert set(body["scope"].split()) == {"credit:read", "credit:reports", "registry:read"}
    header = jwt.get_unverified_header(body["access_token"])
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert header["typ"] == "at+jwt" and claims["client_id"] == oauth_client[0]
    assert claims["aud"] == gw.settings.access_token_audience
    who = gw.http.get(
        "/registry/v1/whoami", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert who.status_code == 200 and who.json()["client_id"] == oauth_client[0]


def test_token_with_form_auth_and_narrow_scope(
    gw: RunningGateway, oauth_client: tuple[str, str]
) -> None:
    client_id, secret = oauth_client
    response = gw.http.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            "scope": "credit:read",
        },
    )
    assert response.status_code == 200 and response.json()["scope"] == "credit:read"
    token = response.json()["access_token"]
    denied = gw.http.get("/registry/v1/echo", headers={"Authorization": f"Bearer {token}"})
    assert denied.status_code == 403 and denied.json()["code"] == "insufficient_scope"


def test_a_token_is_accepted_again_while_its_client_is_cached(
    gw: RunningGateway, oauth_client: tuple[str, str]
) -> None:
    grant = {"grant_type": "client_credentials"}
    token = gw.http.post("/oauth/token", data=grant, auth=oauth_client).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(3):  # the first looks the client up, the others find it cached
        who = gw.http.get("/registry/v1/whoami", headers=headers)
        assert who.status_code == 200, who.text
        assert who.json()["client_id"] == oauth_client[0]


def test_token_errors(gw: RunningGateway, oauth_client: tuple[str, str]) -> None:
    client_id, secret = oauth_client
    grant = {"grant_type": "client_credentials"}
    _error(gw.http.post("/oauth/token", data=grant), 401, "invalid_client")
    _error(
        gw.http.post("/oauth/token", data=grant, auth=(client_id, "wrong")), 401, "invalid_client"
    )
    _error(
        gw.http.post("/oauth/token", data=grant, auth=("cli_nobody", secret)), 401, "invalid_client"
    )
    assert (
        gw.http.post("/oauth/token", data=grant, auth=(client_id, "x"))
        .headers["www-authenticate"]
        .startswith("Basic")
    )
    _error(
        gw.http.post("/oauth/token", data={"grant_type": "password"}, auth=oauth_client),
        400,
        "unsupported_grant_type",
    )
    _error(gw.http.post("/oauth/token", data={}, auth=oauth_client), 400, "invalid_request")
    _error(
        gw.http.post("/oauth/token", data={**grant, "scope": "funding:admin"}, auth=oauth_client),
        400,
        "invalid_scope",
    )
    _error(
        gw.http.post("/oauth/token", data={**grant, "client_secret": secret}, auth=oauth_client),
        400,
        "invalid_request",
    )


def test_suspended_clients_tokens_stop_working(
    gw: RunningGateway, oauth_client: tuple[str, str]
) -> None:
    token = gw.http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=oauth_client
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert gw.http.get("/registry/v1/echo", headers=headers).status_code == 200
    gw.http.post(f"/admin/v1/clients/{oauth_client[0]}/suspend", headers=gw.admin_headers)
    assert gw.http.get("/registry/v1/echo", headers=headers).status_code == 401
    _error(
        gw.http.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=oauth_client),
        401,
        "invalid_client",
    )


def test_token_requests_beyond_the_clients_limit_slow_down(start_gateway) -> None:  # type: ignore[no-untyped-def]
    gw = start_gateway(rate_limit_token="2/minute")
    created = gw.create_client("bank", issue_client_secret=True)
    mine = (created["client"]["id"], created["client_secret"])
    grant = {"grant_type": "client_credentials"}
    answers = [gw.http.post("/oauth/token", data=grant, auth=mine) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    _error(answers[-1], 429, "slow_down")
    assert int(answers[-1].headers["retry-after"]) >= 1
    assert "access_token" not in answers[-1].json()
    # Counted per client: another client from the same address still gets its token.
    other = gw.create_client("bank", issue_client_secret=True)
    theirs = gw.http.post(
        "/oauth/token", data=grant, auth=(other["client"]["id"], other["client_secret"])
    )
    assert theirs.status_code == 200 and theirs.json()["access_token"]


def test_a_secret_failing_too_often_slows_down_then_is_refused_before_any_lookup(  # type: ignore[no-untyped-def]
    start_gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    gw = start_gateway(rate_limit_auth_failures="2/hour")
    created = gw.create_client("bank", issue_client_secret=True)
    client_id = created["client"]["id"]
    grant = {"grant_type": "client_credentials"}
    checked: list[str] = []
    real = clients_service.check_client_secret

    def counting(session: Any, *, client_id: str, secret: str, verifier: Any) -> Any:
        checked.append(secret)
        return real(session, client_id=client_id, secret=secret, verifier=verifier)

    monkeypatch.setattr(clients_service, "check_client_secret", counting)
    wrong = [
        gw.http.post("/oauth/token", data=grant, auth=(client_id, "tcs_wrong")) for _ in range(4)
    ]
    assert [a.status_code for a in wrong] == [401, 401, 429, 429]
    # the third failure, over the limit, blocks the secret: the fourth is never looked up
    assert checked == ["tcs_wrong"] * 3
    _error(wrong[0], 401, "invalid_client")
    for refused in wrong[2:]:
        _error(refused, 429, "slow_down")
        assert int(refused.headers["retry-after"]) >= 1
    # The right secret of the same client is a different credential: it is not refused.
    right = gw.http.post("/oauth/token", data=grant, auth=(client_id, created["client_secret"]))
    assert right.status_code == 200, right.text
    assert checked[3:] == [created["client_secret"]]
