"""Fixtures for the vouchers service: a migrated app, a client, tokens, enterprises in its replica."""

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.db import Database
from services.vouchers.app import MIGRATIONS, create_app
from services.vouchers.enterprises.models import VoucherEnterprise
from services.vouchers.settings import VouchersSettings
from tests.conftest import DatabaseTarget, TokenHeaders
from tests.support import migrated_settings

AUDIENCE = "vouchers"
ALL_SCOPES = (
    "vouchers:read",
    "vouchers:apply",
    "vouchers:provide",
    "vouchers:admin",
    "events:read",
)
# Who each kind acts for by default (its token's `org`).
DEFAULT_ORGS = {
    "department": "tax_bureau",
    "bank": "JSB",
    "provider": "prv_demo",  # a provider client's org is its provider id
    "enterprise": "91140100MA0K000017",
    "portal": "91140100MA0K000017",
}
DEFAULT_ORG = "\0default"  # no caller's org given: use the kind's default


@pytest.fixture
def vouchers_settings(database_target: DatabaseTarget, jwks_json: str) -> VouchersSettings:
    """Settings for a freshly migrated vouchers database."""
    return migrated_settings(
        VouchersSettings, target=database_target, jwks_json=jwks_json, migrations=MIGRATIONS
    )


@pytest.fixture
def vouchers_app(vouchers_settings: VouchersSettings) -> FastAPI:
    """The vouchers app."""
    return create_app(vouchers_settings)


@pytest.fixture
def vouchers_client(vouchers_app: FastAPI) -> Iterator[TestClient]:
    """An HTTP client of the vouchers app (server errors come back as 500 problems)."""
    with TestClient(vouchers_app, raise_server_exceptions=False) as client:
        yield client


VouchersHeaders = Callable[..., dict[str, str]]


@pytest.fixture
def vouchers_headers(auth_headers: TokenHeaders) -> VouchersHeaders:
    """`vouchers_headers(kind="department", org=…, scopes=ALL_SCOPES)` → Authorization header."""

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


SeedEnterprise = Callable[..., VoucherEnterprise]


@pytest.fixture
def seed_enterprise(vouchers_app: FastAPI, vouchers_client: TestClient) -> SeedEnterprise:
    """`seed_enterprise(uscc, **fields)`: put an enterprise in the replica, as the feed would.

    Test set-up only: the replica's own tests drive it through the registry's feed.
    """
    database: Database = vouchers_app.state.database

    def make(uscc: str = DEFAULT_ORGS["enterprise"], **fields: Any) -> VoucherEnterprise:
        values: dict[str, Any] = {
            "uscc": uscc,
            "name": f"Enterprise {uscc[-4:]}",
            "district": "xiaodian",
            "founded_on": date(2019, 3, 1),
            "size_class": "small",
            "is_tech_sme": False,
            "legal_rep_id_hash": "a" * 64,
            **fields,
        }
        with database.transaction() as session:
            row = VoucherEnterprise(**values)
            session.add(row)
            session.flush()
            session.expunge(row)
        return row

    return make
