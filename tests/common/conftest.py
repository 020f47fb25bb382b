"""Fixtures for the kernel's test app."""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.common.kernel_app.app import MIGRATIONS, KernelSettings, create_app
from tests.conftest import DatabaseTarget, TokenHeaders
from tests.support import migrated_settings


@pytest.fixture
def kernel_settings(database_target: DatabaseTarget, jwks_json: str) -> KernelSettings:
    return migrated_settings(
        KernelSettings, target=database_target, jwks_json=jwks_json, migrations=MIGRATIONS
    )


@pytest.fixture
def kernel_app(kernel_settings: KernelSettings) -> FastAPI:
    return create_app(kernel_settings)


@pytest.fixture
def client(kernel_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(kernel_app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def writer(auth_headers: TokenHeaders) -> dict[str, str]:
    return auth_headers("kernel", kind="admin", scopes=["widgets:write", "events:read"])


@pytest.fixture
def reader(auth_headers: TokenHeaders) -> dict[str, str]:
    return auth_headers("kernel", kind="bank", org="B001", scopes=[])
