"""Demo data: one client per kind and a second admin with known keys, idempotent, development
only."""

import pytest

from gateway.demo import demo_key, seed_demo
from gateway.settings import GatewaySettings
from tests.conftest import DatabaseTarget
from tests.gateway.conftest import StartGateway


def test_seed_is_idempotent_and_keys_work(
    database_target: DatabaseTarget, start_gateway: StartGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = GatewaySettings(
        environment="development",
        database_url=database_target.url,
        database_schema=database_target.schema,
    )
    keys = seed_demo(settings)
    assert seed_demo(settings, quiet=True) == keys
    assert set(keys) == {
        "admin", "approver", "department", "bank", "provider", "portal", "enterprise"
    }  # fmt: skip
    assert keys["bank"] == demo_key("bank") and keys["bank"] in capsys.readouterr().out
    gw = start_gateway(database_url=database_target.url, database_schema=database_target.schema)
    who = gw.http.get("/registry/v1/whoami", headers={"Authorization": f"Bearer {keys['bank']}"})
    assert who.status_code == 200 and who.json()["client_id"] == "cli_demo_bank"
    clients = gw.http.get("/admin/v1/clients", headers={"X-API-Key": keys["admin"]}).json()["items"]
    assert len(clients) == 7
    approver = gw.http.get("/registry/v1/whoami", headers={"X-API-Key": keys["approver"]}).json()
    assert (approver["client_id"], approver["kind"]) == ("cli_demo_approver", "admin")


def test_seed_refuses_outside_development() -> None:
    with pytest.raises(RuntimeError, match="demo data is for development only"):
        seed_demo(GatewaySettings(environment="test"))


def test_production_refuses_defaults() -> None:
    from services.common.settings import InsecureConfiguration

    with pytest.raises(InsecureConfiguration, match="signing_key_file is a development default"):
        GatewaySettings(environment="production", database_url="postgresql://x/y")
    with pytest.raises(InsecureConfiguration, match="bootstrap_admin_key is not a generated key"):
        GatewaySettings(
            environment="production",
            database_url="postgresql://x/y",
            signing_key_file="/etc/gateway/key.pem",
            internal_jwks="/etc/gateway/jwks.json",
            bootstrap_admin_key="short",
        )


def test_production_takes_only_a_generated_bootstrap_key() -> None:
    from gateway.auth.apikeys import generate_api_key
    from services.common.settings import InsecureConfiguration

    production = {
        "environment": "production",
        "database_url": "postgresql://x/y",
        "signing_key_file": "/etc/gateway/key.pem",
        "internal_jwks": "/etc/gateway/jwks.json",
    }
    for weak in (
        "x" * 64,  # long but typed
        "tsk_" + "A" * 43,  # the shape, no entropy
        "tsk_" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"[:42],  # one character short
        "abc_" + generate_api_key("tsk")[4:],  # another prefix
        "test-bootstrap-admin-key-0123456789abcdef",
    ):
        with pytest.raises(InsecureConfiguration, match="bootstrap_admin_key"):
            GatewaySettings(**production, bootstrap_admin_key=weak)
    settings = GatewaySettings(**production, bootstrap_admin_key=generate_api_key("tsk"))
    assert settings.bootstrap_admin_key is not None
