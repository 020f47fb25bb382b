"""`python -m services.manage`: keys, migrations and the banner, as `make run` uses them."""

import sqlite3
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from services import manage
from services.common.migrations import version_table

PREFIXES = {
    "gateway": "GATEWAY",
    "registry": "REGISTRY",
    "funding": "FUNDING",
    "credit": "CREDIT",
    "vouchers": "VOUCHERS",
}


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Every component pointed at its own SQLite file under tmp_path."""
    monkeypatch.chdir(tmp_path)
    jwks = tmp_path / "shared" / "jwks.json"
    databases = {}
    for name, prefix in PREFIXES.items():
        databases[name] = tmp_path / f"{name}.db"
        monkeypatch.setenv(f"{prefix}_DATABASE_URL", f"sqlite:///{databases[name]}")
        monkeypatch.setenv(f"{prefix}_INTERNAL_JWKS", str(jwks))
    monkeypatch.setenv("GATEWAY_SIGNING_KEY_FILE", str(tmp_path / "keys" / "signing.pem"))
    ledger_key = tmp_path / "keys" / "ledger.pem"
    monkeypatch.setenv("FUNDING_LEDGER_SIGNING_KEY_FILE", str(ledger_key))
    return {
        "jwks": jwks,
        "key": tmp_path / "keys" / "signing.pem",
        "ledger_key": ledger_key,
        **databases,
    }


def _revision(name: str, database: Path) -> str:
    with sqlite3.connect(database) as connection:
        [(revision,)] = connection.execute(
            f"SELECT version_num FROM {version_table(name)}"
        ).fetchall()
    return str(revision)


def test_keys_then_migrate_brings_every_component_to_head_idempotently(
    environment: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert manage.main(["keys"]) == 0
    assert environment["key"].exists() and environment["jwks"].exists()
    ledger_key = environment["ledger_key"].read_bytes()  # the public ledger's checkpoint key
    assert ledger_key.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert manage.main(["keys"]) == 0 and environment["ledger_key"].read_bytes() == ledger_key
    assert manage.main(["migrate"]) == 0
    printed = capsys.readouterr().out
    revisions = {}
    for component in manage.COMPONENTS:
        assert f"migrated {component.name}" in printed
        revisions[component.name] = _revision(component.name, environment[component.name])
        head = ScriptDirectory(str(component.migrations)).get_current_head()
        assert revisions[component.name] == head, component.name
    # Again: nothing to do, nothing changes.
    assert manage.main(["migrate"]) == 0
    assert {c.name: _revision(c.name, environment[c.name]) for c in manage.COMPONENTS} == revisions


def test_banner_names_every_component(capsys: pytest.CaptureFixture[str]) -> None:
    assert manage.main(["banner"]) == 0
    printed = capsys.readouterr().out
    assert "gateway   http://127.0.0.1:8000" in printed
    for component in manage.COMPONENTS:
        assert f"http://127.0.0.1:{component.port}" in printed


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit, match=r"^2$"):
        manage.main(["explode"])
    assert "invalid choice: 'explode'" in capsys.readouterr().err


def test_a_component_whose_package_is_absent_is_skipped_not_an_error() -> None:
    assert manage._callable("services.registry.not_yet_built:seed") is None
    with pytest.raises(ModuleNotFoundError, match="no_such_dependency"):
        manage._callable("tests.manage_broken_module:seed")


def test_prepare_provisions_clients_and_seeds_the_demo_once(
    environment: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert manage.main(["prepare"]) == 0
    first = capsys.readouterr().out
    assert "gateway   http://127.0.0.1:8000" in first  # the banner ends a prepare
    with sqlite3.connect(environment["registry"]) as connection:
        [(enterprises,)] = connection.execute("SELECT COUNT(*) FROM enterprises").fetchall()
    with sqlite3.connect(environment["gateway"]) as connection:
        [(clients,)] = connection.execute("SELECT COUNT(*) FROM gateway_clients").fetchall()
    assert enterprises > 0 and clients > 0
    # Seeding and provisioning again add nothing; without the banner, their lines are printed.
    assert manage.main(["clients"]) == 0
    assert manage.main(["seed"]) == 0
    again = capsys.readouterr().out
    assert "gateway   http://127.0.0.1:8000" not in again  # no banner
    assert "registry demo data: 0 enterprises filed now" in again
    with sqlite3.connect(environment["registry"]) as connection:
        assert connection.execute("SELECT COUNT(*) FROM enterprises").fetchall() == [(enterprises,)]
    with sqlite3.connect(environment["gateway"]) as connection:
        assert connection.execute("SELECT COUNT(*) FROM gateway_clients").fetchall() == [(clients,)]
