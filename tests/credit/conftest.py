"""Fixtures for the credit service: a migrated app, a client, tokens, enterprises in its replica."""

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.db import Database
from services.credit.app import MIGRATIONS, create_app
from services.credit.enterprises.models import EnterpriseReplica
from services.credit.ratings import run as rating_run
from services.credit.ratings import service as rating_service
from services.credit.settings import CreditSettings
from tests.conftest import DatabaseTarget, TokenHeaders
from tests.support import migrated_settings

AUDIENCE = "credit"
ALL_SCOPES = (
    "credit:read",
    "credit:write",
    "credit:reports",
    "credit:consent",
    "credit:resolve",
    "credit:admin",
    "events:read",
)
# Who each kind acts for by default (its token's `org`).
DEFAULT_ORGS = {
    "department": "tax_bureau",
    "bank": "JSB",
    "provider": "prv_demo",
    "enterprise": "91140100MA0K000017",
    "portal": "91140100MA0K000017",
}
DEFAULT_ORG = "\0default"  # no caller's org given: use the kind's default


@pytest.fixture
def credit_settings(database_target: DatabaseTarget, jwks_json: str) -> CreditSettings:
    """Settings for a freshly migrated credit database (tests run the rating jobs' steps)."""
    settings = migrated_settings(
        CreditSettings, target=database_target, jwks_json=jwks_json, migrations=MIGRATIONS
    )
    settings.rating_jobs = False
    return settings


@pytest.fixture
def credit_app(credit_settings: CreditSettings) -> FastAPI:
    """The credit app."""
    return create_app(credit_settings)


@pytest.fixture
def credit_client(credit_app: FastAPI) -> Iterator[TestClient]:
    """An HTTP client of the credit app (server errors come back as 500 problems)."""
    with TestClient(credit_app, raise_server_exceptions=False) as client:
        yield client


CreditHeaders = Callable[..., dict[str, str]]


@pytest.fixture
def credit_headers(auth_headers: TokenHeaders) -> CreditHeaders:
    """`credit_headers(kind="department", org=…, scopes=ALL_SCOPES)` → Authorization header."""

    def make(
        kind: str = "department",
        org: str | None = DEFAULT_ORG,
        scopes: tuple[str, ...] | list[str] = ALL_SCOPES,
        client_id: str | None = None,
        actor: str | None = None,
    ) -> dict[str, str]:
        if org == DEFAULT_ORG:
            org = DEFAULT_ORGS.get(kind)
        # A portal acting for an enterprise: RFC 8693 `act` names the portal, as the gateway mints.
        extra = {"act": {"sub": actor}} if actor else None
        return auth_headers(
            AUDIENCE, kind=kind, org=org, scopes=scopes, client_id=client_id, extra=extra
        )

    return make


SeedEnterprise = Callable[..., EnterpriseReplica]


@pytest.fixture
def seed_enterprise(credit_app: FastAPI, credit_client: TestClient) -> SeedEnterprise:
    """`seed_enterprise(uscc, **fields)`: put an enterprise in the replica, as the feed would.

    Test set-up only: the replica's own tests drive it through the registry's feed.
    """
    database: Database = credit_app.state.database

    def make(uscc: str = DEFAULT_ORGS["enterprise"], **fields: Any) -> EnterpriseReplica:
        values: dict[str, Any] = {
            "uscc": uscc,
            "name": f"Enterprise {uscc[-4:]}",
            "district": "xiaodian",
            "industry": "6510",
            "founded_on": date(2019, 3, 1),
            "size_class": "small",
            "is_tech_sme": False,
            "employees": 20,
            "filed_at": datetime(2020, 1, 1, tzinfo=UTC),
            **fields,
        }
        with database.transaction() as session:
            row = EnterpriseReplica(**values)
            session.add(row)
            session.flush()
            session.expunge(row)
        return row

    return make


@pytest.fixture
def database(credit_app: FastAPI) -> Database:
    """The credit app's database, for set-up the API does not offer."""
    db: Database = credit_app.state.database
    return db


class Clock:
    """The moment the ratings code sees as now."""

    def __init__(self) -> None:
        self.now = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The ratings code's clock, at noon in Shanghai on 15 June 2026 until a test moves it
    (`clock.now`); modules testing other domains hold their own."""
    held = Clock()
    monkeypatch.setattr(rating_service, "utcnow", lambda: held.now)
    monkeypatch.setattr(rating_run, "utcnow", lambda: held.now)
    return held
