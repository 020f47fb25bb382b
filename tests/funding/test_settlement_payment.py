# ruff: noqa: F811
"""Across services: a voucher settlement becomes a paid disbursement, whose `disbursement.paid`
the vouchers service consumes.

Both apps run (each on its own database); each reads the other's real `/v1/events` endpoint as
its own `service` client through the kernel's FeedConsumer (an httpx transport hands the
consumer's request to the other app's test client instead of a gateway). The settlement comes
from the vouchers API (redemptions, then a month's run); approval and payment go through the
funding API.
"""

import asyncio
import uuid
from collections.abc import Callable, Mapping

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import col

from services.common.consumer import FeedConsumer, Handler
from services.funding.app import MIGRATIONS
from services.funding.disbursements.settlements import settlement_handlers
from services.funding.settings import FundingSettings
from services.vouchers.redemptions.models import Redemption
from services.vouchers.settlements.service import HANDLERS as VOUCHER_FUNDING_HANDLERS
from tests.conftest import DatabaseTarget
from tests.funding.conftest import FundingHeaders
from tests.funding.disbursement_support import balance, fund_line
from tests.support import migrated_settings
from tests.vouchers.conftest import (  # noqa: F401 - fixtures
    VouchersHeaders,
    seed_enterprise,
    vouchers_app,
    vouchers_client,
    vouchers_headers,
    vouchers_settings,
)
from tests.vouchers.test_redemptions import (  # noqa: F401 - fixtures
    PROVIDER,
    PROVIDER_USCC,
    Post,
    World,
    body,
    redeem,
    world,
)
from tests.vouchers.test_settlements import LAST_MONTH, _in

YEAR = int(LAST_MONTH[:4])
LINE = f"line:{YEAR}:public-services"


@pytest.fixture
def funding_settings(
    new_database_target: Callable[[], DatabaseTarget], jwks_json: str
) -> FundingSettings:
    """The funding database apart from the vouchers one (each service owns its database)."""
    return migrated_settings(
        FundingSettings,
        target=new_database_target(),
        jwks_json=jwks_json,
        migrations=MIGRATIONS,
    )


def bridge(client: TestClient, headers: Mapping[str, str]) -> httpx.MockTransport:
    """A transport answering the consumer's feed request from `client`'s `/v1/events`."""

    def answer(request: httpx.Request) -> httpx.Response:
        got = client.get("/v1/events", params=dict(request.url.params), headers=dict(headers))
        return httpx.Response(got.status_code, content=got.content, headers=got.headers)

    return httpx.MockTransport(answer)


def catch_up(
    app: FastAPI, name: str, handlers: Mapping[str, Handler], transport: httpx.MockTransport
) -> int:
    consumer = FeedConsumer(
        name=name,
        feed_url="http://gateway/v1/events",
        database=app.state.database,
        handlers=handlers,
        client=httpx.AsyncClient(transport=transport),
    )

    async def run() -> int:
        try:
            return await consumer.catch_up()
        finally:
            await consumer.aclose()

    return asyncio.run(run())


