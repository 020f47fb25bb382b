"""Shared fixtures: a database per test (SQLite, or PostgreSQL when TEST_POSTGRES_URL is set),
each service's history migrated once per worker into a template that tests get copies of, the
gateway's signing key, and internal tokens for any kind of caller."""

import hashlib
import json
import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from services.common.db import Database
from services.common.migrations import upgrade_to_head
from services.common.tokens import (
    DEFAULT_ISSUER,
    InternalTokenSigner,
    generate_ed25519_pem,
    jwks_of,
)

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL") or None  # `make test` passes it empty for SQLite


class Templates:
    """One worker's migrated templates: each service's history runs once, tests get copies.

    SQLite: a migrated file, copied. PostgreSQL: a migrated schema in the run's database,
    reflected once and copied into each test's schema (tables, keys, indexes, defaults, rows):
    `CREATE DATABASE … TEMPLATE` was measured slower here, as every DROP DATABASE checkpoints.
    """

    def __init__(self, root: Path, postgres_database: str | None) -> None:
        self.root = root
        self.postgres_database = postgres_database
        self._made: dict[tuple[str, Path], Any] = {}

    def _key_name(self, service: str, migrations: Path) -> str:
        digest = hashlib.sha256(str(migrations.resolve()).encode()).hexdigest()[:8]
        return f"tpl_{service}_{digest}"

    def _migrate(self, service: str, migrations: Path) -> Any:
        name = self._key_name(service, migrations)
        if self.postgres_database is None:
            path = self.root / f"{name}.db"
            database = Database(f"sqlite:///{path}")
            try:
                upgrade_to_head(service, migrations, database)
            finally:
                database.dispose()
            with closing(sqlite3.connect(path, isolation_level=None)) as connection:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all in the one file
            return path
        database = Database(self.postgres_database, schema=name)
        try:
            upgrade_to_head(service, migrations, database)
            source = sa.MetaData()
            with database.engine.connect() as connection:
                source.reflect(connection, schema=name)
                filled = [
                    table.name
                    for table in source.sorted_tables
                    if connection.scalar(sa.select(sa.func.count()).select_from(table))
                ]
        finally:
            database.dispose()
        return _copy_script(name, source, filled)

    def copy(self, service: str, migrations: Path, target: "DatabaseTarget") -> bool:
        """Give `target` the service's tables and rows at head; False if it is already in use."""
        key = (service, migrations.resolve())
        if key not in self._made:
            self._made[key] = self._migrate(service, migrations)
        template = self._made[key]
        if self.postgres_database is None:
            path = Path(target.url.removeprefix("sqlite:///"))
            if path.exists():
                return False
            shutil.copyfile(template, path)
            return True
        assert target.schema
        script = template.replace(_SCHEMA_PLACEHOLDER, target.schema)
        with psycopg.connect(self.postgres_database) as connection:
            if connection.execute(
                "SELECT 1 FROM pg_namespace WHERE nspname = %s", (target.schema,)
            ).fetchone():
                return False
            connection.execute(script.encode())  # no parameters: one round trip for them all
        return True


_SCHEMA_PLACEHOLDER = "tsme_template_schema_placeholder"


def _copy_script(template: str, source: sa.MetaData, filled: list[str]) -> str:
    """The DDL and INSERTs that rebuild `template`'s tables and rows in a placeholder schema,
    compiled once: one statement at a time, a copy took about 0.45 s of round trips."""
    copy = sa.MetaData()
    for table in source.sorted_tables:
        table.to_metadata(copy, schema=_SCHEMA_PLACEHOLDER)
    for table in copy.tables.values():
        for column in table.columns:  # a serial column gets its own sequence, not the template's
            default = column.server_default
            if isinstance(default, sa.DefaultClause) and "nextval(" in str(default.arg):
                column.server_default = None
    statements = [f"CREATE SCHEMA {_SCHEMA_PLACEHOLDER}"]

    def record(ddl: Any, *_: Any, **__: Any) -> None:
        statements.append(str(ddl.compile(dialect=dialect)))

    # named parameters: DDL compiled for psycopg's pyformat would double every literal `%`
    engine = sa.create_mock_engine("postgresql+psycopg://", record, paramstyle="named")
    dialect = engine.dialect
    copy.create_all(engine, checkfirst=False)
    statements += [
        f'INSERT INTO {_SCHEMA_PLACEHOLDER}."{table}" SELECT * FROM "{template}"."{table}"'
        for table in filled
    ]
    return ";\n".join(statements)


