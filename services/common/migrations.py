"""Alembic per service: its own script folder and version table, so services can share a database."""

from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection, Engine

from services.common.db import Database


def version_table(service: str) -> str:
    """The Alembic version table of a service."""
    return f"alembic_version_{service}"


def alembic_config(service: str, script_location: Path, database: Database) -> Config:
    """An Alembic config for one service's history against one database."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", database.url.replace("%", "%%"))
    config.attributes["service"] = service
    config.attributes["database"] = database
    return config


def upgrade_to_head(service: str, script_location: Path, database: Database) -> None:
    """Apply every pending migration of a service."""
    command.upgrade(alembic_config(service, script_location, database), "head")


def _ensure_schema(connection: Connection, schema: str | None) -> None:
    if schema:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        connection.commit()


def _only_this_service(name: str | None, type_: str, parents: dict[str, str | None]) -> bool:
    # Services may share a database: another service's version table is none of this one's.
    return not (type_ == "table" and name is not None and name.startswith("alembic_version_"))


def migration_options(
    service: str, schema: str | None, target_metadata: MetaData
) -> dict[str, Any]:
    """How Alembic runs and compares one service's history: its version table, its tables."""
    return {
        "version_table": version_table(service),
        "version_table_schema": schema,
        "target_metadata": target_metadata,
        "include_name": _only_this_service,
        "compare_type": True,
        "compare_server_default": True,
        # SQLite alters a table by copying it: batch operations use the models' constraint names.
        "render_as_batch": True,
    }


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's migrations/env.py (online mode only): the service's tables as
    `target_metadata`, whose naming convention also names what its migrations create."""
    config = context.config
    service: str = config.attributes["service"]
    database: Database = config.attributes["database"]
    with database.engine.connect() as connection:
        _ensure_schema(connection, database.schema)
        context.configure(
            connection=connection,
            transaction_per_migration=False,
            **migration_options(service, database.schema, target_metadata),
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


def head_revision(script_location: Path) -> str | None:
    """The head revision of a service's history."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    return ScriptDirectory.from_config(config).get_current_head()


def current_revision(service: str, engine: Engine, schema: str | None = None) -> str | None:
    """The revision a database is at for one service."""
    with engine.connect() as connection:
        migration = MigrationContext.configure(
            connection,
            opts={"version_table": version_table(service), "version_table_schema": schema},
        )
        return migration.get_current_revision()
