"""The public ledger's checkpoint key: from a setting or a file, generated in development."""

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.common.settings import InsecureConfiguration
from services.common.tokens import generate_ed25519_pem, public_jwk, thumbprint_kid
from services.funding.settings import FundingSettings

log = logging.getLogger("services.funding.ledger_key")
KID_PREFIX = "ledger-"


@dataclass(frozen=True)
class LedgerKey:
    """The Ed25519 key that signs checkpoints, and its key id."""

    private: Ed25519PrivateKey
    pem: bytes
    kid: str

    def jwk(self) -> dict[str, Any]:
        """The public JWK anyone verifies checkpoints with."""
        return public_jwk(self.pem, self.kid)


def _read_or_create(path: Path, *, create: bool) -> bytes:
    if path.exists():
        return path.read_bytes()
    if not create:
        raise InsecureConfiguration(
            f"no public-ledger signing key at {path}; set FUNDING_LEDGER_SIGNING_KEY_PEM"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = generate_ed25519_pem()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it meanwhile
        return path.read_bytes()
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    log.info("generated a development public-ledger signing key at %s", path)
    return pem


def load_ledger_key(settings: FundingSettings) -> LedgerKey:
    """The key from settings; outside production a missing key file is generated."""
    if settings.ledger_signing_key_pem is not None:
        pem = settings.ledger_signing_key_pem.get_secret_value().encode()
    else:
        path = Path(settings.ledger_signing_key_file)
        pem = _read_or_create(path, create=settings.environment != "production")
    private = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError("the public-ledger signing key must be Ed25519")
    kid = settings.ledger_key_id or thumbprint_kid(pem, prefix=KID_PREFIX)
    return LedgerKey(private=private, pem=pem, kid=kid)


def ensure_ledger_key(settings: FundingSettings | None = None) -> str:
    """Create the development key if missing (`make run`); returns its key id."""
    return load_ledger_key(settings or FundingSettings()).kid