@dataclass(frozen=True)
class DatabaseTarget:
    """Where one test's service keeps its tables (`templates` copies a migrated one there)."""

    url: str
    schema: str | None
    templates: Templates | None = field(default=None, compare=False, repr=False)


def _admin_url(url: str, database: str) -> str:
    return sa.engine.make_url(url).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_database(worker_id: str) -> Iterator[str | None]:
    """A fresh PostgreSQL database for this run (and xdist worker), dropped afterwards."""
    if not POSTGRES_URL:
        yield None
        return
    name = f"tsme_test_{worker_id}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(
        POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        # A test's commit need not wait for the disk: the database is dropped after the run.
        connection.execute(sa.text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    try:
        yield _admin_url(POSTGRES_URL, name)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory, postgres_database: str | None) -> Templates:
    """This worker's migrated templates (files, or schemas in the run's database)."""
    return Templates(tmp_path_factory.mktemp("templates"), postgres_database)


@pytest.fixture
def new_database_target(
    tmp_path: Path, postgres_database: str | None, templates: Templates
) -> Callable[[], DatabaseTarget]:
    """Makes places no other test uses: new SQLite files, or new schemas in the run's database.

    Empty until used; `tests.support.migrated_settings` fills one with a copy of a template.
    """

    def make() -> DatabaseTarget:
        suffix = uuid.uuid4().hex[:12]
        if postgres_database:
            return DatabaseTarget(postgres_database, f"t_{suffix}", templates)
        return DatabaseTarget(f"sqlite:///{tmp_path / f'service_{suffix}.db'}", None, templates)

    return make


@pytest.fixture
def database_target(new_database_target: Callable[[], DatabaseTarget]) -> DatabaseTarget:
    """One place for this test's service."""
    return new_database_target()


@pytest.fixture(scope="session")
def signing_key() -> bytes:
    """The (test) gateway's Ed25519 private key."""
    return generate_ed25519_pem()


@pytest.fixture(scope="session")
def jwks_json(signing_key: bytes) -> str:
    """The public JWKS services are configured with."""
    return json.dumps(jwks_of((signing_key, "test-key-1")))


@pytest.fixture(scope="session")
def signer(signing_key: bytes) -> InternalTokenSigner:
    """Mints internal tokens as the gateway would."""
    return InternalTokenSigner(signing_key, "test-key-1", DEFAULT_ISSUER)


TokenHeaders = Callable[..., dict[str, str]]


@pytest.fixture(scope="session")
def auth_headers(signer: InternalTokenSigner) -> TokenHeaders:
    """`auth_headers(audience, kind, org=None, scopes=(...))` → an Authorization header."""

    def make(
        audience: str,
        kind: str = "admin",
        org: str | None = None,
        scopes: tuple[str, ...] | list[str] = (),
        client_id: str | None = None,
        ttl_seconds: int = 300,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, str]:
        token = signer.mint(
            sub=client_id or f"cli_test_{kind}",
            kind=kind,
            org=org,
            scopes=list(scopes),
            audience=audience,
            ttl_seconds=ttl_seconds,
            extra=extra,
        )
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    """The xdist worker name, or 'main' without xdist."""
    config = request.config
    return getattr(config, "workerinput", {}).get("workerid", "main")
