"""A service reads a feed as its own `service` client, through the gateway, and nothing else.

Real gateway, real registry: the credit service's client is provisioned the way `make run`
provisions it, and its consumer reads the registry's feed along the path consumers use.
"""

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from gateway.service_clients import CONSUMERS, client_id_of, provision
from services.common.consumer import FeedEvent, feed_consumer
from services.common.db import Database
from services.credit.app import MIGRATIONS as CREDIT_MIGRATIONS
from services.credit.settings import CreditSettings
from tests.gateway.conftest import RunningGateway
from tests.support import migrated_settings

USCC = "91140105MA0KDE119Q"
FILING = {
    "uscc": USCC, "name": "太原演示科技有限公司", "district": "xiaodian", "industry": "I65",
    "founded_on": "2014-05-20", "registered_capital_fen": 50_000_000, "employees": 12,
    "revenue_fen": 150_000_000, "assets_fen": 90_000_000, "is_tech_sme": True,
    "legal_representative": {"name": "张演示", "id_number": "140105198001010011"},
}  # fmt: skip
_PARAM = re.compile(r"\{[^}]+\}")


@pytest.fixture
def credentials(stack: RunningGateway, tmp_path: Path) -> dict[str, Path]:
    return provision(stack.settings, directory=tmp_path / "service-clients")


def _token(stack: RunningGateway, path: Path, scope: str | None = None) -> httpx.Response:
    stored = json.loads(path.read_text())
    data = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    return stack.http.post(
        "/oauth/token", data=data, auth=(stored["client_id"], stored["client_secret"])
    )


def test_make_run_provisions_one_service_client_per_consumer(
    stack: RunningGateway, credentials: dict[str, Path], tmp_path: Path
) -> None:
    assert sorted(credentials) == sorted(CONSUMERS) == ["credit", "funding", "vouchers"]
    for name, path in credentials.items():
        stored = json.loads(path.read_text())
        assert stored["client_id"] == client_id_of(name)
        assert path.stat().st_mode & 0o077 == 0  # readable by its owner only
        client = stack.http.get(
            f"/admin/v1/clients/{stored['client_id']}", headers=stack.admin_headers
        ).json()
        assert client["kind"] == "service" and client["scopes"] == ["events:read"]
    # Idempotent: a second run keeps working credentials as they are.
    before = {name: path.read_text() for name, path in credentials.items()}
    provision(stack.settings, directory=tmp_path / "service-clients")
    assert {name: path.read_text() for name, path in credentials.items()} == before
    # A lost or stale file is replaced by a fresh secret (the old one stops working).
    credentials["credit"].write_text('{"client_id": "cli_svc_credit", "client_secret": "x"}')
    provision(stack.settings, directory=tmp_path / "service-clients")
    assert _token(stack, credentials["credit"]).status_code == 200


def test_a_service_client_may_hold_only_events_read(stack: RunningGateway) -> None:
    made = stack.create_client("service", issue_api_key=False, issue_client_secret=True)
    assert made["client"]["scopes"] == ["events:read"] and made["client_secret"]
    response = stack.http.post(
        "/admin/v1/clients",
        json={"name": "greedy", "kind": "service", "scopes": ["events:read", "registry:read"]},
        headers=stack.admin_headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "scope_not_allowed_for_kind"


def test_a_consumer_reads_the_registry_feed_as_its_service_client(
    stack: RunningGateway,
    credentials: dict[str, Path],
    new_database_target: Any,
    jwks_json: str,
) -> None:
    department = {"Authorization": f"Bearer {stack.key_for('department', org='sme_bureau')}"}
    filed = stack.http.post("/registry/v1/enterprises", json=FILING, headers=department)
    assert filed.status_code == 201, filed.text
    settings = migrated_settings(
        CreditSettings,
        target=new_database_target(),
        jwks_json=jwks_json,
        migrations=CREDIT_MIGRATIONS,
        gateway_url=stack.url,
        service_client_file=str(credentials["credit"]),
    )
    database = Database(settings.resolved_database_url, schema=settings.resolved_schema)
    seen: list[tuple[str, Any]] = []

    def record(session: Session, event: FeedEvent) -> None:
        seen.append((event.type, event.payload.get("uscc")))

    consumer = feed_consumer(
        settings,
        producer="registry",
        database=database,
        handlers={"enterprise.filed": record},
    )

    async def read() -> int:
        try:
            return await consumer.catch_up()
        finally:
            await consumer.aclose()

    try:
        assert asyncio.run(read()) == 1
        assert seen == [("enterprise.filed", USCC)]
        assert consumer.name == "credit.registry" and consumer.position() >= 1
    finally:
        database.dispose()


def test_a_service_client_is_refused_everything_else(
    stack: RunningGateway, credentials: dict[str, Path]
) -> None:
    assert _token(stack, credentials["credit"], scope="registry:read").json()["error"] == (
        "invalid_scope"
    )
    token = _token(stack, credentials["credit"]).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert stack.http.get("/registry/v1/events", headers=bearer).status_code == 200
    document = stack.http.get(f"{stack.settings.registry_url}/openapi.json").json()
    checked = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if not path.startswith("/v1/") or path == "/v1/events" or "security" not in operation:
                continue  # public routes are open to anyone; the feed is the one it may read
            url = "/registry" + _PARAM.sub("x", path)
            response = stack.http.request(method.upper(), url, headers=bearer, json={})
            assert response.status_code == 403, (method, path, response.text)
            assert response.json()["code"] == "insufficient_scope"
            checked += 1
    assert checked >= 25  # every authenticated registry operation (29 today)
    for method, url in [
        ("GET", "/admin/v1/clients"),
        ("POST", "/admin/v1/clients"),
        ("GET", f"/admin/v1/clients/{client_id_of('credit')}"),
        ("POST", f"/admin/v1/clients/{client_id_of('credit')}/secret"),
    ]:
        response = stack.http.request(method, url, headers=bearer, json={})
        assert response.status_code == 403 and response.json()["code"] == "insufficient_scope", (
            method,
            url,
            response.text,
        )
    # Other services' feeds are open to it too (events:read), but not their other routes.
    assert stack.http.get("/credit/v1/ratings", headers=bearer).status_code == 403
