"""Fixtures for the funding service: a migrated app, a client, tokens."""

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.funding.app import MIGRATIONS, create_app
from services.funding.settings import FundingSettings
from tests.conftest import DatabaseTarget, TokenHeaders
from tests.support import migrated_settings

AUDIENCE = "funding"
ALL_SCOPES = (
    "funding:read",
    "funding:apply",
    "funding:loans",
    "funding:accept",
    "funding:admin",
    "events:read",
)
# Who each kind acts for by default (its token's `org`).
DEFAULT_ORGS = {
    "admin": "finance_bureau",
    "department": "sme_bureau",
    "bank": "JSB",
    "provider": "prv_demo",
    "enterprise": "91140100MA0K000017",
    "portal": "91140100MA0K000017",
}
DEFAULT_ORG = "\0default"  # no caller's org given: use the kind's default


@pytest.fixture
def funding_settings(database_target: DatabaseTarget, jwks_json: str) -> FundingSettings:
    """Settings for a freshly migrated funding database."""
    return migrated_settings(
        FundingSettings, target=database_target, jwks_json=jwks_json, migrations=MIGRATIONS
    )


@pytest.fixture
def funding_app(funding_settings: FundingSettings) -> FastAPI:
    """The funding app."""
    return create_app(funding_settings)


@pytest.fixture
def funding_client(funding_app: FastAPI) -> Iterator[TestClient]:
    """An HTTP client of the funding app (server errors come back as 500 problems)."""
    with TestClient(funding_app, raise_server_exceptions=False) as client:
        yield client


FundingHeaders = Callable[..., dict[str, str]]


@pytest.fixture
def funding_headers(auth_headers: TokenHeaders) -> FundingHeaders:
    """`funding_headers(kind="admin", org=…, scopes=ALL_SCOPES, client_id=…)` → Authorization."""

    def make(
        kind: str = "admin",
        org: str | None = DEFAULT_ORG,
        scopes: tuple[str, ...] | list[str] = ALL_SCOPES,
        client_id: str | None = None,
        actor: str | None = None,
    ) -> dict[str, str]:
        if org == DEFAULT_ORG:
            org = DEFAULT_ORGS.get(kind)
        extra = {"act": {"sub": actor}} if actor else None
        return auth_headers(
            AUDIENCE, kind=kind, org=org, scopes=scopes, client_id=client_id, extra=extra
        )

    return make
