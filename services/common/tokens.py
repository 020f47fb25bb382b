"""JWTs, in one module: Ed25519 keys, JWKS, signing and verification.

The gateway signs internal tokens (services verify them) and OAuth access tokens (it verifies
them itself); both go through `JwtSigner` and `JwtVerifier`.
"""

import base64
import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

from services.common.ids import new_id

ALGORITHM = "EdDSA"
DEFAULT_ISSUER = "taiyuan-gateway"


def generate_ed25519_pem() -> bytes:
    """A new Ed25519 private key in PKCS#8 PEM."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _public_key(pem: bytes) -> Ed25519PublicKey:
    if b"PRIVATE KEY" in pem:
        private = serialization.load_pem_private_key(pem, password=None)
        assert isinstance(private, Ed25519PrivateKey)
        return private.public_key()
    public = serialization.load_pem_public_key(pem)
    assert isinstance(public, Ed25519PublicKey)
    return public


def thumbprint_kid(pem: bytes, prefix: str = "gw-") -> str:
    """A stable key id: the start of the RFC 7638 thumbprint of the public key."""
    raw = _public_key(pem).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return prefix + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()[:16]


def public_jwk(pem: bytes, kid: str) -> dict[str, Any]:
    """The public JWK (OKP, Ed25519) of a private or public PEM key."""
    jwk = json.loads(OKPAlgorithm.to_jwk(_public_key(pem)))
    return {**jwk, "kid": kid, "alg": ALGORITHM, "use": "sig"}


def jwks_of(*keys: tuple[bytes, str]) -> dict[str, Any]:
    """A JWKS document for (pem, kid) pairs."""
    return {"keys": [public_jwk(pem, kid) for pem, kid in keys]}


def load_jwks(source: str) -> dict[str, Any]:
    """A JWKS from inline JSON or from a file path."""
    text = source.strip()
    if not text.startswith("{"):
        text = Path(text).read_text()
    document = json.loads(text)
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("a JWKS document needs a 'keys' list")
    return document


class JwtSigner:
    """Signs JWTs with one Ed25519 key (loaded once), naming it by `kid`."""

    def __init__(self, private_key_pem: bytes, kid: str, issuer: str = DEFAULT_ISSUER) -> None:
        key = serialization.load_pem_private_key(private_key_pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the signing key must be Ed25519")
        self._key: Ed25519PrivateKey = key
        self.kid = kid
        self.issuer = issuer

    def sign(self, claims: Mapping[str, Any], *, typ: str | None = None) -> str:
        """A signed JWT of these claims (`typ` in the header when given)."""
        headers: dict[str, str] = {"kid": self.kid}
        if typ is not None:
            headers["typ"] = typ
        return jwt.encode(dict(claims), self._key, algorithm=ALGORITHM, headers=headers)


class InternalTokenSigner(JwtSigner):
    """Mints internal tokens for the services."""

    def mint(
        self,
        *,
        sub: str,
        kind: str,
        org: str | None,
        scopes: list[str] | tuple[str, ...],
        audience: str,
        ttl_seconds: int = 120,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        """A signed token for one client, acting for `org`, towards one service."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": sub,
            "aud": audience,
            "kind": kind,
            "org": org,
            "scope": " ".join(scopes),
            "iat": now,
            "exp": now + ttl_seconds,
            "jti": new_id("tok"),
            **(extra or {}),
        }
        return self.sign(claims)


@dataclass(frozen=True, slots=True)
class VerifiedClaims:
    """What a verified internal token says about its caller."""

    client_id: str
    kind: str
    org: str | None
    scopes: frozenset[str]
    jti: str
    expires_at: int
    actor: str | None = None  # RFC 8693 `act.sub`: the portal acting for `org`


class InvalidToken(Exception):
    """The token is missing, malformed, badly signed, expired or not for this service."""


class TokenExpired(InvalidToken):
    """The token's `exp` has passed."""


class JwtVerifier:
    """Verifies JWTs against a JWKS (keys parsed once): signature, issuer, audience, expiry."""

    REQUIRED = ("exp", "iat", "sub", "aud", "iss", "jti")

    def __init__(self, jwks: Mapping[str, Any], *, issuer: str, audience: str, leeway: int = 5):
        self._keys: dict[str, Any] = {}
        for jwk in jwks.get("keys", []):
            if jwk.get("kty") == "OKP" and jwk.get("kid"):
                self._keys[jwk["kid"]] = OKPAlgorithm.from_jwk(json.dumps(jwk))
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway

    def decode(self, token: str, *, typ: str | None = None) -> dict[str, Any]:
        """The claims of a valid token (of header type `typ` when given), or `InvalidToken`."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("malformed token") from exc
        kid = header.get("kid")
        key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise InvalidToken("unknown signing key")
        if typ is not None and header.get("typ") != typ:
            raise InvalidToken("token of another type")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": list(self.REQUIRED)},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenExpired("token expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise InvalidToken("token is for another audience") from exc
        except jwt.InvalidIssuerError as exc:
            raise InvalidToken("token from an unknown issuer") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken("invalid token") from exc
        return claims


class TokenVerifier(JwtVerifier):
    """Verifies internal tokens against a JWKS; keys are parsed once, at construction.

    The gateway reuses a token per client until it nears expiry, so verified tokens are
    remembered (until their `exp`) and a repeat costs a dictionary look-up, not a signature check.
    """

    CACHE_SIZE = 10_000

    def __init__(self, jwks: Mapping[str, Any], *, issuer: str, audience: str, leeway: int = 5):
        super().__init__(jwks, issuer=issuer, audience=audience, leeway=leeway)
        self._verified: dict[str, VerifiedClaims] = {}

    def verify(self, token: str) -> VerifiedClaims:
        """The claims of a valid token, or `InvalidToken` saying why not."""
        cached = self._verified.get(token)
        if cached is not None:
            if cached.expires_at + self.leeway > time.time():
                return cached
            self._verified.pop(token, None)
        claims = self._verify_signature(token)
        if len(self._verified) >= self.CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = claims
        return claims

    def _verify_signature(self, token: str) -> VerifiedClaims:
        claims = self.decode(token)
        kind = claims.get("kind")
        if not isinstance(kind, str):
            raise InvalidToken("token has no client kind")
        scope = claims.get("scope") or ""
        org = claims.get("org")
        act = claims.get("act")
        actor = act.get("sub") if isinstance(act, dict) else None
        if act is not None and not (isinstance(actor, str) and actor):
            raise InvalidToken("token has a malformed act claim")
        return VerifiedClaims(
            client_id=str(claims["sub"]),
            kind=kind,
            org=org if isinstance(org, str) and org else None,
            scopes=frozenset(scope.split()) if isinstance(scope, str) else frozenset(),
            jti=str(claims["jti"]),
            expires_at=int(claims["exp"]),
            actor=actor,
        )
