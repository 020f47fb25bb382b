"""A voucher's full cycle through the API, the books balancing after every step.

programme opened → an enterprise applies (auto-approve) → a voucher is issued → an approved
provider redeems twice → reverses one → the month's settlement run → funding's
`disbursement.paid` consumed (the kernel's FeedConsumer over a mock funding feed) → paid.

Set-up outside the API: the enterprise replicas (the feed tests drive those through the
registry), and the redemptions' creation moved back into last month in the database, standing
in for the passing of time (a run settles only a month that is over).

The identities checked after each step, from what the API shows (admin reads) and the caps:
  I1  budget = committed + remaining, remaining ≥ 0
  I2  committed = Σ (face − released) over the programme's vouchers
  I3  per voucher: face = balance + redeemed net of reversals + released
      (so committed = Σ balances + Σ redeemed net of reversals)
  I4  redeemed net of reversals = Σ settlements' amounts + unsettled redemptions
      − reversals of settled redemptions not yet clawed back
  I5  paid = Σ paid settlements' amounts ≤ Σ settlements' amounts
  I6  the holder's yearly usage: issued = Σ faces, redeemed = redeemed net of reversals
"""

import asyncio
import uuid
from datetime import datetime
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import col, select

from services.common.clock import utcnow
from services.common.consumer import FeedConsumer
from services.common.dates import shanghai_date
from services.common.db import Database
from services.common.models import OutboxEvent
from services.vouchers.redemptions.models import Redemption
from services.vouchers.settlements.service import HANDLERS, previous_month
from services.vouchers.vouchers.models import EnterpriseYearUsage
from tests.vouchers.conftest import SeedEnterprise, VouchersHeaders
from tests.vouchers.issuance_support import FACE, SeedProgramme, seed_programme

__all__ = ["seed_programme"]  # the fixture, shared

HOLDER = "91140100MA0K000017"
PROVIDER = "prv_cycle"
PROVIDER_USCC = "12140000405200123K"
LAST_MONTH = previous_month(shanghai_date(utcnow()))


