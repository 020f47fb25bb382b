"""The vouchers replica follows the real registry's feed, read as vouchers' own service client.

A real registry (and credit) behind a real gateway; the vouchers client is provisioned as
`make run` provisions it. A filed enterprise arrives in the vouchers replica with what
eligibility and the related-party check need, its legal representative's keyed hash included
(the registry's HMAC of the ID number, never the number).
"""

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.service_clients import provision
from services.common.db import Database
from services.registry.enterprises.rules import hash_id_number
from services.registry.settings import DEV_ID_NUMBER_KEY
from services.vouchers.app import MIGRATIONS, create_app, feed_consumers
from services.vouchers.enterprises.errors import UnknownEnterprise
from services.vouchers.enterprises.models import VoucherEnterprise
from services.vouchers.enterprises.service import get_enterprise
from services.vouchers.settings import VouchersSettings
from tests.gateway.conftest import RunningGateway, registry_stack
from tests.servers import serve
from tests.support import migrated_settings

ID_NUMBER = "140105198001010011"


def filing(uscc: str, name: str, **changes: Any) -> dict[str, Any]:
    return {
        "uscc": uscc, "name": name, "district": "xiaodian", "industry": "I65",
        "founded_on": "2024-05-20", "registered_capital_fen": 5_000_000, "employees": 12,
        "revenue_fen": 15_000_000, "assets_fen": 9_000_000, "is_tech_sme": True,
        "legal_representative": {"name": "张演示", "id_number": ID_NUMBER}, **changes,
    }  # fmt: skip


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_database: str | None,
    templates: Any,
    signing_key: bytes,
    jwks_json: str,
) -> Iterator[RunningGateway]:
    with registry_stack(
        directory=tmp_path_factory.mktemp("vouchers-replica"),
        postgres_database=postgres_database,
        templates=templates,
        signing_key=signing_key,
        jwks_json=jwks_json,
    ) as running:
        yield running


@pytest.fixture
def settings(
    stack: RunningGateway, tmp_path: Path, new_database_target: Any, jwks_json: str
) -> VouchersSettings:
    """A migrated vouchers database, with the client `make run` provisions for vouchers."""
    credentials = provision(stack.settings, directory=tmp_path / "service-clients")["vouchers"]
    return migrated_settings(
        VouchersSettings,
        target=new_database_target(),
        jwks_json=jwks_json,
        migrations=MIGRATIONS,
        gateway_url=stack.url,
        service_client_file=str(credentials),
    )


def _department(stack: RunningGateway) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.key_for('department', org='sme_bureau')}"}


def _replica(database: Database, uscc: str) -> VoucherEnterprise:
    with database.session(write=False) as session:
        return get_enterprise(session=session, uscc=uscc)


def _catch_up(settings: VouchersSettings) -> list[int]:
    """Run each consumer the vouchers app starts once; how many events each applied."""
    app = create_app(settings)
    started = feed_consumers(settings)(app)
    assert [c.name for c in started] == ["vouchers.registry", "vouchers.credit", "vouchers.funding"]
    # The replica comes from the first two; the funding feed (settlements) has no upstream here.
    consumers = started[:2]

    async def run() -> list[int]:
        try:
            return [await consumer.catch_up() for consumer in consumers]
        finally:
            for consumer in started:
                await consumer.aclose()

    try:
        return asyncio.run(run())
    finally:
        app.state.database.dispose()


def test_a_filed_enterprise_arrives_with_its_legal_representatives_hash(
    stack: RunningGateway, settings: VouchersSettings
) -> None:
    uscc = "91140105MA0KDE119Q"
    department = _department(stack)
    filed = stack.http.post(
        "/registry/v1/enterprises", json=filing(uscc, "太原券源科技有限公司"), headers=department
    )
    assert filed.status_code == 201, filed.text
    registry, _credit = _catch_up(settings)
    assert registry >= 1
    database = Database(settings.resolved_database_url, schema=settings.resolved_schema)
    row = _replica(database, uscc)
    assert (row.name, row.district, row.size_class, row.is_tech_sme, row.status) == (
        "太原券源科技有限公司",
        "xiaodian",
        filed.json()["size_class"],
        True,
        "active",
    )
    assert row.founded_on.isoformat() == "2024-05-20" and row.version == 1
    # The registry's keyed hash (the stack's registry runs with the development key), not the number.
    assert row.legal_rep_id_hash == hash_id_number(DEV_ID_NUMBER_KEY.encode(), ID_NUMBER)
    assert ID_NUMBER not in (row.legal_rep_id_hash or "")

    # A new legal representative reaches the replica as a new hash, at the registry's version.
    etag = stack.http.get(f"/registry/v1/enterprises/{uscc}", headers=department).headers["etag"]
    other = "140105199002020021"
    updated = stack.http.patch(
        f"/registry/v1/enterprises/{uscc}",
        json={"legal_representative": {"name": "李继任", "id_number": other}},
        headers={**department, "If-Match": etag},
    )
    assert updated.status_code == 200, updated.text
    _catch_up(settings)
    row = _replica(database, uscc)
    assert row.legal_rep_id_hash == hash_id_number(DEV_ID_NUMBER_KEY.encode(), other)
    assert row.version == updated.json()["version"]
    database.dispose()


def test_the_vouchers_app_consumes_the_feeds_only_with_its_service_client(
    stack: RunningGateway, settings: VouchersSettings
) -> None:
    # No client configured (as in a test app, or a deployment missing its secret): no consumer.
    without = settings.model_copy(update={"service_client_file": "/nonexistent/vouchers.json"})
    bare = create_app(without)
    assert feed_consumers(without)(bare) == []
    bare.state.database.dispose()

    uscc = "91140105MA0KDE1439"
    filed = stack.http.post(
        "/registry/v1/enterprises",
        json=filing(uscc, "太原启动券科技有限公司"),
        headers=_department(stack),
    )
    assert filed.status_code == 201, filed.text
    app = create_app(settings)  # what `make run` starts, with the file it provisioned
    database: Database = app.state.database
    with serve(app):
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                found = _replica(database, uscc)
                break
            except UnknownEnterprise:
                time.sleep(0.05)  # the app's consumers run on their own schedule
        else:
            pytest.fail("the vouchers app did not read the registry feed")
    assert found.name == "太原启动券科技有限公司" and found.version == 1
    assert found.legal_rep_id_hash == hash_id_number(DEV_ID_NUMBER_KEY.encode(), ID_NUMBER)
