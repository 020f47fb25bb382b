"""The gateway's signing keys: the current one signs, the previous one stays published."""

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.settings import GatewaySettings, jwks_path
from services.common.settings import InsecureConfiguration
from services.common.tokens import generate_ed25519_pem, jwks_of, thumbprint_kid

log = logging.getLogger("gateway.keys")


@dataclass(frozen=True)
class KeyRing:
    """The current private key (PEM, kid) and optionally the previous public key."""

    current_pem: bytes
    current_kid: str
    previous_pem: bytes | None = None
    previous_kid: str | None = None

    def jwks(self) -> dict[str, Any]:
        """The public JWKS: current key first, then the previous one during a rotation."""
        keys = [(self.current_pem, self.current_kid)]
        if self.previous_pem is not None and self.previous_kid:
            keys.append((self.previous_pem, self.previous_kid))
        return jwks_of(*keys)


def _read_or_create(path: Path, *, create: bool) -> bytes:
    if path.exists():
        return path.read_bytes()
    if not create:
        raise InsecureConfiguration(f"no signing key at {path}; set GATEWAY_SIGNING_KEY_PEM")
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = generate_ed25519_pem()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    log.info("generated a development signing key at %s", path)
    return pem


def load_keyring(settings: GatewaySettings) -> KeyRing:
    """The key ring from settings; in development a missing key file is generated."""
    if settings.signing_key_pem is not None:
        pem = settings.signing_key_pem.get_secret_value().encode()
    else:
        create = settings.environment != "production"
        try:
            pem = _read_or_create(Path(settings.signing_key_file), create=create)
        except FileExistsError:  # another process created it meanwhile
            pem = Path(settings.signing_key_file).read_bytes()
    previous = (
        settings.previous_public_key_pem.encode() if settings.previous_public_key_pem else None
    )
    return KeyRing(
        current_pem=pem,
        current_kid=settings.signing_key_id or thumbprint_kid(pem),
        previous_pem=previous,
        previous_kid=(settings.previous_key_id or thumbprint_kid(previous)) if previous else None,
    )


def write_jwks(settings: GatewaySettings, keyring: KeyRing) -> Path | None:
    """Write the public JWKS where services read it (development and single-host runs)."""
    path = jwks_path(settings)
    if path is None or not settings.write_jwks_file:
        return None
    document = json.dumps(keyring.jwks(), indent=2)
    if path.exists() and path.read_text() == document:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(document)
    tmp.replace(path)
    return path


def ensure_keys(settings: GatewaySettings | None = None) -> Path | None:
    """Create the development key and JWKS file if missing (`python -m gateway.auth.signing`)."""
    settings = settings or GatewaySettings()
    return write_jwks(settings, load_keyring(settings))


if __name__ == "__main__":
    print(ensure_keys())
