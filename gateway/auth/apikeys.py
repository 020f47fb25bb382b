"""API key material: generation, display prefix and the stored hash."""

import hashlib
import secrets

DISPLAY_PREFIX_LENGTH = 12


def generate_api_key(prefix: str) -> str:
    """A new key: `<prefix>_` and 256 random bits, URL-safe."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def hash_api_key(key: str) -> str:
    """SHA-256 hex of a key: enough for 256-bit random secrets, and cheap on the hot path."""
    return hashlib.sha256(key.encode()).hexdigest()


def display_prefix(key: str) -> str:
    """The first characters of a key, safe to show and log."""
    return key[:DISPLAY_PREFIX_LENGTH]


def generate_client_secret() -> str:
    """A new OAuth client secret."""
    return "tcs_" + secrets.token_urlsafe(32)
