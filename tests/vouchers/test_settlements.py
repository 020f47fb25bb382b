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
from services.vouchers.settlements.models import Settlement, SettlementRun
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
    assert month_end("2025-12") == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)  # an odd year
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
    assert (
        bad.status_code == 422
        and [e["field"] for e in bad.json()["errors"]] == ["body.month"]
        and bad.json()["errors"][0]["field"] == "body.month"
    )
    provider = vouchers_headers(kind="provider", org=PROVIDER, client_id=f"cli_{PROVIDER}")
    refused = vouchers_client.post(
        "/v1/settlements/runs",
        json={"month": LAST_MONTH},
        headers={**provider, "Idempotency-Key": "k1"},
    )
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden_client_kind"
    no_key = vouchers_client.post(
        "/v1/settlements/runs",
        json={"month": LAST_MONTH},
        headers=vouchers_headers(kind="admin", org=None),
    )
    assert no_key.status_code == 400 and no_key.json()["code"] == "idempotency_key_required"
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
    other = vouchers_headers(kind="provider", org=OTHER_PROVIDER, client_id="cli_other")
    assert listed(other) == [theirs]
    assert listed(other, provider=PROVIDER) == [theirs]
    # and reads only its own, whichever provider id sorts first
    [theirs_id] = [
        s["id"]
        for s in vouchers_client.get(
            "/v1/settlements", params={"provider": OTHER_PROVIDER}, headers=admin
        ).json()["items"]
    ]
    for reader, settlement_id, seen in (
        (provider, paid_id, 200),
        (provider, theirs_id, 404),
        (other, theirs_id, 200),
        (other, paid_id, 404),
    ):
        answer = vouchers_client.get(f"/v1/settlements/{settlement_id}", headers=reader)
        assert answer.status_code == seen, (reader, settlement_id, answer.text)
        if seen == 404:
            assert answer.json()["code"] == "settlement_not_found"
        else:
            assert answer.json()["id"] == settlement_id
    bad = vouchers_client.get("/v1/settlements", params={"status": "due"}, headers=admin)
    assert (
        bad.status_code == 422
        and [e["field"] for e in bad.json()["errors"]] == ["query.status"]
        and bad.json()["errors"][0]["field"] == "query.status"
    )


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


