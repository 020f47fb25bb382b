"""OAuth client secrets at rest: keyed SHA-256, with a bounded check of older argon2id hashes.

Secrets are 256 random bits, so a slow hash adds nothing but cost: argon2id needs 64 MiB per
check, and 40 concurrent token requests took the gateway past 1 GiB. A secret is stored as
`hmac-sha256$<hex>`, the HMAC keyed by the client id (a hash copied onto another client does
not verify) and compared in constant time. Hashes written before (`$argon2id$…`) still verify,
at most `legacy_secret_verifications` at a time (beyond: `VerifierBusy`, a 503), and are
rewritten in the new form on their first successful check.
"""

import hashlib
import hmac
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

SCHEME = "hmac-sha256$"
_argon2 = PasswordHasher()


class VerifierBusy(Exception):
    """Every slot for an argon2id check is taken: answer 503, retry shortly."""


def hash_client_secret(client_id: str, secret: str) -> str:
    """The stored form of a client's secret."""
    digest = hmac.new(client_id.encode(), secret.encode(), hashlib.sha256).hexdigest()
    return SCHEME + digest


def is_legacy(stored: str) -> bool:
    """Whether a stored hash predates keyed SHA-256 (an argon2 hash)."""
    return not stored.startswith(SCHEME)


class SecretVerifier:
    """Checks a presented secret against its stored hash; argon2 checks are bounded."""

    def __init__(self, *, max_legacy: int) -> None:
        self._legacy = threading.BoundedSemaphore(max_legacy)

    def verify(self, *, client_id: str, secret: str, stored: str | None) -> bool:
        """Whether `secret` is the one `stored` was made from (same work for unknown clients)."""
        if stored is None or not is_legacy(stored):
            expected = stored or SCHEME + "0" * 64
            matches = hmac.compare_digest(hash_client_secret(client_id, secret), expected)
            return matches and stored is not None
        if not self._legacy.acquire(blocking=False):
            raise VerifierBusy
        try:
            return bool(_argon2.verify(stored, secret))
        except (VerificationError, InvalidHashError):
            return False
        finally:
            self._legacy.release()
