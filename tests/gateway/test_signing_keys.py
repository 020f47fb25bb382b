"""The gateway's signing-key file: generated once in development (owner-only), never in
production; the JWKS file services read follows the key."""

import json
import stat
from pathlib import Path

import jwt
import pytest

from gateway.auth.signing import ensure_keys, load_keyring
from gateway.settings import GatewaySettings
from services.common.settings import InsecureConfiguration
from services.common.tokens import InternalTokenSigner


def _settings(tmp_path: Path, **overrides: object) -> GatewaySettings:
    return GatewaySettings(
        database_url=f"sqlite:///{tmp_path}/g.db",
        signing_key_file=str(tmp_path / "keys" / "signing.pem"),
        internal_jwks=str(tmp_path / "shared" / "jwks.json"),
        **overrides,  # type: ignore[arg-type]
    )


def test_development_generates_the_key_once_owner_only_and_publishes_its_jwks(
    tmp_path: Path,
) -> None:
    settings = _settings(tmp_path)
    key_file, jwks_file = Path(settings.signing_key_file), tmp_path / "shared" / "jwks.json"
    assert not key_file.exists()
    assert ensure_keys(settings) == jwks_file
    pem = key_file.read_bytes()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # Published: a token the gateway signs verifies with the JWKS file, by its kid.
    keyring = load_keyring(settings)
    assert keyring.current_pem == pem  # read back, not generated again
    published = json.loads(jwks_file.read_text())
    [jwk] = published["keys"]
    assert jwk["kid"] == keyring.current_kid and "d" not in jwk  # no private part
    token = InternalTokenSigner(pem, keyring.current_kid, settings.issuer).mint(
        sub="cli_x", kind="bank", org=None, scopes=["registry:read"], audience="registry"
    )
    public = jwt.PyJWK(jwk).key
    claims = jwt.decode(token, public, algorithms=["EdDSA"], audience="registry")
    assert claims["sub"] == "cli_x"
    # A second run changes neither file.
    written = jwks_file.stat().st_mtime_ns
    assert ensure_keys(settings) == jwks_file
    assert key_file.read_bytes() == pem and jwks_file.stat().st_mtime_ns == written


def test_production_never_generates_a_missing_key(tmp_path: Path) -> None:
    settings = _settings(tmp_path).model_copy(update={"environment": "production"})
    with pytest.raises(InsecureConfiguration, match=r"no signing key at .*signing\.pem"):
        load_keyring(settings)
    assert not Path(settings.signing_key_file).exists()


def test_an_existing_key_file_is_used_as_it_is(tmp_path: Path) -> None:
    first = load_keyring(_settings(tmp_path))
    production = _settings(tmp_path).model_copy(update={"environment": "production"})
    again = load_keyring(production)
    assert again.current_pem == first.current_pem and again.current_kid == first.current_kid


def test_a_key_created_by_another_process_meanwhile_is_read_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gateway.auth import signing

    settings = _settings(tmp_path)
    theirs = load_keyring(_settings(tmp_path / "other")).current_pem
    real_open = signing.os.open

    def racing_open(path, flags, mode=0o777):  # type: ignore[no-untyped-def]
        # The other process wins the race between our exists() check and our create.
        Path(path).write_bytes(theirs)
        return real_open(path, flags, mode)

    monkeypatch.setattr(signing.os, "open", racing_open)
    assert load_keyring(settings).current_pem == theirs
    assert Path(settings.signing_key_file).read_bytes() == theirs