def test_a_voucher_settlement_becomes_a_paid_disbursement_the_vouchers_service_marks_paid(
    world: World,
    redeem: Post,
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    funding_settings: FundingSettings,
) -> None:
    # vouchers: two redemptions last month, settled by the month's run.
    for amount, reference in ((100_000, "C-1"), (150_000, "C-2")):
        made = redeem(body(world.code, amount, reference=reference))
        assert made.status_code == 201, made.text
        with world.database.transaction() as session:
            session.execute(
                update(Redemption)
                .where(col(Redemption.id) == made.json()["id"])
                .values(created_at=_in(LAST_MONTH))
            )
    run = vouchers_client.post(
        "/v1/settlements/runs",
        json={"month": LAST_MONTH},
        headers={
            **vouchers_headers(kind="admin", org=None, client_id="cli_admin"),
            "Idempotency-Key": uuid.uuid4().hex,
        },
    )
    assert run.status_code == 201, run.text
    [settlement_id] = run.json()["settlement_ids"]

    # funding reads the vouchers feed as its service client: one proposal from the voucher line.
    fund_line(funding_app, account=LINE, year=YEAR, amount_fen=5_000_000)
    as_funding = vouchers_headers(
        kind="service", org=None, scopes=("events:read",), client_id="cli_funding_service"
    )
    handlers = settlement_handlers(funding_settings)
    assert catch_up(funding_app, "funding.vouchers", handlers, bridge(vouchers_client, as_funding))
    admin_b = funding_headers(kind="admin", org=None, client_id="cli_admin_b")
    listed = funding_client.get(
        "/v1/disbursements?purpose=voucher_settlement", headers=admin_b
    ).json()["items"]
    [proposed] = listed
    assert (proposed["source_ref"], proposed["payee_uscc"], proposed["amount_fen"]) == (
        settlement_id,
        PROVIDER_USCC,
        250_000,
    )
    assert (proposed["account"], proposed["status"]) == (LINE, "proposed")
    assert proposed["payee_name"] == f"Provider {PROVIDER}"
    assert balance(funding_app, LINE) == 5_000_000 - 250_000
    # The provider reads the disbursement paying its settlement; another provider does not.
    mine = funding_headers(kind="provider", org=PROVIDER, client_id=f"cli_{PROVIDER}")
    seen = funding_client.get("/v1/disbursements", headers=mine).json()["items"]
    assert [item["id"] for item in seen] == [proposed["id"]]
    other = funding_headers(kind="provider", org="prv_other", client_id="cli_prv_other")
    hidden = funding_client.get(f"/v1/disbursements/{proposed['id']}", headers=other)
    assert hidden.status_code == 404 and hidden.json()["code"] == "disbursement_not_found"

    # a second admin approves, a third records the bank's payment.
    disbursement_id = proposed["id"]
    approved = funding_client.post(
        f"/v1/disbursements/{disbursement_id}/approval",
        json={},
        headers={**admin_b, "If-Match": f'"{disbursement_id}.1"'},
    )
    assert approved.status_code == 200, approved.text
    paid = funding_client.post(
        f"/v1/disbursements/{disbursement_id}/payment",
        json={"payment_reference": "BOC-2026-0042"},
        headers={
            **funding_headers(kind="admin", org=None, client_id="cli_admin_c"),
            "If-Match": approved.headers["etag"],
            "Idempotency-Key": uuid.uuid4().hex,
        },
    )
    assert paid.status_code == 200, paid.text
    assert balance(funding_app, f"payee:{PROVIDER_USCC}") == 250_000
    assert balance(funding_app, "payable") == 0

    # vouchers reads the funding feed as its service client: the settlement is paid.
    as_vouchers = funding_headers(
        kind="service", org=None, scopes=("events:read",), client_id="cli_vouchers_service"
    )
    to_vouchers = bridge(funding_client, as_vouchers)
    assert catch_up(vouchers_app, "vouchers.funding", VOUCHER_FUNDING_HANDLERS, to_vouchers) == 1
    provider = vouchers_headers(kind="provider", org=PROVIDER, client_id=f"cli_{PROVIDER}")
    settlement = vouchers_client.get(f"/v1/settlements/{settlement_id}", headers=provider).json()
    assert (settlement["status"], settlement["paid_amount_fen"]) == ("paid", 250_000)
    assert settlement["disbursement_id"] == disbursement_id
    # Both feeds read again from the start (cursors lost): nothing happens twice.
    catch_up(funding_app, "funding.vouchers.replay", handlers, bridge(vouchers_client, as_funding))
    catch_up(vouchers_app, "vouchers.funding.replay", VOUCHER_FUNDING_HANDLERS, to_vouchers)
    again = funding_client.get("/v1/disbursements", headers=admin_b).json()["items"]
    assert [item["id"] for item in again] == [disbursement_id]
    assert world.events("settlement.paid") == [
        {
            "settlement_id": settlement_id,
            "provider_id": PROVIDER,
            "amount_fen": 250_000,
            "paid_amount_fen": 250_000,
            "disbursement_id": disbursement_id,
            "month": LAST_MONTH,
        }
    ]
