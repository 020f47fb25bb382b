"""API key material: generation, display prefix and the stored hash."""

import base64
import binascii
import hashlib
import re
import secrets

DISPLAY_PREFIX_LENGTH = 12


def generate_api_key(prefix: str) -> str:
    """A new key: `<prefix>_` and 256 random bits, URL-safe."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


_KEY_BODY = re.compile(r"^[A-Za-z0-9_-]{43}$")
# A token_urlsafe(32) body has ~30 distinct characters; 16 leaves room and refuses patterns.
_MIN_DISTINCT = 16


def is_generated_key(key: str, prefix: str) -> bool:
    """Whether `key` has the shape and strength of `generate_api_key(prefix)`: the prefix, and
    256 bits in URL-safe base64 that do not look typed (enough distinct characters)."""
    head, sep, body = key.partition("_")
    if head != prefix or not sep or not _KEY_BODY.match(body):
        return False
    try:
        raw = base64.urlsafe_b64decode(body + "=")
    except (binascii.Error, ValueError):
        return False
    return len(raw) == 32 and len(set(body)) >= _MIN_DISTINCT


def hash_api_key(key: str) -> str:
    """SHA-256 hex of a key: enough for 256-bit random secrets, and cheap on the hot path."""
    return hashlib.sha256(key.encode()).hexdigest()


def display_prefix(key: str) -> str:
    """The first characters of a key, safe to show and log."""
    return key[:DISPLAY_PREFIX_LENGTH]


def generate_client_secret() -> str:
    """A new OAuth client secret."""
    return "tcs_" + secrets.token_urlsafe(32)


if (
    __name__ == "__main__"
):  # `python -m gateway.auth.apikeys [prefix]`: a key for the bootstrap admin
    import sys

    print(generate_api_key(sys.argv[1] if len(sys.argv) > 1 else "tsk"))
