"""The public ledger through the gateway, as anyone reads it: no key to read or verify
(`python -m services.funding.verify <gateway url>`), an admin's key to ask for a checkpoint."""

import csv
import io
import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from services.common.tokens import generate_ed25519_pem
from services.funding.app import MIGRATIONS, create_app
from services.funding.settings import FundingSettings
from services.funding.verify import main
from tests.conftest import DatabaseTarget
from tests.funding.ledger_support import execute, publish_many
from tests.gateway.conftest import RunningGateway, StartGateway
from tests.servers import serve
from tests.support import migrated_settings


@pytest.fixture
def funding_app(database_target: DatabaseTarget, jwks_json: str) -> FastAPI:
    """A funding service with three published records."""
    settings = migrated_settings(
        FundingSettings,
        target=database_target,
        jwks_json=jwks_json,
        migrations=MIGRATIONS,
        ledger_signing_key_pem=generate_ed25519_pem().decode(),
    )
    app = create_app(settings)
    publish_many(app, 3)
    return app


@pytest.fixture
def stack(start_gateway: StartGateway, funding_app: FastAPI) -> Iterator[RunningGateway]:
    """A gateway in front of that funding service."""
    with serve(funding_app) as funding_url:
        httpx.get(f"{funding_url}/openapi.json", timeout=60).raise_for_status()
        running = start_gateway(funding_url=funding_url)
        yield running
        running.links.follow(running.http)  # while the funding service still runs
        running.links.locations.clear()  # followed: nothing left for the gateway's teardown


def test_anyone_verifies_the_ledger_through_the_gateway(
    stack: RunningGateway, funding_app: FastAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    records = stack.http.get("/funding/v1/public/ledger/records")
    assert records.status_code == 200 and len(records.json()["items"]) == 3
    download = stack.http.get("/funding/v1/public/ledger/360giving.csv")
    assert download.status_code == 200
    assert [r["Identifier"] for r in csv.DictReader(io.StringIO(download.text))] == [
        "360G-TaiyuanSME-1",
        "360G-TaiyuanSME-2",
        "360G-TaiyuanSME-3",
    ]
    assert main([stack.url]) == 0
    assert "verified" in capsys.readouterr().out
    execute(funding_app, "UPDATE public_ledger_records SET payee_uscc = 'X' WHERE sequence = 2")
    assert main([stack.url]) == 1
    assert "FOUND record 2: altered" in capsys.readouterr().out


def test_asking_for_a_checkpoint_through_the_gateway_needs_an_admin_key(
    stack: RunningGateway,
) -> None:
    path = "/funding/v1/public/ledger/checkpoints"
    anonymous = stack.http.post(path, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "missing_credentials"
    bank = stack.http.post(
        path, headers={"X-API-Key": stack.key_for("bank"), "Idempotency-Key": "k"}
    )
    assert bank.status_code == 403 and bank.json()["code"] == "insufficient_scope"
    assert stack.http.get(path).json()["items"] == []
    admin = stack.http.post(
        path, headers={"X-API-Key": stack.key_for("admin"), "Idempotency-Key": "k"}
    )
    assert admin.status_code == 201, admin.text
    assert admin.json()["sequence"] == 3
    assert [c["id"] for c in stack.http.get(path).json()["items"]] == [admin.json()["id"]]
