# ruff: noqa: F811
"""Across services: an overdue bridge loan becomes a negative credit record.

Both apps run, each on its own database; the credit service reads the funding service's real
`/v1/events` endpoint as its own `service` client through the kernel's FeedConsumer (an httpx
transport hands the consumer's request to the funding test client instead of a gateway). The
bridge loan is lent through the funding API, flagged by the overdue job, and repaid late.
"""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.credit.enterprises.errors import UnknownEnterprise
from services.credit.records.feeds import funding_handlers
from services.funding.app import MIGRATIONS
from services.funding.bridge.service import flag_overdue
from services.funding.settings import FundingSettings
from tests.conftest import DatabaseTarget
from tests.credit.conftest import (  # noqa: F401 - fixtures
    CreditHeaders,
    SeedEnterprise,
    credit_app,
    credit_client,
    credit_headers,
    credit_settings,
    seed_enterprise,
)
from tests.funding.bridge_support import (  # noqa: F401 - the clock fixture
    Clock,
    apply,
    clock,
    load,
    registered,
    world,
)
from tests.funding.conftest import FundingHeaders
from tests.funding.riskpool_support import SMALL, admin
from tests.funding.test_settlement_payment import bridge, catch_up
from tests.support import migrated_settings


@pytest.fixture
def funding_settings(
    new_database_target: Callable[[], DatabaseTarget], jwks_json: str
) -> FundingSettings:
    """The funding database apart from the credit one (each service owns its database)."""
    return migrated_settings(
        FundingSettings, target=new_database_target(), jwks_json=jwks_json, migrations=MIGRATIONS
    )


def _records(client: TestClient, headers: CreditHeaders) -> list[dict[str, Any]]:
    answer = client.get("/v1/records", headers=headers(kind="admin", org=None))
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def test_an_overdue_bridge_loan_is_filed_once_as_a_negative_record_and_ends_when_repaid(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    credit_app: FastAPI,
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    clock: Clock,
) -> None:
    # funding: 500,000 fen for 17 days from 2016-05-20, due 2016-06-06 (fee 1,416 fen).
    world(funding_app, funding_client, funding_headers, 1_000_000)
    loan = registered(funding_client, funding_headers, 1, 600_000)
    load(funding_client, funding_headers, 1_000_000)
    lent = apply(funding_client, funding_headers, loan, 500_000, 17)
    assert lent.status_code == 201, lent.text
    bridge_id = lent.json()["id"]
    as_credit = funding_headers(
        kind="service", org=None, scopes=("events:read",), client_id="cli_credit_service"
    )
    feed = bridge(funding_client, as_credit)

    # Not overdue yet: the feed has the lending only, credit files nothing.
    catch_up(credit_app, "credit.funding", funding_handlers(), feed)
    assert _records(credit_client, credit_headers) == []

    # 2016-06-07: the job flags it. Credit does not know the enterprise yet: the page is rolled
    # back (nothing filed, the cursor stays) and applied once the replica has it.
    clock.day = clock.day.replace(month=6, day=7)
    with funding_app.state.database.transaction() as session:
        assert flag_overdue(session) == 1
    with pytest.raises(UnknownEnterprise):
        catch_up(credit_app, "credit.funding", funding_handlers(), feed)
    assert _records(credit_client, credit_headers) == []
    seed_enterprise(SMALL)
    assert catch_up(credit_app, "credit.funding", funding_handlers(), feed) == 1
    [record] = _records(credit_client, credit_headers)
    assert (record["type"], record["polarity"], record["uscc"]) == (
        "bridge_loan_overdue",
        "negative",
        SMALL,
    )
    assert (record["source"], record["reference"]) == ("bridge_fund", bridge_id)
    assert (record["occurred_on"], record["ended_on"], record["status"]) == (
        "2016-06-07",
        None,
        "active",
    )
    assert "5014.16" in record["title"]  # owed: 501,416 fen

    # Redelivered (a second consumer reading the feed from the start): still one record.
    catch_up(credit_app, "credit.funding.replay", funding_handlers(), feed)
    assert [r["id"] for r in _records(credit_client, credit_headers)] == [record["id"]]
    # The enterprise sees it among its own records.
    own = credit_client.get(
        "/v1/records", headers=credit_headers(kind="enterprise", org=SMALL, scopes=["credit:read"])
    )
    assert [r["id"] for r in own.json()["items"]] == [record["id"]]

    # Repaid late on 2016-06-09: the record's conduct ends that day (a second version).
    clock.advance(2)
    repaid = funding_client.post(
        f"/v1/bridge-loans/{bridge_id}/repayment",
        json={"repaid_on": "2016-06-09", "amount_fen": 501_416},
        headers={**admin(funding_headers), "Idempotency-Key": "repay-1"},
    )
    assert repaid.status_code == 200, repaid.text
    assert catch_up(credit_app, "credit.funding", funding_handlers(), feed) == 1
    [ended] = _records(credit_client, credit_headers)
    assert (ended["ended_on"], ended["version"], ended["status"]) == ("2016-06-09", 2, "active")
    events = credit_client.get(
        "/v1/events",
        params={"after": 0},
        headers=credit_headers(kind="service", org=None, scopes=("events:read",)),
    ).json()["items"]
    assert [e["type"] for e in events if e["type"].startswith("record.")] == [
        "record.added",
        "record.corrected",
    ]
