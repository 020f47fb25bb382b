"""The token endpoint is cheap: keyed SHA-256 secrets, argon2 only for older hashes and bounded."""

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import argon2
import httpx
import pytest

from gateway.clients.models import Client
from tests.gateway.conftest import RunningGateway, StartGateway

GRANT = {"grant_type": "client_credentials"}


def _stored_hash(gw: RunningGateway, client_id: str) -> str:
    with gw.gateway.database.session() as session:
        client = session.get(Client, client_id)
        assert client is not None and client.secret_hash is not None
        return client.secret_hash


def _store_argon2(gw: RunningGateway, client_id: str, secret: str) -> None:
    """Put the client's secret back as the gateway stored it before (argon2id)."""
    with gw.gateway.database.session() as session:
        client = session.get(Client, client_id)
        assert client is not None
        client.secret_hash = argon2.PasswordHasher().hash(secret)
        session.add(client)
        session.commit()


def _post_token(url: str, auth: tuple[str, str]) -> httpx.Response:
    return httpx.post(f"{url}/oauth/token", data=GRANT, auth=auth, timeout=30)


def test_concurrent_token_requests_never_run_argon2(
    start_gateway: StartGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    gw = start_gateway(rate_limit_token="1000/minute")
    created = gw.create_client("bank", issue_client_secret=True)
    client_id, secret = created["client"]["id"], created["client_secret"]
    assert _stored_hash(gw, client_id).startswith("hmac-sha256$")

    def no_argon2(*args: Any, **kwargs: Any) -> bool:
        raise AssertionError("argon2 (64 MiB per check) ran on the token path")

    monkeypatch.setattr(argon2.PasswordHasher, "verify", no_argon2)
    attempts = [(client_id, secret)] * 20 + [(client_id, "tcs_wrong")] * 10
    attempts += [("cli_nobody", secret)] * 10
    with ThreadPoolExecutor(40) as pool:
        answers = list(pool.map(lambda auth: _post_token(gw.url, auth), attempts))
    statuses = [answer.status_code for answer in answers]
    assert statuses == [200] * 20 + [401] * 20, [a.text for a in answers if a.status_code >= 500]
    assert all(a.json()["error"] == "invalid_client" for a in answers[20:])


def test_rotated_secret_is_stored_keyed_and_bound_to_its_client(gw: RunningGateway) -> None:
    first = gw.create_client("bank", issue_client_secret=True)
    second = gw.create_client("bank", issue_client_secret=True)
    first_id, second_id = first["client"]["id"], second["client"]["id"]
    rotated = gw.http.post(f"/admin/v1/clients/{first_id}/secret", headers=gw.admin_headers)
    new_secret = rotated.json()["client_secret"]
    assert _stored_hash(gw, first_id).startswith("hmac-sha256$")
    assert _post_token(gw.url, (first_id, first["client_secret"])).status_code == 401
    assert _post_token(gw.url, (first_id, new_secret)).status_code == 200
    # The first client's hash copied onto the second does not make its secret valid there.
    copied = _stored_hash(gw, first_id)
    with gw.gateway.database.session() as session:
        row = session.get(Client, second_id)
        assert row is not None
        row.secret_hash = copied
        session.add(row)
        session.commit()
    gw.gateway.authenticator.invalidate()
    assert _post_token(gw.url, (second_id, new_secret)).status_code == 401


def test_an_argon2_secret_still_works_and_is_rewritten_keyed(gw: RunningGateway) -> None:
    created = gw.create_client("bank", issue_client_secret=True)
    client_id, secret = created["client"]["id"], created["client_secret"]
    _store_argon2(gw, client_id, secret)
    assert _post_token(gw.url, (client_id, "tcs_wrong")).status_code == 401
    assert _stored_hash(gw, client_id).startswith("$argon2id$")
    assert _post_token(gw.url, (client_id, secret)).status_code == 200
    assert _stored_hash(gw, client_id).startswith("hmac-sha256$")
    assert _post_token(gw.url, (client_id, secret)).status_code == 200


def test_argon2_checks_are_bounded_and_the_rest_answer_503(
    start_gateway: StartGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    gw = start_gateway(legacy_secret_verifications=1, rate_limit_token="1000/minute")
    created = gw.create_client("bank", issue_client_secret=True)
    client_id, secret = created["client"]["id"], created["client_secret"]
    _store_argon2(gw, client_id, secret)
    real = argon2.PasswordHasher.verify
    running = [0, 0]  # now, most at once

    def slow(self: argon2.PasswordHasher, stored: str, password: str) -> bool:
        running[0] += 1
        running[1] = max(running)
        try:
            time.sleep(0.5)
            return bool(real(self, stored, password))
        finally:
            running[0] -= 1

    monkeypatch.setattr(argon2.PasswordHasher, "verify", slow)
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: _post_token(gw.url, (client_id, "tcs_x")), range(6)))
    statuses = sorted(answer.status_code for answer in answers)
    assert running[1] == 1
    assert 401 in statuses and 503 in statuses and set(statuses) <= {401, 503}, statuses
    busy = next(answer for answer in answers if answer.status_code == 503)
    assert busy.json()["error"] == "temporarily_unavailable"
    assert busy.headers["retry-after"] == "1" and busy.headers["cache-control"] == "no-store"