def _books(client: TestClient, admin: dict[str, str], app: FastAPI, programme_id: str) -> dict:
    """Every amount of the programme as the API shows it, each identity asserted."""
    programme = client.get(f"/v1/programmes/{programme_id}", headers=admin).json()
    assert "budget_fen" in programme, programme
    answer = client.get(
        "/v1/vouchers", params={"programme_id": programme_id, "limit": 200}, headers=admin
    )
    assert answer.status_code == 200, answer.text
    vouchers = answer.json()["items"]
    redemptions = client.get("/v1/redemptions", params={"limit": 200}, headers=admin).json()[
        "items"
    ]
    listed = client.get("/v1/settlements", params={"limit": 200}, headers=admin).json()["items"]
    settlements = [client.get(f"/v1/settlements/{s['id']}", headers=admin).json() for s in listed]
    mine = [r for r in redemptions if r["programme_id"] == programme_id]
    net = sum(r["amount_fen"] for r in mine if r["status"] == "redeemed")
    clawed = {
        line["redemption_id"]
        for s in settlements
        for line in s["lines"]
        if line["kind"] == "clawback"
    }
    pending_clawback = sum(r["amount_fen"] for r in mine if r["clawback"] and r["id"] not in clawed)
    unsettled = sum(
        r["amount_fen"] for r in mine if r["status"] == "redeemed" and r["settlement_id"] is None
    )
    settled = sum(s["amount_fen"] for s in settlements)
    paid = sum(s["paid_amount_fen"] or 0 for s in settlements if s["status"] == "paid")
    faces = sum(v["face_value_fen"] for v in vouchers)
    released = sum(v["released_fen"] for v in vouchers)
    balances = sum(v["balance_fen"] for v in vouchers)

    budget, committed = programme["budget_fen"], programme["committed_fen"]
    remaining = programme["remaining_fen"]
    assert budget == committed + remaining and remaining >= 0  # I1
    assert committed == faces - released  # I2
    for voucher in vouchers:  # I3
        drawn = sum(
            r["amount_fen"]
            for r in mine
            if r["voucher_id"] == voucher["id"] and r["status"] == "redeemed"
        )
        assert voucher["face_value_fen"] == (
            voucher["balance_fen"] + drawn + voucher["released_fen"]
        )
        assert voucher["used_fen"] == drawn
    assert committed == balances + net  # I2 and I3 summed
    assert net == settled + unsettled - pending_clawback  # I4
    assert 0 <= paid <= settled  # I5
    database: Database = app.state.database
    with database.session(write=False) as session:  # I6 (the caps are not on the API)
        usage = session.exec(
            select(EnterpriseYearUsage).where(col(EnterpriseYearUsage.programme_id) == programme_id)
        ).all()
    assert sum(u.issued_fen for u in usage) == faces
    assert sum(u.redeemed_fen for u in usage) == net
    # The programme report states the same identities; each holds and its figures agree.
    report = client.get(f"/v1/programmes/{programme_id}/report", headers=admin).json()
    assert all(i["holds"] for i in report["identities"]), report["identities"]
    assert len(report["identities"]) == 4
    assert (report["budget_fen"], report["committed_fen"], report["remaining_fen"]) == (
        budget,
        committed,
        remaining,
    )
    assert (report["issued_fen"], report["balance_fen"], report["released_fen"]) == (
        faces,
        balances,
        released,
    )
    assert report["redeemed_fen"] - report["reversed_fen"] == net
    assert report["redeemed_fen"] == sum(r["amount_fen"] for r in mine)
    assert (report["unsettled_fen"], report["clawback_pending_fen"]) == (
        unsettled,
        pending_clawback,
    )
    assert report["settled_fen"] == settled  # one programme here: its settlements are all
    return {
        "budget": budget,
        "committed": committed,
        "remaining": remaining,
        "balances": balances,
        "redeemed_net": net,
        "unsettled": unsettled,
        "settled": settled,
        "paid": paid,
        "released": released,
    }


def _events(app: FastAPI, type_: str) -> list[dict[str, Any]]:
    database: Database = app.state.database
    with database.session(write=False) as session:
        rows = session.exec(
            select(OutboxEvent).where(col(OutboxEvent.type) == type_).order_by(OutboxEvent.seq)
        ).all()
        return [row.payload for row in rows]


def _pay(app: FastAPI, settlement_id: str, amount_fen: int) -> int:
    """Funding's feed announces the disbursement; the kernel's consumer applies it."""
    feed = [
        {
            "seq": 1,
            "id": "evt_cycle_paid",
            "type": "disbursement.paid",
            "payload": {
                "settlement_id": settlement_id,
                "amount_fen": amount_fen,
                "paid_at": utcnow().isoformat(),
                "disbursement_id": "dsb_cycle",
            },
            "occurred_at": utcnow().isoformat(),
        }
    ]

    def answer(request: httpx.Request) -> httpx.Response:
        after = int(request.url.params["after"])
        items = [e for e in feed if e["seq"] > after]
        return httpx.Response(
            200, json={"items": items, "next_after": items[-1]["seq"] if items else after}
        )

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


