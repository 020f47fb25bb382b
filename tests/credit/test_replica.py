"""The credit service's copy of the register follows the registry's feed, for real.

A real registry behind a real gateway files, updates and deregisters an enterprise and takes
its indicator reports; credit's registry consumer (the one its app starts, authenticated as
its provisioned `service` client) reads that feed. The replica has no HTTP route of its own:
it is read here through `get_enterprise`, the service function the credit domains use.
"""

import asyncio
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from gateway.service_clients import provision
from services.common.db import Database
from services.credit.app import MIGRATIONS, create_app, feed_consumers
from services.credit.enterprises.errors import UnknownEnterprise
from services.credit.enterprises.models import EnterpriseReplica, IndicatorFiling
from services.credit.enterprises.service import ChangeReason, get_enterprise
from services.credit.settings import CreditSettings
from tests.gateway.conftest import RunningGateway, registry_stack
from tests.servers import serve
from tests.support import migrated_settings

USCC = "91140105MA0KDE119Q"
OTHER = "91140105MA0KDE135E"


def filing(uscc: str, name: str) -> dict[str, Any]:
    return {
        "uscc": uscc, "name": name, "district": "xiaodian", "industry": "I65",
        "founded_on": "2014-05-20", "registered_capital_fen": 50_000_000, "employees": 12,
        "revenue_fen": 150_000_000, "assets_fen": 90_000_000, "is_tech_sme": True,
        "legal_representative": {"name": "张演示", "id_number": "140105198001010011"},
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
        directory=tmp_path_factory.mktemp("replica"),
        postgres_database=postgres_database,
        templates=templates,
        signing_key=signing_key,
        jwks_json=jwks_json,
    ) as running:
        yield running


@pytest.fixture
def credentials(stack: RunningGateway, tmp_path: Path) -> Path:
    """credit's own client, provisioned as `make run` provisions it."""
    return provision(stack.settings, directory=tmp_path / "service-clients")["credit"]


@pytest.fixture
def settings(
    stack: RunningGateway, credentials: Path, new_database_target: Any, jwks_json: str
) -> CreditSettings:
    return migrated_settings(
        CreditSettings,
        target=new_database_target(),
        jwks_json=jwks_json,
        migrations=MIGRATIONS,
        gateway_url=stack.url,
        service_client_file=str(credentials),
    )


def _department(stack: RunningGateway) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.key_for('department', org='sme_bureau')}"}


def _replica(database: Database, uscc: str) -> EnterpriseReplica:
    with database.session(write=False) as session:
        return get_enterprise(session=session, uscc=uscc)


def _filings(database: Database, uscc: str) -> list[IndicatorFiling]:
    with database.session(write=False) as session:
        statement = (
            select(IndicatorFiling)
            .where(col(IndicatorFiling.uscc) == uscc)
            .order_by(col(IndicatorFiling.year))
        )
        return list(session.exec(statement).all())


def _catch_up(settings: CreditSettings, database: Database, listeners: list[Any]) -> int:
    app = create_app(settings, listeners=listeners)
    consumers = feed_consumers(settings, listeners)(app)
    assert [c.name for c in consumers] == ["credit.registry", "credit.funding"]
    consumer = consumers[0]
    consumer.database = database

    async def run() -> int:
        try:
            return await consumer.catch_up()
        finally:
            await consumer.aclose()

    try:
        return asyncio.run(run())
    finally:
        app.state.database.dispose()


