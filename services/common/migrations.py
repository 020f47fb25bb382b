"""Alembic per service: its own script folder and version table, so services can share a database."""

from pathlib import Path

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
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


def run_env() -> None:
    """The body of every service's migrations/env.py (online mode only)."""
    config = context.config
    service: str = config.attributes["service"]
    database: Database = config.attributes["database"]
    with database.engine.connect() as connection:
        _ensure_schema(connection, database.schema)
        context.configure(
            connection=connection,
            version_table=version_table(service),
            version_table_schema=database.schema,
            transaction_per_migration=False,
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