def test_issue_redeem_twice_reverse_one_settle_and_be_paid_with_the_books_balanced(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    seed_enterprise: SeedEnterprise,
    seed_programme: SeedProgramme,
) -> None:
    client = vouchers_client
    admin = vouchers_headers(kind="admin", org=None, client_id="cli_admin")
    holder = vouchers_headers(kind="enterprise", org=HOLDER)
    provider = vouchers_headers(kind="provider", org=PROVIDER, client_id="cli_prv_cycle")
    seed_enterprise(HOLDER, is_tech_sme=True)
    seed_enterprise(PROVIDER_USCC, legal_rep_id_hash="b" * 64)

    # 1. The programme is opened (created and opened through the programmes API).
    programme = seed_programme(budget_fen=10 * FACE, coverage_bp=2000, yearly_cap_fen=2 * FACE)
    books = _books(client, admin, vouchers_app, programme.id)
    assert (books["committed"], books["remaining"]) == (0, 10 * FACE)

    # 2. The enterprise applies; auto-approve issues its voucher, committing the face value.
    applied = client.post(
        "/v1/applications",
        json={"programme_id": programme.id, "categories": ["testing"], "purpose": "EMC tests."},
        headers={**holder, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert applied.status_code == 201, applied.text
    assert applied.json()["status"] == "approved" and applied.json()["voucher_id"]
    [voucher] = client.get("/v1/vouchers", headers=holder).json()["items"]
    assert voucher["id"] == applied.json()["voucher_id"] and voucher["code"]
    books = _books(client, admin, vouchers_app, programme.id)
    assert (books["committed"], books["remaining"], books["balances"]) == (
        FACE,
        9 * FACE,
        FACE,
    )
    [issued] = _events(vouchers_app, "voucher.issued")
    assert issued["id"] == voucher["id"] and issued["face_value_fen"] == FACE

    # 3. A testing lab applies and is approved.
    made = client.post(
        "/v1/providers",
        json={
            "uscc": PROVIDER_USCC,
            "name": "太原理工大学测试中心",
            "kind": "university",
            "district": "wanbailin",
            "categories": ["testing", "inspection"],
        },
        headers=provider,
    )
    assert made.status_code == 201, made.text
    approved = client.post(
        f"/v1/providers/{PROVIDER}/decision", json={"decision": "approve"}, headers=admin
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved", approved.text

    # 4. It redeems twice (covered share: 20% of each contract).
    def redeem(amount: int, reference: str, contract: int) -> dict[str, Any]:
        answer = client.post(
            "/v1/redemptions",
            json={
                "voucher_code": voucher["code"],
                "contract": {"reference": reference, "amount_fen": contract, "category": "testing"},
                "amount_fen": amount,
            },
            headers={**provider, "Idempotency-Key": uuid.uuid4().hex},
        )
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    first = redeem(300_000, "CY-1", 2_000_000)
    books = _books(client, admin, vouchers_app, programme.id)
    assert (books["balances"], books["redeemed_net"], books["committed"]) == (
        FACE - 300_000,
        300_000,
        FACE,
    )
    second = redeem(150_000, "CY-2", 1_000_000)
    books = _books(client, admin, vouchers_app, programme.id)
    assert (books["balances"], books["redeemed_net"], books["unsettled"]) == (
        FACE - 450_000,
        450_000,
        450_000,
    )

    # The lists page (`limit`, `cursor` beside the filters): the provider's two, one a page.
    page = client.get("/v1/redemptions", params={"limit": 1}, headers=provider).json()
    rest = client.get(
        "/v1/redemptions", params={"limit": 1, "cursor": page["next_cursor"]}, headers=provider
    ).json()
    assert [r["id"] for r in page["items"] + rest["items"]] == [first["id"], second["id"]]

    # 5. It reverses the first: the balance comes back, the budget stays committed.
    reversed_ = client.post(
        f"/v1/redemptions/{first['id']}/reversal",
        json={"reason": "contract cancelled"},
        headers=provider,
    )
    assert reversed_.status_code == 200, reversed_.text
    assert reversed_.json()["status"] == "reversed" and reversed_.json()["clawback"] is False
    books = _books(client, admin, vouchers_app, programme.id)
    assert (books["balances"], books["redeemed_net"], books["committed"]) == (
        FACE - 150_000,
        150_000,
        FACE,
    )

    # 6. Last month's run (set-up: both redemptions moved into last month).
    with vouchers_app.state.database.transaction() as session:
        session.execute(
            update(Redemption)
            .where(col(Redemption.id).in_([first["id"], second["id"]]))
            .values(created_at=datetime.fromisoformat(f"{LAST_MONTH}-15T04:00:00+00:00"))
        )
    run = client.post(
        "/v1/settlements/runs",
        json={"month": LAST_MONTH},
        headers={**admin, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert run.status_code == 201, run.text
    assert (run.json()["settlements"], run.json()["amount_fen"]) == (1, 150_000)
    [settlement_id] = run.json()["settlement_ids"]
    settlement = client.get(f"/v1/settlements/{settlement_id}", headers=provider).json()
    assert settlement["status"] == "requested" and settlement["provider_id"] == PROVIDER
    assert [
        (line["redemption_id"], line["kind"], line["amount_fen"]) for line in settlement["lines"]
    ] == [(second["id"], "redemption", 150_000)]
    [requested] = _events(vouchers_app, "settlement.requested")
    assert (requested["settlement_id"], requested["amount_fen"]) == (settlement_id, 150_000)
    assert requested["provider_uscc"] == PROVIDER_USCC
    books = _books(client, admin, vouchers_app, programme.id)
    assert (books["settled"], books["unsettled"], books["paid"]) == (150_000, 0, 0)

    # 7. funding pays: `disbursement.paid` consumed from its feed marks the settlement paid.
    assert _pay(vouchers_app, settlement_id, 150_000) == 1
    paid = client.get(f"/v1/settlements/{settlement_id}", headers=provider).json()
    assert (paid["status"], paid["paid_amount_fen"], paid["disbursement_id"]) == (
        "paid",
        150_000,
        "dsb_cycle",
    )
    assert paid["paid_at"] is not None
    assert len(_events(vouchers_app, "settlement.paid")) == 1
    books = _books(client, admin, vouchers_app, programme.id)
    assert books == {
        "budget": 10 * FACE,
        "committed": FACE,
        "remaining": 9 * FACE,
        "balances": FACE - 150_000,
        "redeemed_net": 150_000,
        "unsettled": 0,
        "settled": 150_000,
        "paid": 150_000,
        "released": 0,
    }

    # The provider's report: its own, or admin's; another provider's is hidden.
    own = client.get(f"/v1/providers/{PROVIDER}/report", headers=provider)
    assert own.status_code == 200, own.text
    assert own.json() == client.get(f"/v1/providers/{PROVIDER}/report", headers=admin).json()
    mine = own.json()
    assert (mine["redemptions"], mine["redeemed_fen"], mine["reversed_fen"]) == (
        2,
        450_000,
        300_000,
    )
    assert (mine["settlements"], mine["settled_fen"], mine["paid_fen"]) == (1, 150_000, 150_000)
    assert (mine["unsettled_fen"], mine["clawback_pending_fen"]) == (0, 0)
    assert all(i["holds"] for i in mine["identities"]) and len(mine["identities"]) == 2
    other = vouchers_headers(kind="provider", org="prv_other", client_id="cli_other")
    hidden = client.get(f"/v1/providers/{PROVIDER}/report", headers=other)
    assert hidden.status_code == 404 and hidden.json()["code"] == "provider_not_found"
    refused = client.get(f"/v1/providers/{PROVIDER}/report", headers=holder)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden_client_kind"
    refused = client.get(f"/v1/programmes/{programme.id}/report", headers=provider)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden_client_kind"
    missing = client.get("/v1/programmes/prg_none/report", headers=admin)
    assert missing.status_code == 404 and missing.json()["code"] == "programme_not_found"

    # Public figures: no credentials; a draft programme is not published.
    figures = client.get(f"/v1/public/programmes/{programme.id}/figures")
    assert figures.status_code == 200, figures.text
    assert {k: v for k, v in figures.json().items() if k.endswith("_fen") or k == "vouchers"} == {
        "budget_fen": 10 * FACE,
        "vouchers": 1,
        "issued_fen": FACE,
        "redeemed_fen": 150_000,
        "released_fen": 0,
        "remaining_fen": 9 * FACE,
    }
    draft = seed_programme(status="draft")
    unpublished = client.get(f"/v1/public/programmes/{draft.id}/figures")
    assert unpublished.status_code == 404 and unpublished.json()["code"] == "programme_not_found"
