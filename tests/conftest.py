"""Shared fixtures: a database per test (SQLite, or PostgreSQL when TEST_POSTGRES_URL is set),
the gateway's signing key, and internal tokens for any kind of caller."""

import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from services.common.tokens import (
    DEFAULT_ISSUER,
    InternalTokenSigner,
    generate_ed25519_pem,
    jwks_of,
)

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")


@dataclass(frozen=True)
class DatabaseTarget:
    """Where one test's service keeps its tables."""

    url: str
    schema: str | None


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
    try:
        yield _admin_url(POSTGRES_URL, name)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def new_database_target(
    tmp_path: Path, postgres_database: str | None
) -> Callable[[], DatabaseTarget]:
    """Makes places no other test uses: new SQLite files, or new schemas in the run's database."""

    def make() -> DatabaseTarget:
        suffix = uuid.uuid4().hex[:12]
        if postgres_database:
            return DatabaseTarget(postgres_database, f"t_{suffix}")
        return DatabaseTarget(f"sqlite:///{tmp_path / f'service_{suffix}.db'}", None)

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
    ) -> dict[str, str]:
        token = signer.mint(
            sub=client_id or f"cli_test_{kind}",
            kind=kind,
            org=org,
            scopes=list(scopes),
            audience=audience,
            ttl_seconds=ttl_seconds,
        )
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    """The xdist worker name, or 'main' without xdist."""
    config = request.config
    return getattr(config, "workerinput", {}).get("workerid", "main")