def _clock(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> dict[str, datetime]:
    """The settlement service's clock, held at `moment` (change `clock["now"]` to move it)."""
    clock = {"now": moment}
    monkeypatch.setattr(settlement_service, "utcnow", lambda: clock["now"])
    return clock


def _run(client: TestClient, headers: VouchersHeaders, month: str) -> httpx.Response:
    return client.post("/v1/settlements/runs", json={"month": month}, headers=_admin(headers))


def test_a_month_can_be_settled_from_its_first_moment_after_not_a_microsecond_before(
    world: World,
    redeem: Post,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = redeem(body(world.code, 40_000)).json()
    _backdate(world, made["id"], created_at=_in(LAST_MONTH))
    end = month_end(LAST_MONTH)
    clock = _clock(monkeypatch, end - timedelta(microseconds=1))
    early = _run(vouchers_client, vouchers_headers, LAST_MONTH)
    assert early.status_code == 422 and early.json()["code"] == "settlement_month_not_over"
    clock["now"] = end
    ok = _run(vouchers_client, vouchers_headers, LAST_MONTH)
    assert ok.status_code == 201, ok.text
    assert (ok.json()["settlements"], ok.json()["amount_fen"]) == (1, 40_000)


def test_a_reversal_is_clawed_back_by_the_month_it_falls_in_to_the_microsecond(
    world: World,
    redeem: Post,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    third = "prv_third"
    seed_provider(world.database, OTHER_PROVIDER, "12140000MB7654321X", legal_rep_id_hash="d" * 64)
    seed_provider(world.database, third, "12140000MB7654322X", legal_rep_id_hash="e" * 64)
    end = month_end(LAST_MONTH)
    # Each provider's one redemption, paid two months ago, is reversed (by the provider, within
    # its 30 days) a microsecond before last month's end, at that very moment, a microsecond
    # after: only the first is last month's; the others are this month's.
    # The first provider's later ones, reversed at the end and after, wait for its next one.
    cases = [
        (PROVIDER, "mine", 100_000, end - timedelta(microseconds=1)),
        (PROVIDER, "mine later", 9_000, end),
        (PROVIDER, "mine last", 3_000, end + timedelta(microseconds=1)),
        (OTHER_PROVIDER, "theirs", 40_000, end),
        (third, "third", 7_000, end + timedelta(microseconds=1)),
    ]
    made = {
        name: redeem(body(world.code, amount, reference=name), org=org).json()["id"]
        for org, name, amount, _ in cases
    }
    for rid in made.values():
        _backdate(world, rid, created_at=_in(TWO_AGO))
    first = _run(vouchers_client, vouchers_headers, TWO_AGO)
    assert (first.json()["settlements"], first.json()["amount_fen"]) == (3, 159_000), first.text
    for org, name, _, at in cases:
        _backdate(world, made[name], created_at=utcnow())
        headers = vouchers_headers(kind="provider", org=org, client_id=f"cli_{org}")
        reversed_ = _reverse(vouchers_client, headers, made[name])
        assert reversed_.status_code == 200 and reversed_.json()["clawback"] is True
        _backdate(world, made[name], reversed_at=at)
    admin = vouchers_headers(kind="admin", org=None)

    def lines(run: httpx.Response) -> list[tuple[str, str, str, int]]:
        assert run.status_code == 201, run.text
        got = []
        for settlement_id in run.json()["settlement_ids"]:
            settlement = vouchers_client.get(f"/v1/settlements/{settlement_id}", headers=admin)
            provider_id = settlement.json()["provider_id"]
            got += [
                (provider_id, ln["redemption_id"], ln["kind"], ln["amount_fen"])
                for ln in settlement.json()["lines"]
            ]
        return sorted(got)

    # Only the provider with a clawback in the month has a settlement: nothing but the clawback.
    last = _run(vouchers_client, vouchers_headers, LAST_MONTH)
    assert lines(last) == [(PROVIDER, made["mine"], "clawback", -100_000)]
    assert (last.json()["settlements"], last.json()["amount_fen"]) == (1, -100_000)

    this_month = f"{TODAY.year:04d}-{TODAY.month:02d}"
    _clock(monkeypatch, month_end(this_month) + timedelta(hours=1))
    now = _run(vouchers_client, vouchers_headers, this_month)
    assert lines(now) == sorted(
        [
            (PROVIDER, made["mine later"], "clawback", -9_000),
            (PROVIDER, made["mine last"], "clawback", -3_000),
            (OTHER_PROVIDER, made["theirs"], "clawback", -40_000),
            (third, made["third"], "clawback", -7_000),
        ]
    )
    assert (now.json()["settlements"], now.json()["amount_fen"]) == (3, -59_000)


def test_a_redemption_is_settled_by_the_month_it_was_made_in_to_the_microsecond(
    world: World,
    redeem: Post,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    third = "prv_third"
    seed_provider(world.database, OTHER_PROVIDER, "12140000MB7654321X", legal_rep_id_hash="d" * 64)
    seed_provider(world.database, third, "12140000MB7654322X", legal_rep_id_hash="e" * 64)
    end = month_end(LAST_MONTH)
    # Made a microsecond before last month's end, at that moment, a microsecond after; the
    # first provider's later ones (at the end, after it) wait for its next settlement.
    cases = [
        (PROVIDER, "mine", 50_000, end - timedelta(microseconds=1)),
        (PROVIDER, "mine later", 6_000, end),
        (PROVIDER, "mine last", 2_000, end + timedelta(microseconds=1)),
        (OTHER_PROVIDER, "theirs", 40_000, end),
        (third, "third", 7_000, end + timedelta(microseconds=1)),
    ]
    made = {}
    for org, name, amount, at in cases:
        made[name] = redeem(body(world.code, amount, reference=name), org=org).json()["id"]
        _backdate(world, made[name], created_at=at)
    admin = vouchers_headers(kind="admin", org=None)

    def lines(run: httpx.Response) -> list[tuple[str, str, int]]:
        assert run.status_code == 201, run.text
        got = []
        for settlement_id in run.json()["settlement_ids"]:
            settlement = vouchers_client.get(f"/v1/settlements/{settlement_id}", headers=admin)
            provider_id = settlement.json()["provider_id"]
            got += [
                (provider_id, ln["redemption_id"], ln["amount_fen"])
                for ln in settlement.json()["lines"]
            ]
        return sorted(got)

    last = _run(vouchers_client, vouchers_headers, LAST_MONTH)
    assert lines(last) == [(PROVIDER, made["mine"], 50_000)]
    assert (last.json()["settlements"], last.json()["amount_fen"]) == (1, 50_000)

    this_month = f"{TODAY.year:04d}-{TODAY.month:02d}"
    _clock(monkeypatch, month_end(this_month) + timedelta(hours=1))
    now = _run(vouchers_client, vouchers_headers, this_month)
    assert lines(now) == sorted(
        [
            (PROVIDER, made["mine later"], 6_000),
            (PROVIDER, made["mine last"], 2_000),
            (OTHER_PROVIDER, made["theirs"], 40_000),
            (third, made["third"], 7_000),
        ]
    )
    assert (now.json()["settlements"], now.json()["amount_fen"]) == (3, 55_000)


def test_a_redemption_reversed_before_its_run_is_neither_paid_nor_clawed_back(
    world: World,
    redeem: Post,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The provider keeps one and reverses the other; another provider reverses its only one.
    seed_provider(world.database, OTHER_PROVIDER, "12140000MB7654321X", legal_rep_id_hash="d" * 64)
    kept = redeem(body(world.code, 60_000, reference="C-1")).json()
    undone = redeem(body(world.code, 25_000, reference="C-2")).json()
    theirs = redeem(body(world.code, 15_000, reference="C-3"), org=OTHER_PROVIDER).json()
    provider = vouchers_headers(kind="provider", org=PROVIDER, client_id=f"cli_{PROVIDER}")
    other = vouchers_headers(kind="provider", org=OTHER_PROVIDER, client_id="cli_other")
    for headers, made in ((provider, undone), (other, theirs)):
        reversed_ = _reverse(vouchers_client, headers, made["id"])
        assert reversed_.status_code == 200 and reversed_.json()["clawback"] is False
        _backdate(world, made["id"], created_at=_in(LAST_MONTH, 5), reversed_at=_in(LAST_MONTH, 6))
    _backdate(world, kept["id"], created_at=_in(LAST_MONTH, 5))

    last = _run(vouchers_client, vouchers_headers, LAST_MONTH)
    assert last.status_code == 201, last.text
    assert (last.json()["settlements"], last.json()["amount_fen"]) == (1, 60_000)
    [settlement_id] = last.json()["settlement_ids"]
    got = vouchers_client.get(f"/v1/settlements/{settlement_id}", headers=provider).json()
    assert [(ln["redemption_id"], ln["kind"], ln["amount_fen"]) for ln in got["lines"]] == [
        (kept["id"], "redemption", 60_000)
    ]
    # Not paid, so nothing to claw back from the next settlement either.
    this_month = f"{TODAY.year:04d}-{TODAY.month:02d}"
    _clock(monkeypatch, month_end(this_month) + timedelta(hours=1))
    now = _run(vouchers_client, vouchers_headers, this_month)
    assert now.status_code == 201, now.text
    assert (now.json()["settlements"], now.json()["settlement_ids"]) == (0, [])


def test_the_job_settles_the_month_before_its_clock_whatever_other_months_were_run(
    world: World,
    redeem: Post,
    vouchers_app: FastAPI,
    vouchers_settings: VouchersSettings,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    [job] = settlement_workers(vouchers_settings.model_copy(update={"jobs": True}))(vouchers_app)
    admin = vouchers_headers(kind="admin", org=None)

    def settled(month: str) -> list[tuple[str, int]]:
        answer = vouchers_client.get("/v1/settlements", params={"month": month}, headers=admin)
        assert answer.status_code == 200, answer.text
        return [(s["provider_id"], s["amount_fen"]) for s in answer.json()["items"]]

    older = redeem(body(world.code, 30_000, reference="C-1")).json()
    _backdate(world, older["id"], created_at=_in(TWO_AGO))
    by_hand = _run(vouchers_client, vouchers_headers, TWO_AGO)
    assert by_hand.status_code == 201, by_hand.text
    newer = redeem(body(world.code, 20_000, reference="C-2")).json()
    _backdate(world, newer["id"], created_at=_in(LAST_MONTH))
    # An earlier month was run by hand: the job still settles last month.
    assert job.run_once() == 0
    assert settled(LAST_MONTH) == [(PROVIDER, 20_000)]

    # A replica whose clock is still in the month before (months run after it): it settles the
    # month before that one, which no run has taken yet.
    three_ago = previous_month(date.fromisoformat(TWO_AGO + "-01"))
    oldest = redeem(body(world.code, 10_000, reference="C-3")).json()
    _backdate(world, oldest["id"], created_at=_in(three_ago))
    _clock(monkeypatch, _in(TWO_AGO))
    assert job.run_once() == 0
    assert settled(three_ago) == [(PROVIDER, 10_000)]
    assert job.run_once() == 0  # once
    assert settled(three_ago) == [(PROVIDER, 10_000)]


def _feed_once(app: FastAPI, payload: dict[str, Any]) -> int:
    """Funding's feed announces one `disbursement.paid` with `payload`; the consumer applies it."""
    event = {
        "seq": 1,
        "id": "evt_paid_payload",
        "type": "disbursement.paid",
        "payload": payload,
        "occurred_at": "2026-04-03T02:00:00Z",
    }

    def answer(request: httpx.Request) -> httpx.Response:
        items = [event] if int(request.url.params["after"]) < 1 else []
        return httpx.Response(200, json={"items": items, "next_after": 1})

    consumer = FeedConsumer(
        name="vouchers.funding",
        feed_url="http://funding/v1/events",
        database=app.state.database,
        handlers=HANDLERS,
        client=httpx.AsyncClient(transport=httpx.MockTransport(answer)),
    )

    async def once() -> int:
        try:
            return await consumer.poll_once()
        finally:
            await consumer.aclose()

    return asyncio.run(once())


@pytest.mark.parametrize(
    ("extra", "paid_at", "paid_amount_fen", "disbursement_id"),
    [
        (
            {"amount_fen": 30_000, "paid_at": "2026-04-03T02:00:00+00:00", "disbursement_id": "d1"},
            "2026-04-03T02:00:00Z",
            30_000,
            "d1",
        ),
        # What funding left out is not made up: no amount is 0 paid, no disbursement none.
        ({"paid_at": "2026-04-03T02:00:00+00:00"}, "2026-04-03T02:00:00Z", 0, None),
        # A disbursement id is kept up to its column's 80 characters.
        (
            {"amount_fen": 1, "paid_at": "2026-04-03T02:00:00+00:00", "disbursement_id": "d" * 80},
            "2026-04-03T02:00:00Z",
            1,
            "d" * 80,
        ),
        (
            {"amount_fen": 1, "paid_at": "2026-04-03T02:00:00+00:00", "disbursement_id": "e" * 81},
            "2026-04-03T02:00:00Z",
            1,
            "e" * 80,
        ),
    ],
)
def test_the_paid_event_records_what_funding_said(
    world: World,
    redeem: Post,
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    extra: dict[str, Any],
    paid_at: str,
    paid_amount_fen: int,
    disbursement_id: str | None,
) -> None:
    seed_provider(world.database, OTHER_PROVIDER, "12140000MB7654321X", legal_rep_id_hash="d" * 64)
    for org in (PROVIDER, OTHER_PROVIDER):
        made = redeem(body(world.code, 30_000, reference=org), org=org).json()
        _backdate(world, made["id"], created_at=_in(LAST_MONTH))
    run = _run(vouchers_client, vouchers_headers, LAST_MONTH)
    # The later settlement is paid; the earlier one (its id sorts first) is not touched.
    earlier, settlement_id = sorted(run.json()["settlement_ids"])
    assert _feed_once(vouchers_app, {"settlement_id": settlement_id, **extra}) == 1
    admin = vouchers_headers(kind="admin", org=None)
    got = vouchers_client.get(f"/v1/settlements/{settlement_id}", headers=admin).json()
    assert got["status"] == "paid"
    untouched = vouchers_client.get(f"/v1/settlements/{earlier}", headers=admin).json()
    assert (untouched["status"], untouched["paid_at"], untouched["paid_amount_fen"]) == (
        "requested",
        None,
        None,
    )
    assert (got["paid_at"], got["paid_amount_fen"], got["disbursement_id"]) == (
        paid_at,
        paid_amount_fen,
        disbursement_id,
    )
    [event] = _events(world, "settlement.paid")
    assert (event["paid_amount_fen"], event["disbursement_id"]) == (
        paid_amount_fen,
        disbursement_id,
    )
    with world.database.session(write=False) as session:  # the row's version counts its changes
        assert session.get_one(Settlement, settlement_id).version == 2


def test_a_job_that_loses_the_month_to_a_run_committed_after_its_check_settles_nothing(
    world: World,
    redeem: Post,
    vouchers_app: FastAPI,
    vouchers_settings: VouchersSettings,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    postgres_database: str | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if postgres_database is None:
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE: no run commits in between")
    made = redeem(body(world.code, 45_000)).json()
    _backdate(world, made["id"], created_at=_in(LAST_MONTH))
    [job] = settlement_workers(vouchers_settings.model_copy(update={"jobs": True}))(vouchers_app)
    checked, go = threading.Event(), threading.Event()
    month_over = settlement_service._month_over

    def paused(month: str, now: datetime) -> bool:
        # The job has found no run of the month; an admin's run commits before it claims it.
        if not checked.is_set():  # the job's call (first); the admin's run goes through
            checked.set()
            assert go.wait(30)
        return month_over(month, now)

    monkeypatch.setattr(settlement_service, "_month_over", paused)
    with ThreadPoolExecutor(1) as pool:
        round_ = pool.submit(job.run_once)
        try:
            assert checked.wait(30)
            by_hand = _run(vouchers_client, vouchers_headers, LAST_MONTH)
        finally:
            go.set()
        assert round_.result(timeout=60) == 0
    assert by_hand.status_code == 201, by_hand.text
    assert (by_hand.json()["settlements"], by_hand.json()["amount_fen"]) == (1, 45_000)
    admin = vouchers_headers(kind="admin", org=None)
    listed = vouchers_client.get("/v1/settlements", params={"month": LAST_MONTH}, headers=admin)
    assert [s["amount_fen"] for s in listed.json()["items"]] == [45_000]
    assert len(_events(world, "settlement.requested")) == 1


def test_each_run_keeps_its_own_totals_whatever_order_months_are_run_in(
    world: World, redeem: Post, vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    """The run rows are the record of what each month paid: a run writes only its own, also
    when an earlier month is run after a later one (a replica whose clock is behind)."""
    newer = redeem(body(world.code, 20_000, reference="T-2")).json()
    _backdate(world, newer["id"], created_at=_in(LAST_MONTH))
    first = _run(vouchers_client, vouchers_headers, LAST_MONTH)
    assert first.status_code == 201, first.text
    older = redeem(body(world.code, 30_000, reference="T-1")).json()
    _backdate(world, older["id"], created_at=_in(TWO_AGO))
    second = _run(vouchers_client, vouchers_headers, TWO_AGO)
    assert second.status_code == 201, second.text
    assert (second.json()["settlements"], second.json()["amount_fen"]) == (1, 30_000)
    with world.database.session() as session:
        stored = {
            run.month: (run.settlements, run.amount_fen)
            for run in session.exec(select(SettlementRun)).all()
        }
    assert stored == {TWO_AGO: (1, 30_000), LAST_MONTH: (1, 20_000)}


def test_two_months_run_at_once_each_keep_their_own_totals_and_settlements(
    world: World,
    redeem: Post,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    postgres_database: str | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A run started first and a run started later that commits while the first is still
    settling: the first writes its totals and lists its settlements, never the later run's."""
    if postgres_database is None:
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE: no run commits in between")
    first_made = redeem(body(world.code, 20_000, reference="T-1")).json()
    _backdate(world, first_made["id"], created_at=_in(LAST_MONTH))
    settling, go = threading.Event(), threading.Event()
    settle_provider = settlement_service._settle_provider

    def paused(session: Any, **kwargs: Any) -> Any:
        if not settling.is_set():  # the first run, its run row written, its claims locked
            settling.set()
            assert go.wait(30)
        return settle_provider(session, **kwargs)

    monkeypatch.setattr(settlement_service, "_settle_provider", paused)
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(_run, vouchers_client, vouchers_headers, LAST_MONTH)
        try:
            assert settling.wait(30)
            # Made after the first run read its claims, in an earlier month: the later run's.
            later_made = redeem(body(world.code, 30_000, reference="T-2")).json()
            _backdate(world, later_made["id"], created_at=_in(TWO_AGO))
            later = _run(vouchers_client, vouchers_headers, TWO_AGO)
        finally:
            go.set()
        first_done = first.result(timeout=60)
    assert later.status_code == 201, later.text
    assert first_done.status_code == 201, first_done.text
    assert later.json()["id"] > first_done.json()["id"]  # created later: a greater ULID
    assert (later.json()["settlements"], later.json()["amount_fen"]) == (1, 30_000)
    assert (first_done.json()["settlements"], first_done.json()["amount_fen"]) == (1, 20_000)
    assert set(first_done.json()["settlement_ids"]).isdisjoint(later.json()["settlement_ids"])
    with world.database.session() as session:
        stored = {
            run.month: (run.settlements, run.amount_fen)
            for run in session.exec(select(SettlementRun)).all()
        }
        by_run = {
            run_id: sorted(
                session.exec(select(Settlement.id).where(col(Settlement.run_id) == run_id)).all()
            )
            for run_id in (first_done.json()["id"], later.json()["id"])
        }
    assert stored == {LAST_MONTH: (1, 20_000), TWO_AGO: (1, 30_000)}
    assert by_run == {
        first_done.json()["id"]: first_done.json()["settlement_ids"],
        later.json()["id"]: later.json()["settlement_ids"],
    }
