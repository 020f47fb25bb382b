# ruff: noqa: F811
"""Settlement: monthly runs through the API, clawbacks, the funding feed marking them paid.

Set-up (programme, provider, vouchers) comes from the redemption tests' seeding (issuance and
providers are other branches); redemptions and reversals go through the API. Their timestamps
are then moved back a month or two in the database, standing in for the passing of time.
"""

import asyncio
import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import col, select

from services.common.clock import utcnow
from services.common.consumer import FeedConsumer
from services.common.dates import shanghai_date
from services.common.models import OutboxEvent
from services.vouchers.programmes.models import Programme
from services.vouchers.redemptions.models import Redemption
from services.vouchers.settlements.service import HANDLERS, month_end, previous_month
from services.vouchers.vouchers.models import Voucher
from tests.vouchers.conftest import VouchersHeaders
from tests.vouchers.test_redemptions import (  # noqa: F401 - fixtures
    PROVIDER,
    PROVIDER_USCC,
    Post,
    World,
    body,
    redeem,
    seed_provider,
    world,
)

TODAY = shanghai_date(utcnow())
LAST_MONTH = previous_month(TODAY)
TWO_AGO = previous_month(date.fromisoformat(LAST_MONTH + "-01"))
OTHER_PROVIDER = "prv_other"


def _in(month: str, day: int = 10) -> datetime:
    return datetime.fromisoformat(f"{month}-{day:02d}T04:00:00+00:00").astimezone(UTC)


def _admin(headers: VouchersHeaders, key: str | None = None) -> dict[str, str]:
    return {
        **headers(kind="admin", org=None, client_id="cli_admin"),
        "Idempotency-Key": key or uuid.uuid4().hex,
    }


def _backdate(world: World, redemption_id: str, **moments: datetime) -> None:
    with world.database.transaction() as session:
        session.execute(
            update(Redemption).where(col(Redemption.id) == redemption_id).values(**moments)
        )


def _books(world: World) -> dict[str, int]:
    with world.database.session(write=False) as session:
        programme = session.get_one(Programme, world.programme_id)
        vouchers = session.exec(select(Voucher)).all()
        redemptions = session.exec(select(Redemption)).all()
    return {
        "budget": programme.budget_fen,
        "committed": programme.committed_fen,
        "balances": sum(v.balance_fen for v in vouchers),
        "face": sum(v.face_value_fen for v in vouchers),
        "released": sum(v.released_fen for v in vouchers),
        "redeemed_net": sum(r.amount_fen for r in redemptions if r.status == "redeemed"),
    }


def _events(world: World, type_: str) -> list[dict[str, Any]]:
    with world.database.session(write=False) as session:
        rows = session.exec(
            select(OutboxEvent).where(col(OutboxEvent.type) == type_).order_by(col(OutboxEvent.seq))
        ).all()
    return [row.payload for row in rows]


def test_month_boundaries_are_shanghai_months() -> None:
    assert month_end("2026-03") == datetime(2026, 3, 31, 16, 0, tzinfo=UTC)
    assert month_end("2026-12") == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    assert previous_month(date(2026, 1, 1)) == "2025-12"


