"""Internal tokens: only a valid, unexpired token from the gateway's key, for this service, passes."""

import dataclasses
import time

import jwt
import pytest
from fastapi.testclient import TestClient

from services.common.identity import ClientKind, Principal
from services.common.tokens import (
    InternalTokenSigner,
    InvalidToken,
    TokenVerifier,
    generate_ed25519_pem,
    jwks_of,
)
from tests.common.test_errors import assert_problem


def test_no_token_is_401(client: TestClient) -> None:
    response = client.get("/v1/widgets")
    assert_problem(response, 401, "missing_token")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_token_signed_by_another_key_is_401(client: TestClient) -> None:
    other = InternalTokenSigner(generate_ed25519_pem(), "test-key-1")
    token = other.mint(sub="x", kind="admin", org=None, scopes=["widgets:write"], audience="kernel")
    response = client.get("/v1/widgets", headers={"Authorization": f"Bearer {token}"})
    assert_problem(response, 401, "invalid_token")


def test_token_for_another_audience_is_401(client: TestClient, auth_headers) -> None:
    response = client.get("/v1/widgets", headers=auth_headers("registry", kind="admin"))
    body = assert_problem(response, 401, "invalid_token")
    assert "audience" in body["detail"]


def test_expired_token_is_401(client: TestClient, signer: InternalTokenSigner) -> None:
    token = signer.mint(
        sub="x", kind="admin", org=None, scopes=[], audience="kernel", ttl_seconds=-60
    )
    body = assert_problem(
        client.get("/v1/widgets", headers={"Authorization": f"Bearer {token}"}),
        401,
        "invalid_token",
    )
    assert "expired" in body["detail"]


def test_token_from_another_issuer_is_401(client: TestClient, signing_key: bytes) -> None:
    rogue = InternalTokenSigner(signing_key, "test-key-1", issuer="someone-else")
    token = rogue.mint(sub="x", kind="admin", org=None, scopes=[], audience="kernel")
    assert_problem(
        client.get("/v1/widgets", headers={"Authorization": f"Bearer {token}"}),
        401,
        "invalid_token",
    )


def test_unsigned_or_garbage_token_is_401(client: TestClient) -> None:
    none_alg = jwt.encode(
        {"sub": "x", "aud": "kernel", "exp": int(time.time()) + 60}, key=None, algorithm="none"
    )
    for token in ("garbage", none_alg, "a.b.c"):
        assert_problem(
            client.get("/v1/widgets", headers={"Authorization": f"Bearer {token}"}),
            401,
            "invalid_token",
        )


def test_missing_scope_is_403(client: TestClient, reader: dict) -> None:
    response = client.post(
        "/v1/widgets", json={"name": "w"}, headers={**reader, "Idempotency-Key": "k"}
    )
    body = assert_problem(response, 403, "insufficient_scope")
    assert "widgets:write" in body["detail"]


def test_valid_token_passes(client: TestClient, reader: dict) -> None:
    assert client.get("/v1/widgets", headers=reader).status_code == 200


def test_rotation_accepts_both_keys_of_the_jwks() -> None:
    old, new = generate_ed25519_pem(), generate_ed25519_pem()
    verifier = TokenVerifier(
        jwks_of((old, "k-old"), (new, "k-new")), issuer="taiyuan-gateway", audience="svc"
    )
    for pem, kid in ((old, "k-old"), (new, "k-new")):
        token = InternalTokenSigner(pem, kid).mint(
            sub="c", kind="bank", org="B1", scopes=["a"], audience="svc"
        )
        claims = verifier.verify(token)
        assert (claims.client_id, claims.kind, claims.org, claims.scopes) == (
            "c",
            "bank",
            "B1",
            frozenset({"a"}),
        )


def test_token_whose_key_the_jwks_does_not_list_is_refused(signer: InternalTokenSigner) -> None:
    verifier = TokenVerifier(
        jwks_of((generate_ed25519_pem(), "other")), issuer="taiyuan-gateway", audience="svc"
    )
    token = signer.mint(sub="c", kind="bank", org="O", scopes=[], audience="svc")
    with pytest.raises(InvalidToken, match="unknown signing key"):
        verifier.verify(token)


def test_a_remembered_token_still_expires(signing_key: bytes, signer: InternalTokenSigner) -> None:
    verifier = TokenVerifier(
        jwks_of((signing_key, "test-key-1")), issuer="taiyuan-gateway", audience="svc", leeway=0
    )
    token = signer.mint(sub="c", kind="bank", org="B", scopes=[], audience="svc", ttl_seconds=1)
    assert verifier.verify(token).client_id == "c"
    assert verifier.verify(token).client_id == "c"  # served from memory
    time.sleep(1.2)
    with pytest.raises(InvalidToken, match="expired"):
        verifier.verify(token)


@pytest.mark.parametrize("kind", list(ClientKind))
def test_a_principal_says_whether_it_is_the_admin_and_whether_it_acts_for_another(
    kind: ClientKind,
) -> None:
    own = Principal(client_id="cli_a", kind=kind, org="X", scopes=frozenset())
    acting = Principal(
        client_id="cli_a", kind=kind, org="X", scopes=frozenset(), actor="cli_portal"
    )
    assert own.is_admin is acting.is_admin is (kind == "admin")
    assert own.on_behalf is False
    assert acting.on_behalf is True


def test_a_principal_cannot_be_changed_once_verified() -> None:
    """A handler cannot widen the caller it was given (scopes, organisation or kind)."""
    principal = Principal(client_id="cli_a", kind=ClientKind.BANK, org="X", scopes=frozenset())
    for field, value in (
        ("scopes", frozenset({"credit:admin"})),
        ("org", "Y"),
        ("kind", ClientKind.ADMIN),
    ):
        with pytest.raises(
            dataclasses.FrozenInstanceError, match=f"cannot assign to field '{field}'"
        ):
            setattr(principal, field, value)
    assert principal == Principal(
        client_id="cli_a", kind=ClientKind.BANK, org="X", scopes=frozenset()
    )
