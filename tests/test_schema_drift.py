"""Models are the schema: each service's migrated database equals its models (SQLite, and
PostgreSQL when TEST_POSTGRES_URL is set), and the comparison does see a difference."""

import importlib
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from services.common.db import Database
from services.common.migrations import migration_options, upgrade_to_head
from tests.conftest import DatabaseTarget

KERNEL_TABLES = {"outbox_events", "idempotency_records", "consumer_cursors", "processed_events"}
SERVICES = ("registry", "credit", "vouchers", "funding", "gateway")


def _service(name: str) -> tuple[sa.MetaData, Path]:
    package = "gateway" if name == "gateway" else f"services.{name}"
    metadata = importlib.import_module(f"{package}.metadata").METADATA
    migrations = Path(importlib.import_module(package).__file__ or "").parent / "migrations"
    return metadata, migrations


def _drift(database: Database, service: str, metadata: sa.MetaData) -> list[Any]:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts=migration_options(service, database.schema, metadata)
        )
        return list(compare_metadata(context, metadata))


@pytest.fixture
def migrated(database_target: DatabaseTarget) -> Any:
    """`migrated(service)` → a database migrated to head by the service's own history."""
    databases: list[Database] = []

    def make(service: str) -> Database:
        database = Database(database_target.url, schema=database_target.schema)
        databases.append(database)
        upgrade_to_head(service, _service(service)[1], database)
        return database

    yield make
    for database in databases:
        database.dispose()


@pytest.mark.parametrize("service", SERVICES)
def test_migrated_database_equals_the_models(service: str, migrated: Any) -> None:
    metadata, _ = _service(service)
    database = migrated(service)
    assert _drift(database, service, metadata) == []
    # Each service compares its own tables: the kernel's (not the gateway) and no one else's.
    tables = set(metadata.tables)
    if service == "gateway":
        assert tables == {"gateway_clients", "gateway_api_keys", "gateway_delegations"}
    else:
        assert tables >= KERNEL_TABLES
        assert not {"gateway_clients", "widgets"} & tables
    if service == "registry":
        assert {"enterprises", "indicator_reports", "complaints", "working_calendar"} <= tables


def test_drift_is_seen_when_database_and_models_differ(migrated: Any) -> None:
    metadata, _ = _service("registry")
    database = migrated("registry")
    with database.engine.begin() as connection:
        connection.execute(sa.text("DROP INDEX ix_indicator_reports_uscc_period"))
        connection.execute(sa.text("CREATE INDEX ix_odd ON complaints (subject)"))
    changes = {(change[0], change[1].name) for change in _drift(database, "registry", metadata)}
    assert changes == {
        ("add_index", "ix_indicator_reports_uscc_period"),
        ("remove_index", "ix_odd"),
    }


def test_constraint_names_follow_the_convention(migrated: Any) -> None:
    database = migrated("registry")
    inspector = sa.inspect(database.engine)
    uniques = {u["name"] for u in inspector.get_unique_constraints("districts")}
    foreign = {f["name"] for f in inspector.get_foreign_keys("enterprises")}
    assert "districts_name_zh_key" in uniques
    assert foreign == {"enterprises_district_fkey"}