def test_the_replica_follows_filing_updates_indicators_and_deregistration(
    stack: RunningGateway, settings: CreditSettings
) -> None:
    department = _department(stack)
    filed = stack.http.post(
        "/registry/v1/enterprises", json=filing(USCC, "太原演示科技有限公司"), headers=department
    )
    assert filed.status_code == 201, filed.text
    database = Database(settings.resolved_database_url, schema=settings.resolved_schema)
    changes: list[tuple[str, ChangeReason]] = []

    def listener(*, session: Session, uscc: str, reason: ChangeReason) -> None:
        # In the consumer's transaction, after the change: it reads the replica as changed.
        row = session.get(EnterpriseReplica, uscc)
        assert row is not None or reason is ChangeReason.INDICATORS
        changes.append((uscc, reason))

    assert _catch_up(settings, database, [listener]) == 1
    first = _replica(database, USCC)
    assert (first.name, first.district, first.industry, first.founded_on) == (
        "太原演示科技有限公司",
        "xiaodian",
        filed.json()["industry"],
        date(2014, 5, 20),
    )
    assert (first.status, first.version, first.employees, first.is_tech_sme) == (
        "active",
        1,
        12,
        True,
    )
    assert first.size_class == filed.json()["size_class"]
    assert changes == [(USCC, ChangeReason.FILED)]

    etag = stack.http.get(f"/registry/v1/enterprises/{USCC}", headers=department).headers["etag"]
    updated = stack.http.patch(
        f"/registry/v1/enterprises/{USCC}",
        json={"name": "太原演示新科技有限公司", "employees": 30},
        headers={**department, "If-Match": etag},
    )
    assert updated.status_code == 200, updated.text
    enterprise = {"Authorization": f"Bearer {stack.key_for('enterprise', org=USCC)}"}
    report = {"year": 2015, "revenue_fen": 160_000_000, "employees": 31, "source": "enterprise"}
    reported = stack.http.post(
        f"/registry/v1/enterprises/{USCC}/indicators", json=report, headers=enterprise
    )
    assert reported.status_code == 201, reported.text
    quarterly = {**report, "year": 2016, "quarter": 2, "granted_patents": 3}
    assert (
        stack.http.post(
            f"/registry/v1/enterprises/{USCC}/indicators", json=quarterly, headers=enterprise
        ).status_code
        == 201
    )
    gone = stack.http.post(
        f"/registry/v1/enterprises/{USCC}/deregistration",
        json={"reason": "股东决议解散，无债权债务"},
        headers=department,
    )
    assert gone.status_code == 200, gone.text

    changes.clear()
    assert _catch_up(settings, database, [listener]) >= 4
    last = _replica(database, USCC)
    registry_view = gone.json()
    assert last.name == "太原演示新科技有限公司" and last.employees == 30
    assert last.status == "deregistered" and last.deregistered_at is not None
    assert last.version == registry_view["version"] > first.version
    assert last.size_class == registry_view["size_class"]
    filings = _filings(database, USCC)
    assert [(f.year, f.quarter, f.source) for f in filings] == [
        (2015, None, "enterprise"),
        (2016, 2, "enterprise"),
    ]
    assert filings[0].report_id == reported.json()["id"]
    assert (filings[0].revenue_fen, filings[0].employees, filings[0].granted_patents) == (
        160_000_000,
        31,
        None,
    )
    assert filings[0].effective["employees"] == 31
    assert filings[1].granted_patents == 3
    reasons = [reason for uscc, reason in changes if uscc == USCC]
    assert reasons[0] == ChangeReason.UPDATED and reasons[-1] == ChangeReason.DEREGISTERED
    assert reasons.count(ChangeReason.INDICATORS) == 2

    # A redelivery of the whole feed (cursor and processed ids lost) applies nothing twice:
    # the old filing and updates are older than the replica's version, reports are kept once.
    with database.transaction() as session:
        session.execute(text("DELETE FROM processed_events"))
        session.execute(text("UPDATE consumer_cursors SET position = 0"))
    changes.clear()
    _catch_up(settings, database, [listener])
    assert changes == []
    again = _replica(database, USCC)
    assert (again.name, again.status, again.version) == (last.name, last.status, last.version)
    assert len(_filings(database, USCC)) == 2
    database.dispose()


def test_a_failing_listener_rolls_back_the_change_that_called_it(
    stack: RunningGateway, settings: CreditSettings
) -> None:
    assert (
        stack.http.post(
            "/registry/v1/enterprises",
            json=filing(OTHER, "太原回滚科技有限公司"),
            headers=_department(stack),
        ).status_code
        == 201
    )
    database = Database(settings.resolved_database_url, schema=settings.resolved_schema)

    def broken(*, session: Session, uscc: str, reason: ChangeReason) -> None:
        raise RuntimeError("rating cannot be computed")

    with pytest.raises(RuntimeError, match="rating cannot be computed"):
        _catch_up(settings, database, [broken])
    with pytest.raises(UnknownEnterprise):
        _replica(database, OTHER)  # nothing of the page stayed: it is retried, not skipped
    assert _catch_up(settings, database, []) >= 1
    assert _replica(database, OTHER).name == "太原回滚科技有限公司"
    database.dispose()


def test_an_unknown_enterprise_is_a_422_problem_naming_the_field(
    settings: CreditSettings,
) -> None:
    database = Database(settings.resolved_database_url, schema=settings.resolved_schema)
    with database.session(write=False) as session:
        with pytest.raises(UnknownEnterprise) as plain:
            get_enterprise(session=session, uscc="91140100MA0K000017")
        with pytest.raises(UnknownEnterprise) as named:
            get_enterprise(session=session, uscc="91140100MA0K000017", field="body.uscc")
    assert (plain.value.status, plain.value.code) == (422, "unknown_enterprise")
    assert "91140100MA0K000017" in str(plain.value)
    assert [(e.field, e.code) for e in named.value.errors] == [("body.uscc", "unknown_enterprise")]
    database.dispose()


def test_the_credit_app_consumes_the_registry_feed_only_with_its_service_client(
    stack: RunningGateway, settings: CreditSettings
) -> None:
    # No client configured (as in a test app, or a deployment missing its secret): no consumer.
    without = settings.model_copy(update={"service_client_file": "/nonexistent/credit.json"})
    bare = create_app(without)
    assert feed_consumers(without)(bare) == []
    bare.state.database.dispose()

    uscc = "91140105MA0KDE1439"
    filed = stack.http.post(
        "/registry/v1/enterprises",
        json=filing(uscc, "太原启动科技有限公司"),
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
                time.sleep(0.05)  # the app's consumer runs on its own schedule
        else:
            pytest.fail("the credit app did not read the registry feed")
    assert found.name == "太原启动科技有限公司" and found.version == 1
