"""Fixtures for the registry service: a migrated app, a client, tokens for every kind of caller."""

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.registry.app import MIGRATIONS, create_app
from services.registry.settings import RegistrySettings
from tests.conftest import DatabaseTarget, TokenHeaders
from tests.support import migrated_settings

AUDIENCE = "registry"
ALL_SCOPES = (
    "registry:read",
    "registry:write",
    "registry:report",
    "registry:admin",
    "events:read",
)
# The department whose default remit covers every enterprise field, filings and deregistrations.
BROAD_DEPARTMENT = "sme_bureau"
DEFAULT_ORG = "\0default"  # no caller's org: stands for "not given"


@pytest.fixture
def registry_settings(database_target: DatabaseTarget, jwks_json: str) -> RegistrySettings:
    """Settings for a freshly migrated registry database."""
    return migrated_settings(
        RegistrySettings,
        target=database_target,
        jwks_json=jwks_json,
        migrations=MIGRATIONS,
        id_number_key="test-id-number-key",
    )


@pytest.fixture
def registry_app(registry_settings: RegistrySettings) -> FastAPI:
    """The registry app."""
    return create_app(registry_settings)


@pytest.fixture
def registry_client(registry_app: FastAPI) -> Iterator[TestClient]:
    """An HTTP client of the registry app (server errors come back as 500 problems)."""
    with TestClient(registry_app, raise_server_exceptions=False) as client:
        yield client


RegistryHeaders = Callable[..., dict[str, str]]


@pytest.fixture
def registry_headers(auth_headers: TokenHeaders) -> RegistryHeaders:
    """`registry_headers(kind="department", org=…, scopes=ALL_SCOPES)` → Authorization header.

    A department without a named `org` is the SME bureau, whose remit covers the whole register.
    """

    def make(
        kind: str = "department",
        org: str | None = DEFAULT_ORG,
        scopes: tuple[str, ...] | list[str] = ALL_SCOPES,
        client_id: str | None = None,
    ) -> dict[str, str]:
        if org == DEFAULT_ORG:
            org = BROAD_DEPARTMENT if kind == "department" else None
        return auth_headers(AUDIENCE, kind=kind, org=org, scopes=scopes, client_id=client_id)

    return make
