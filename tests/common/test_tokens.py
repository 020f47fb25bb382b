"""The kernel's JWT module: keys from PEM and JWKS, what a verifier refuses, its cache."""

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key

from services.common.tokens import (
    DEFAULT_ISSUER,
    InternalTokenSigner,
    InvalidToken,
    JwtSigner,
    TokenVerifier,
    generate_ed25519_pem,
    jwks_of,
    load_jwks,
    public_jwk,
    thumbprint_kid,
)


def _public_pem(private_pem: bytes) -> bytes:
    key = serialization.load_pem_private_key(private_pem, password=None)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_a_public_pem_names_and_publishes_the_same_key_as_its_private_pem() -> None:
    private = generate_ed25519_pem()
    public = _public_pem(private)
    assert thumbprint_kid(public) == thumbprint_kid(private)
    assert thumbprint_kid(public).startswith("gw-")
    assert public_jwk(public, "k1") == public_jwk(private, "k1")
    assert public_jwk(public, "k1")["kty"] == "OKP" and "d" not in public_jwk(public, "k1")


def test_jwks_loads_from_inline_json_or_a_file_and_needs_a_keys_list(tmp_path: Path) -> None:
    document = jwks_of((generate_ed25519_pem(), "k1"))
    inline = json.dumps(document)
    assert load_jwks(f"  {inline}\n") == document
    path = tmp_path / "jwks.json"
    path.write_text(inline)
    assert load_jwks(str(path)) == document
    for bad in ('{"keys": {}}', "[]", '{"other": []}'):
        path.write_text(bad)
        with pytest.raises(ValueError, match="needs a 'keys' list"):
            load_jwks(str(path))
    with pytest.raises(ValueError, match="needs a 'keys' list"):
        load_jwks('{"keys": "k1"}')


def test_only_an_ed25519_key_signs() -> None:
    ec = generate_private_key(SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(ValueError, match="must be Ed25519"):
        JwtSigner(ec, "k1")


def _verifier(pem: bytes, *extra: dict) -> TokenVerifier:
    jwks = jwks_of((pem, "k1"))
    jwks["keys"].extend(extra)
    return TokenVerifier(jwks, issuer=DEFAULT_ISSUER, audience="kernel")


def test_keys_other_than_okp_or_without_a_kid_are_ignored() -> None:
    pem, other = generate_ed25519_pem(), generate_ed25519_pem()
    unnamed = {k: v for k, v in public_jwk(other, "k2").items() if k != "kid"}
    rsa_like = {**public_jwk(other, "k3"), "kty": "RSA"}
    verifier = _verifier(pem, unnamed, rsa_like)
    signed = InternalTokenSigner(pem, "k1").mint(
        sub="cli_a", kind="bank", org="B1", scopes=["x:read"], audience="kernel"
    )
    assert verifier.verify(signed).client_id == "cli_a"
    for kid in ("k2", "k3"):
        token = InternalTokenSigner(other, kid).mint(
            sub="cli_b", kind="bank", org="B1", scopes=[], audience="kernel"
        )
        with pytest.raises(InvalidToken, match="unknown signing key"):
            verifier.verify(token)


def test_a_token_without_a_kind_or_with_a_malformed_act_is_refused() -> None:
    pem = generate_ed25519_pem()
    signer = InternalTokenSigner(pem, "k1")
    verifier = _verifier(pem)
    base = {"sub": "cli_a", "org": "B1", "scopes": [], "audience": "kernel"}
    kindless = signer.mint(kind="bank", extra={"kind": None}, **base)
    with pytest.raises(InvalidToken, match="no client kind"):
        verifier.verify(kindless)
    for act in ({"sub": ""}, {"sub": 7}, {}, "cli_portal", ["cli_portal"]):
        token = signer.mint(kind="enterprise", extra={"act": act}, **base)
        with pytest.raises(InvalidToken, match="malformed act claim"):
            verifier.verify(token)
    acting = signer.mint(kind="enterprise", extra={"act": {"sub": "cli_portal"}}, **base)
    assert verifier.verify(acting).actor == "cli_portal"


def test_the_verified_cache_is_bounded_and_still_verifies_after_it_clears(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pem = generate_ed25519_pem()
    signer = InternalTokenSigner(pem, "k1")
    verifier = _verifier(pem)
    monkeypatch.setattr(TokenVerifier, "CACHE_SIZE", 3)
    tokens = [
        signer.mint(sub=f"cli_{n}", kind="bank", org="B1", scopes=[], audience="kernel")
        for n in range(5)
    ]
    for token in tokens:
        verifier.verify(token)
    assert len(verifier._verified) <= 3
    # A token dropped from the cache is verified again, not refused.
    assert [verifier.verify(t).client_id for t in tokens] == [f"cli_{n}" for n in range(5)]
