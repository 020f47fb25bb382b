# ruff: noqa: F811
"""Settlement: monthly runs through the API, clawbacks, the funding feed marking them paid.

Set-up (programme, provider, vouchers) comes from the redemption tests' seeding (issuance and
providers are other branches); redemptions and reversals go through the API. Their timestamps
are then moved back a month or two in the database, standing in for the passing of time.
"""

import asyncio
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from services.common.clock import utcnow
from services.common.consumer import FeedConsumer
from services.common.dates import shanghai_date
from services.common.models import OutboxEvent
from services.vouchers.app import create_app
from services.vouchers.programmes.models import Programme
from services.vouchers.redemptions.models import Redemption
from services.vouchers.settings import VouchersSettings
from services.vouchers.settlements import service as settlement_service
from services.vouchers.settlements.jobs import workers as settlement_workers
from services.vouchers.settlements.service import HANDLERS, month_end, previous_month
from services.vouchers.vouchers.models import Voucher
from tests.vouchers.conftest import VouchersHeaders
from tests.vouchers.test_cycle import _pay
from tests.vouchers.test_redemptions import (  # noqa: F401 - fixtures
    PROVIDER,
    PROVIDER_USCC,
    Post,
    World,
    _reverse,
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


def test_the_list_filters_by_provider_month_and_status(
    world: World,
    redeem: Post,
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
) -> None:
    seed_provider(world.database, OTHER_PROVIDER, "12140000MB7654321X", legal_rep_id_hash="d" * 64)
    old_mine = redeem(body(world.code, 100_000, reference="C-1")).json()
    old_theirs = redeem(body(world.code, 40_000, reference="C-2"), org=OTHER_PROVIDER).json()
    new_mine = redeem(body(world.code, 30_000, reference="C-3")).json()
    _backdate(world, old_mine["id"], created_at=_in(TWO_AGO))
    _backdate(world, old_theirs["id"], created_at=_in(TWO_AGO))
    _backdate(world, new_mine["id"], created_at=_in(LAST_MONTH))
    for month in (TWO_AGO, LAST_MONTH):
        run = vouchers_client.post(
            "/v1/settlements/runs", json={"month": month}, headers=_admin(vouchers_headers)
        )
        assert run.status_code == 201, run.text
    admin = vouchers_headers(kind="admin", org=None)

    def listed(headers: dict[str, str], **params: str) -> list[tuple[str, str, int, str]]:
        answer = vouchers_client.get("/v1/settlements", params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        items = answer.json()["items"]
        return sorted((s["provider_id"], s["month"], s["amount_fen"], s["status"]) for s in items)

    paid = (PROVIDER, TWO_AGO, 100_000, "paid")
    theirs = (OTHER_PROVIDER, TWO_AGO, 40_000, "requested")
    latest = (PROVIDER, LAST_MONTH, 30_000, "requested")
    assert listed(admin) == sorted([(*paid[:3], "requested"), theirs, latest])
    [paid_id] = [
        s["id"]
        for s in vouchers_client.get(
            "/v1/settlements", params={"month": TWO_AGO, "provider": PROVIDER}, headers=admin
        ).json()["items"]
    ]
    assert _pay(vouchers_app, paid_id, 100_000) == 1

    assert listed(admin, status="paid") == [paid]
    assert listed(admin, status="requested") == sorted([theirs, latest])
    assert listed(admin, provider=OTHER_PROVIDER) == [theirs]
    assert listed(admin, month=LAST_MONTH) == [latest]
    assert listed(admin, provider=PROVIDER, month=TWO_AGO, status="paid") == [paid]
    assert listed(admin, provider=OTHER_PROVIDER, status="paid") == []
    provider = vouchers_headers(kind="provider", org=PROVIDER, client_id=f"cli_{PROVIDER}")
    assert listed(provider, month=TWO_AGO) == [paid]
    assert listed(provider, status="requested") == [latest]
    # a provider naming another provider still sees only its own
    assert listed(provider, provider=OTHER_PROVIDER) == sorted([paid, latest])
    bad = vouchers_client.get("/v1/settlements", params={"status": "due"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.status"


def _wait_for(condition: Callable[[], bool], timeout: float = 20) -> bool:
    """Wait until `condition` holds (checked as the app's jobs commit), at most `timeout` s."""
    stop = threading.Event()
    for _ in range(int(timeout / 0.05)):
        if condition():
            return True
        stop.wait(0.05)
    return condition()


def test_the_app_settles_last_month_by_itself_once(
    world: World,
    redeem: Post,
    vouchers_settings: VouchersSettings,
    vouchers_headers: VouchersHeaders,
) -> None:
    made = redeem(body(world.code, 70_000)).json()
    _backdate(world, made["id"], created_at=_in(LAST_MONTH))
    on = vouchers_settings.model_copy(update={"jobs": True})
    app = create_app(on)
    admin = vouchers_headers(kind="admin", org=None)
    with TestClient(app, raise_server_exceptions=False) as client:

        def settled() -> list[dict[str, Any]]:
            answer = client.get("/v1/settlements", params={"month": LAST_MONTH}, headers=admin)
            assert answer.status_code == 200, answer.text
            items: list[dict[str, Any]] = answer.json()["items"]
            return items

        assert _wait_for(lambda: bool(settled()))
        [settlement] = settled()
        assert (settlement["provider_id"], settlement["amount_fen"]) == (PROVIDER, 70_000)
        assert [(ln["redemption_id"], ln["amount_fen"]) for ln in settlement["lines"]] == [
            (made["id"], 70_000)
        ]
        # Another replica's hourly round finds the month settled: nothing more.
        [job] = settlement_workers(on)(app)
        assert job.name == "vouchers.settle" and job.run_once() == 0
        assert settled() == [settlement]
        assert len(_events(world, "settlement.requested")) == 1
        again = client.post(
            "/v1/settlements/runs", json={"month": LAST_MONTH}, headers=_admin(vouchers_headers)
        )
        assert again.status_code == 409 and again.json()["code"] == "settlement_run_exists"
    # Off in tests by default: the fixture app runs no job.
    assert settlement_workers(vouchers_settings)(app) == []


def test_a_reversal_racing_a_run_waits_for_it_and_is_clawed_back_next_month(
    world: World,
    redeem: Post,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    postgres_database: str | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if postgres_database is None:
        pytest.skip("row locks are PostgreSQL's; SQLite serialises writers with BEGIN IMMEDIATE")
    this_month = f"{TODAY.year:04d}-{TODAY.month:02d}"
    next_month = f"{(TODAY.replace(day=28) + timedelta(days=10)):%Y-%m}"
    # The settlement job's clock an hour past this month's end: this month can be settled.
    clock = {"now": month_end(this_month) + timedelta(hours=1)}
    monkeypatch.setattr(settlement_service, "utcnow", lambda: clock["now"])
    made = redeem(body(world.code, 60_000)).json()
    selected, go = threading.Event(), threading.Event()
    settle_provider = settlement_service._settle_provider

    def paused(session: Any, **kwargs: Any) -> Any:
        selected.set()  # the run has read (and locked) what it settles
        assert go.wait(30)
        return settle_provider(session, **kwargs)

    monkeypatch.setattr(settlement_service, "_settle_provider", paused)
    provider = vouchers_headers(kind="provider", org=PROVIDER, client_id=f"cli_{PROVIDER}")
    with ThreadPoolExecutor(2) as pool:
        run = pool.submit(
            vouchers_client.post,
            "/v1/settlements/runs",
            json={"month": this_month},
            headers=_admin(vouchers_headers),
        )
        try:
            assert selected.wait(30)
            # The run holds the redemption's row: a reversal's write waits (NOWAIT: at once).
            with world.database.session() as probe, pytest.raises(OperationalError, match="lock"):
                probe.execute(
                    select(Redemption.id)
                    .where(col(Redemption.id) == made["id"])
                    .with_for_update(nowait=True)
                )
            reversal = pool.submit(_reverse, vouchers_client, provider, made["id"])
        finally:
            go.set()
        ran, reversed_ = run.result(timeout=60), reversal.result(timeout=60)
    assert ran.status_code == 201, ran.text
    [settlement_id] = ran.json()["settlement_ids"]
    assert (ran.json()["settlements"], ran.json()["amount_fen"]) == (1, 60_000)
    # The reversal went through after the run: the redemption was paid, so it is clawed back.
    assert reversed_.status_code == 200, reversed_.text
    assert reversed_.json()["clawback"] is True
    assert reversed_.json()["settlement_id"] == settlement_id

    monkeypatch.setattr(settlement_service, "_settle_provider", settle_provider)
    clock["now"] = month_end(next_month) + timedelta(hours=1)
    nxt = vouchers_client.post(
        "/v1/settlements/runs", json={"month": next_month}, headers=_admin(vouchers_headers)
    )
    assert nxt.status_code == 201, nxt.text
    assert (nxt.json()["settlements"], nxt.json()["amount_fen"]) == (1, -60_000)
    [clawback_id] = nxt.json()["settlement_ids"]
    got = vouchers_client.get(f"/v1/settlements/{clawback_id}", headers=provider).json()
    assert [(ln["redemption_id"], ln["kind"], ln["amount_fen"]) for ln in got["lines"]] == [
        (made["id"], "clawback", -60_000)
    ]