def test_full_cycle_settles_claws_back_and_is_paid_from_the_funding_feed(
    world: World,
    redeem: Post,
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
) -> None:
    seed_provider(world.database, OTHER_PROVIDER, "12140000MB7654321X", legal_rep_id_hash="d" * 64)
    first = redeem(body(world.code, 100_000, reference="C-1")).json()
    second = redeem(body(world.code, 150_000, reference="C-2")).json()
    third = redeem(body(world.code, 50_000, reference="C-3"), org=OTHER_PROVIDER).json()
    for redemption in (first, second, third):
        _backdate(world, redemption["id"], created_at=_in(TWO_AGO))
    books = _books(world)
    # The books: the programme committed the face (seeded 2×face, one voucher issued);
    # per voucher face = balance + redeemed net of reversals + released.
    assert books["face"] == books["balances"] + books["redeemed_net"] + books["released"]

    run = vouchers_client.post(
        "/v1/settlements/runs", json={"month": TWO_AGO}, headers=_admin(vouchers_headers)
    )
    assert run.status_code == 201, run.text
    assert run.json()["month"] == TWO_AGO
    assert (run.json()["settlements"], run.json()["amount_fen"]) == (2, 300_000)
    requested = {e["provider_id"]: e for e in _events(world, "settlement.requested")}
    mine = requested[PROVIDER]
    assert mine["provider_uscc"] == PROVIDER_USCC and mine["amount_fen"] == 250_000
    assert (mine["lines"], mine["month"], mine["clawback_fen"]) == (2, TWO_AGO, 0)

    again = vouchers_client.post(
        "/v1/settlements/runs", json={"month": TWO_AGO}, headers=_admin(vouchers_headers)
    )
    assert again.status_code == 409 and again.json()["code"] == "settlement_run_exists"

    # The provider reverses a settled redemption: a clawback in its next settlement. (Set-up:
    # its creation is put back within the 30-day window first, its reversal then last month.)
    _backdate(world, first["id"], created_at=utcnow())
    reversal = vouchers_client.post(
        f"/v1/redemptions/{first['id']}/reversal",
        json={"reason": "service not delivered"},
        headers=vouchers_headers(kind="provider", org=PROVIDER, client_id=f"cli_{PROVIDER}"),
    )
    assert reversal.status_code == 200, reversal.text
    assert reversal.json()["clawback"] is True
    _backdate(world, first["id"], reversed_at=_in(LAST_MONTH))
    fourth = redeem(body(world.code, 20_000, reference="C-4")).json()
    _backdate(world, fourth["id"], created_at=_in(LAST_MONTH))
    books = _books(world)
    assert books["face"] == books["balances"] + books["redeemed_net"] + books["released"]

    nxt = vouchers_client.post(
        "/v1/settlements/runs", json={"month": LAST_MONTH}, headers=_admin(vouchers_headers)
    )
    assert nxt.status_code == 201, nxt.text
    assert (nxt.json()["settlements"], nxt.json()["amount_fen"]) == (1, 20_000 - 100_000)
    [settlement_id] = nxt.json()["settlement_ids"]

    provider = vouchers_headers(kind="provider", org=PROVIDER, client_id=f"cli_{PROVIDER}")
    got = vouchers_client.get(f"/v1/settlements/{settlement_id}", headers=provider).json()
    assert (got["redeemed_fen"], got["clawback_fen"], got["amount_fen"]) == (
        20_000,
        100_000,
        -80_000,
    )
    assert [(line["redemption_id"], line["kind"], line["amount_fen"]) for line in got["lines"]] == [
        (fourth["id"], "redemption", 20_000),
        (first["id"], "clawback", -100_000),
    ]
    listed = vouchers_client.get("/v1/settlements", headers=provider).json()["items"]
    assert {s["month"] for s in listed} == {TWO_AGO, LAST_MONTH}
    assert all(s["provider_id"] == PROVIDER for s in listed)
    other = vouchers_headers(kind="provider", org=OTHER_PROVIDER, client_id="cli_other")
    hidden = vouchers_client.get(f"/v1/settlements/{settlement_id}", headers=other)
    assert hidden.status_code == 404 and hidden.json()["code"] == "settlement_not_found"
    admin_all = vouchers_client.get(
        "/v1/settlements", headers=vouchers_headers(kind="admin", org=None)
    ).json()["items"]
    assert len(admin_all) == 3

    # funding pays the first settlement: its feed, read by the kernel's consumer (twice).
    paid_id = mine["settlement_id"]
    feed = [
        {
            "seq": 7,
            "id": "evt_paid_1",
            "type": "disbursement.paid",
            "payload": {
                "settlement_id": paid_id,
                "amount_fen": 250_000,
                "paid_at": "2026-04-03T02:00:00+00:00",
                "disbursement_id": "dsb_1",
            },
            "occurred_at": "2026-04-03T02:00:00Z",
        }
    ]

    def answer(request: httpx.Request) -> httpx.Response:
        after = int(request.url.params["after"])
        items = [e for e in feed if e["seq"] > after]
        return httpx.Response(
            200, json={"items": items, "next_after": items[-1]["seq"] if items else after}
        )

    def consumer(name: str) -> FeedConsumer:
        return FeedConsumer(
            name=name,
            feed_url="http://funding/v1/events",
            database=vouchers_app.state.database,
            handlers=HANDLERS,
            client=httpx.AsyncClient(transport=httpx.MockTransport(answer)),
        )

    assert asyncio.run(consumer("vouchers.funding").poll_once()) == 1
    # A second consumer name (cursor lost) re-applies the event: nothing changes twice.
    assert asyncio.run(consumer("vouchers.funding.replay").poll_once()) == 1
    paid = vouchers_client.get(f"/v1/settlements/{paid_id}", headers=provider).json()
    assert paid["status"] == "paid" and paid["paid_amount_fen"] == 250_000
    assert paid["disbursement_id"] == "dsb_1"
    assert len(_events(world, "settlement.paid")) == 1


def test_run_refusals(
    world: World, vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    this_month = f"{TODAY.year:04d}-{TODAY.month:02d}"
    early = vouchers_client.post(
        "/v1/settlements/runs", json={"month": this_month}, headers=_admin(vouchers_headers)
    )
    assert early.status_code == 422 and early.json()["code"] == "settlement_month_not_over"
    assert early.json()["errors"][0]["field"] == "body.month"
    bad = vouchers_client.post(
        "/v1/settlements/runs", json={"month": "2026-13"}, headers=_admin(vouchers_headers)
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.month"
    provider = vouchers_headers(kind="provider", org=PROVIDER, client_id=f"cli_{PROVIDER}")
    refused = vouchers_client.post(
        "/v1/settlements/runs",
        json={"month": LAST_MONTH},
        headers={**provider, "Idempotency-Key": "k1"},
    )
    assert refused.status_code == 403
    no_key = vouchers_client.post(
        "/v1/settlements/runs",
        json={"month": LAST_MONTH},
        headers=vouchers_headers(kind="admin", org=None),
    )
    assert no_key.status_code == 400
    # Nothing was run by the refusals: last month is still open to a run.
    ok = vouchers_client.post(
        "/v1/settlements/runs", json={"month": LAST_MONTH}, headers=_admin(vouchers_headers)
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["settlements"] == 0
