"""Redemptions through the API: every refusal code with the books untouched, partial draws,
reversal within 30 days, who sees what, and concurrency (balance and Idempotency-Key).

Set-up: programmes, providers and vouchers are seeded directly in the database until the
programmes (vprog) and issuance (vissue) domains are merged; every assertion is through the API
or on the amounts the database guards.
"""

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import col, func, select

from services.common.clock import utcnow
from services.common.dates import shanghai_date
from services.common.db import Database
from services.common.errors import DomainError
from services.common.identity import ClientKind, Principal
from services.common.models import OutboxEvent
from services.vouchers.enterprises.models import VoucherEnterprise
from services.vouchers.programmes.models import Programme
from services.vouchers.providers.models import Provider
from services.vouchers.redemptions import service as redemption_service
from services.vouchers.redemptions.models import Redemption, RedemptionContract
from services.vouchers.redemptions.schemas import RedemptionCreate
from services.vouchers.vouchers.codes import new_code
from services.vouchers.vouchers.models import EnterpriseYearUsage, Voucher
from tests.vouchers.conftest import SeedEnterprise, VouchersHeaders

HOLDER = "91140100MA0K000017"
OTHER_HOLDER = "91140100MA0K0002X5"
PROVIDER = "prv_lab"
PROVIDER_USCC = "12140000MB1234567X"
FACE = 1_000_000  # ¥10,000
COVERAGE_BP = 5_000  # 50%
CAP = 3_000_000
RACERS = 50  # the issue: 50 parallel redemptions of one voucher


@dataclass
class World:
    database: Database
    programme_id: str
    voucher_id: str
    code: str

    def voucher(self, **fields: Any) -> tuple[str, str]:
        """Another voucher of the programme: (id, code)."""
        return seed_voucher(self.database, self.programme_id, **fields)

    def update(self, model: Any, key: Any, **fields: Any) -> None:
        with self.database.transaction() as session:
            row = session.get(model, key)
            assert row is not None
            for name, value in fields.items():
                setattr(row, name, value)
            session.add(row)

    def books(self) -> dict[str, Any]:
        """Every amount a redemption moves, and what it records."""
        with self.database.session() as session:
            voucher = session.get(Voucher, self.voucher_id)
            usage = session.get(EnterpriseYearUsage, (HOLDER, self.programme_id))
            programme = session.get(Programme, self.programme_id)
            assert voucher and usage and programme
            return {
                "balance": voucher.balance_fen,
                "redeemed": usage.redeemed_fen,
                "issued": usage.issued_fen,
                "committed": programme.committed_fen,
                "contracts": session.exec(select(func.sum(RedemptionContract.redeemed_fen))).one()
                or 0,
                "redemptions": session.exec(select(func.count()).select_from(Redemption)).one(),
                "events": session.exec(
                    select(func.count())
                    .select_from(OutboxEvent)
                    .where(col(OutboxEvent.type).in_(["voucher.redeemed", "redemption.reversed"]))
                ).one(),
            }

    def events(self, type_: str) -> list[dict[str, Any]]:
        with self.database.session() as session:
            rows = session.exec(
                select(OutboxEvent).where(col(OutboxEvent.type) == type_).order_by(OutboxEvent.seq)
            ).all()
            return [row.payload for row in rows]


def seed_voucher(database: Database, programme_id: str, **fields: Any) -> tuple[str, str]:
    code = new_code()
    today = shanghai_date(utcnow())
    values: dict[str, Any] = {
        "id": f"vch_{uuid.uuid4().hex[:12]}",
        "code": code,
        "programme_id": programme_id,
        "uscc": HOLDER,
        "face_value_fen": FACE,
        "balance_fen": FACE,
        "issued_on": today,
        "expires_on": today + timedelta(days=180),
        **fields,
    }
    with database.transaction() as session:
        session.add(Voucher(**values))
    return values["id"], code


def seed_provider(database: Database, provider_id: str, uscc: str, **fields: Any) -> None:
    with database.transaction() as session:
        values: dict[str, Any] = {
            "id": provider_id,
            "uscc": uscc,
            "name": f"Provider {provider_id}",
            "kind": "lab",
            "categories": ["testing", "consulting"],
            "legal_rep_id_hash": "b" * 64,
            "status": "approved",
            "applied_by": "cli_seed",
            **fields,
        }
        session.add(Provider(**values))


@pytest.fixture
def world(vouchers_app: FastAPI, seed_enterprise: SeedEnterprise) -> World:
    """A holder with one voucher of an open 创新券 programme and an approved testing lab.

    Seeded in the database (programmes, providers, issuance are other domains' branches).
    """
    database: Database = vouchers_app.state.database
    seed_enterprise(HOLDER, is_tech_sme=True)
    seed_enterprise(OTHER_HOLDER, legal_rep_id_hash="c" * 64)
    programme_id = "vpg_2026_innovation"
    with database.transaction() as session:
        session.add(
            Programme(
                id=programme_id,
                kind="innovation",
                year=2026,
                name="2026 创新券",
                budget_fen=100 * FACE,
                committed_fen=2 * FACE,
                face_value_fen=FACE,
                coverage_bp=COVERAGE_BP,
                yearly_cap_fen=CAP,
                validity_days=180,
                categories=["testing", "consulting", "software"],
                status="open",
                created_by="cli_admin",
            )
        )
        session.add(
            EnterpriseYearUsage(
                uscc=HOLDER, programme_id=programme_id, issued_fen=FACE, cap_fen=CAP
            )
        )
    seed_provider(database, PROVIDER, PROVIDER_USCC)
    voucher_id, code = seed_voucher(database, programme_id)
    return World(database, programme_id, voucher_id, code)


def body(
    code: str, amount: int = 100_000, *, reference: str = "C-1", contract: int = 1_000_000
) -> dict[str, Any]:
    return {
        "voucher_code": code,
        "contract": {"reference": reference, "amount_fen": contract, "category": "testing"},
        "amount_fen": amount,
    }


Post = Callable[..., httpx.Response]


@pytest.fixture
def redeem(vouchers_client: TestClient, vouchers_headers: VouchersHeaders) -> Post:
    def post(payload: dict[str, Any], *, org: str = PROVIDER, key: str | None = None) -> Any:
        headers = vouchers_headers(kind="provider", org=org, client_id=f"cli_{org}")
        headers["Idempotency-Key"] = key or uuid.uuid4().hex
        return vouchers_client.post("/v1/redemptions", json=payload, headers=headers)

    return post


def test_a_provider_redeems_part_of_a_voucher(
    world: World, redeem: Post, vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    pretty = "-".join([world.code[:4], world.code[4:8], world.code[8:]]).lower()
    answer = redeem(body(pretty, 300_000, reference="C-1", contract=1_000_000))
    assert answer.status_code == 201, answer.text
    got = answer.json()
    assert got["voucher_id"] == world.voucher_id
    assert got["provider_id"] == PROVIDER and got["uscc"] == HOLDER
    assert got["amount_fen"] == 300_000 and got["status"] == "redeemed"
    assert got["contract"] == {"reference": "C-1", "amount_fen": 1_000_000, "category": "testing"}
    assert got["created_by"] == f"cli_{PROVIDER}" and got["clawback"] is False
    assert answer.headers["Location"].endswith(f"/v1/redemptions/{got['id']}")
    # a second draw on the same contract, up to its covered share (50% of 1,000,000)
    second = redeem(body(world.code, 200_000, reference="C-1", contract=1_000_000))
    assert second.status_code == 201, second.text
    books = world.books()
    assert books["balance"] == FACE - 500_000
    assert books["redeemed"] == 500_000 and books["contracts"] == 500_000
    assert books["redemptions"] == 2
    [first_event, _] = world.events("voucher.redeemed")
    assert first_event == {
        "redemption_id": got["id"],
        "voucher_id": world.voucher_id,
        "uscc": HOLDER,
        "programme_id": world.programme_id,
        "provider_id": PROVIDER,
        "contract_reference": "C-1",
        "category": "testing",
        "amount_fen": 300_000,
    }

    # reads: the provider its own, another provider nothing, the holder its voucher's, admin all
    mine = vouchers_client.get(
        "/v1/redemptions", headers=vouchers_headers(kind="provider", org=PROVIDER)
    ).json()
    assert [item["id"] for item in mine["items"]] == [got["id"], second.json()["id"]]
    one = vouchers_client.get(
        f"/v1/redemptions/{got['id']}", headers=vouchers_headers(kind="provider", org=PROVIDER)
    )
    assert one.status_code == 200 and one.json() == got
    assert one.headers["ETag"] == f'"{got["id"]}.1"'
    other = vouchers_headers(kind="provider", org="prv_other")
    assert vouchers_client.get("/v1/redemptions", headers=other).json()["items"] == []
    hidden = vouchers_client.get(f"/v1/redemptions/{got['id']}", headers=other)
    assert hidden.status_code == 404 and hidden.json()["code"] == "redemption_not_found"
    for kind in ("enterprise", "portal"):
        holder = vouchers_headers(kind=kind, org=HOLDER)
        use = vouchers_client.get(f"/v1/redemptions?voucher={world.voucher_id}", headers=holder)
        assert use.status_code == 200, use.text
        assert [item["amount_fen"] for item in use.json()["items"]] == [300_000, 200_000]
    stranger = vouchers_headers(kind="enterprise", org=OTHER_HOLDER)
    refused = vouchers_client.get(f"/v1/redemptions?voucher={world.voucher_id}", headers=stranger)
    assert refused.status_code == 404 and refused.json()["code"] == "voucher_not_found"
    assert vouchers_client.get("/v1/redemptions", headers=stranger).json()["items"] == []
    admin = vouchers_headers(kind="admin", org=None, scopes=("vouchers:read", "vouchers:admin"))
    assert len(vouchers_client.get("/v1/redemptions", headers=admin).json()["items"]) == 2
    department = vouchers_client.get("/v1/redemptions", headers=vouchers_headers())
    assert department.status_code == 403
    assert department.json()["code"] == "forbidden_client_kind"


def test_the_idempotency_key_is_required_and_replays(world: World, redeem: Post) -> None:
    first = redeem(body(world.code), key="same-key")
    again = redeem(body(world.code), key="same-key")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert world.books()["redemptions"] == 1 and world.books()["balance"] == FACE - 100_000


def test_no_idempotency_key_is_400(
    world: World, vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    answer = vouchers_client.post(
        "/v1/redemptions",
        json=body(world.code),
        headers=vouchers_headers(kind="provider", org=PROVIDER),
    )
    assert answer.status_code == 400 and answer.json()["code"] == "idempotency_key_required"
    assert world.books()["redemptions"] == 0


def test_only_providers_redeem(
    world: World, vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    for kind in ("admin", "enterprise", "department"):
        answer = vouchers_client.post(
            "/v1/redemptions",
            json=body(world.code),
            headers={**vouchers_headers(kind=kind), "Idempotency-Key": uuid.uuid4().hex},
        )
        assert answer.status_code == 403, answer.text
        assert answer.json()["code"] in ("forbidden_client_kind", "insufficient_scope")
    assert world.books()["redemptions"] == 0


def _set_up_refusal(world: World, case: str) -> dict[str, Any]:
    """Put the world in the state the refusal needs; the request that provokes it."""
    request: dict[str, Any] = {"payload": body(world.code)}
    if case == "voucher_code_invalid":
        wrong = world.code[:-1] + ("0" if world.code[-1] != "0" else "1")
        request["payload"] = body(wrong)
    elif case == "voucher_not_found":
        request["payload"] = body(new_code())
    elif case == "voucher_not_active":
        world.update(Voucher, world.voucher_id, status="void")
    elif case == "voucher_expired":
        world.update(Voucher, world.voucher_id, expires_on=date(2020, 1, 1))
    elif case == "holder_not_eligible":
        world.update(
            VoucherEnterprise,
            HOLDER,
            status="deregistered",
        )
    elif case == "holder_on_dishonesty_list":
        world.update(
            VoucherEnterprise,
            HOLDER,
            on_dishonesty_list=True,
        )
    elif case == "provider_not_approved":
        world.update(Provider, PROVIDER, status="suspended")
    elif case == "provider_category_not_approved":
        world.update(Provider, PROVIDER, categories=["consulting"])
    elif case == "category_not_covered":
        world.update(Provider, PROVIDER, categories=["testing", "design"])
        request["payload"]["contract"]["category"] = "design"
    elif case == "provider_is_holder":
        world.update(Provider, PROVIDER, uscc=HOLDER)
    elif case == "shared_legal_representative":
        world.update(Provider, PROVIDER, legal_rep_id_hash="a" * 64)  # the holder's
    elif case == "insufficient_balance":
        world.update(Voucher, world.voucher_id, balance_fen=50_000)
    elif case == "exceeds_covered_share":
        request["payload"] = body(world.code, 500_001, contract=1_000_000)
    elif case == "exceeds_covered_share_across_vouchers":
        # an earlier redemption of the same contract from another voucher counts
        _, code2 = world.voucher()
        request["before"] = body(code2, 400_000, contract=1_000_000)
        request["payload"] = body(world.code, 100_001, contract=1_000_000)
    elif case == "contract_mismatch":
        _, code2 = world.voucher()
        request["before"] = body(code2, 100_000, contract=1_000_000)
        request["payload"] = body(world.code, 100_000, contract=2_000_000)
    elif case == "yearly_cap_exceeded":
        world.update(EnterpriseYearUsage, (HOLDER, world.programme_id), redeemed_fen=CAP - 99_999)
    return request


REFUSALS = {
    "voucher_code_invalid": 422,
    "voucher_not_found": 404,
    "voucher_not_active": 409,
    "voucher_expired": 409,
    "holder_not_eligible": 409,
    "holder_on_dishonesty_list": 409,
    "provider_not_approved": 403,
    "provider_category_not_approved": 403,
    "category_not_covered": 422,
    "provider_is_holder": 409,
    "shared_legal_representative": 409,
    "insufficient_balance": 409,
    "exceeds_covered_share": 409,
    "exceeds_covered_share_across_vouchers": 409,
    "contract_mismatch": 409,
    "yearly_cap_exceeded": 409,
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_every_refusal_has_its_code_and_changes_nothing(
    case: str, world: World, redeem: Post
) -> None:
    request = _set_up_refusal(world, case)
    if "before" in request:
        assert redeem(request["before"]).status_code == 201
    before = world.books()
    answer = redeem(request["payload"])
    problem = answer.json()
    assert answer.status_code == REFUSALS[case], answer.text
    assert problem["code"] == case.removesuffix("_across_vouchers")
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert world.books() == before  # balance, cap usage, contract share, budget, rows, events
    # the key was released: a retry after the cause is gone would do the work


def _other_holders_voucher(world: World) -> str:
    """OTHER_HOLDER made eligible for the programme, with a voucher of its own: its code."""
    world.update(VoucherEnterprise, OTHER_HOLDER, is_tech_sme=True)
    with world.database.transaction() as session:
        session.add(
            EnterpriseYearUsage(
                uscc=OTHER_HOLDER, programme_id=world.programme_id, issued_fen=FACE, cap_fen=CAP
            )
        )
    return world.voucher(uscc=OTHER_HOLDER)[1]


# A contract's terms at its first redemption, then a redemption under the same reference with
# one term changed each way (a smaller and a larger amount, category and holder either order).
MISMATCHES = {
    "smaller_amount": ({}, {"amount_fen": 800_000}),
    "larger_amount": ({}, {"amount_fen": 2_000_000}),
    "category_after": ({"category": "consulting"}, {"category": "testing"}),
    "category_before": ({}, {"category": "consulting"}),
    "holder_after": ({}, {"holder": OTHER_HOLDER}),
    "holder_before": ({"holder": OTHER_HOLDER}, {"holder": HOLDER}),
}


@pytest.mark.parametrize("case", list(MISMATCHES))
def test_a_contract_redeemed_again_with_other_terms_is_a_mismatch(
    case: str, world: World, redeem: Post
) -> None:
    codes = {HOLDER: world.code, OTHER_HOLDER: _other_holders_voucher(world)}

    def payload(terms: dict[str, Any]) -> dict[str, Any]:
        contract = {"amount_fen": 1_000_000, "category": "testing", "holder": HOLDER, **terms}
        request = body(codes[contract.pop("holder")], 100_000, reference="C-9")
        request["contract"].update(contract)
        return request

    first, second = MISMATCHES[case]
    assert redeem(payload(first)).status_code == 201
    before = world.books()
    answer = redeem(payload(second))
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "contract_mismatch"
    assert world.books() == before  # the contract still holds only the first 100,000
    assert before["contracts"] == 100_000


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"is_tech_sme": False}, "A technology-based SME"),
        ({"size_class": "large"}, "A small or micro enterprise"),
        ({"status": "deregistered"}, "Registered and not deregistered"),
    ],
)
def test_a_holder_that_stopped_being_eligible_cannot_spend(
    world: World, redeem: Post, change: dict[str, Any], reason: str
) -> None:
    """Eligibility at redemption is the programme's rule set (here the 创新券 default), evaluated
    on the day: a holder that met it when the voucher was issued and no longer does is refused,
    the failed rule named, and nothing moves."""
    assert redeem(body(world.code, 100_000, reference="C-0")).status_code == 201
    world.update(VoucherEnterprise, HOLDER, **change)
    before = world.books()
    answer = redeem(body(world.code, 100_000, reference="C-1"))
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "holder_not_eligible"
    assert reason in answer.json()["detail"]
    assert world.books() == before
    world.update(VoucherEnterprise, HOLDER, is_tech_sme=True, size_class="small", status="active")
    assert redeem(body(world.code, 100_000, reference="C-1")).status_code == 201


def test_the_database_refuses_what_a_stale_check_let_through(
    world: World, redeem: Post, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The conditional update, not the Python check, guards the balance: with the balance drawn
    between the check and the update, the update answers insufficient_balance, nothing moves."""
    real = redemption_service._draw_balance

    def drained_first(session: Any, voucher: Voucher, amount: int, today: date) -> None:
        session.execute(
            Voucher.__table__.update()  # type: ignore[attr-defined]
            .where(Voucher.__table__.c.id == voucher.id)  # type: ignore[attr-defined]
            .values(balance_fen=10)
        )
        real(session, voucher, amount, today)

    monkeypatch.setattr(redemption_service, "_draw_balance", drained_first)
    before = world.books()
    answer = redeem(body(world.code, 100_000))
    assert answer.status_code == 409 and answer.json()["code"] == "insufficient_balance"
    assert world.books() == before


def _reverse(
    client: TestClient, headers: dict[str, str], redemption_id: str, **extra: str
) -> httpx.Response:
    return client.post(
        f"/v1/redemptions/{redemption_id}/reversal",
        json={"reason": "contract cancelled"},
        headers={**headers, **extra},
    )


def _voucher_seen(client: TestClient, headers: VouchersHeaders, world: World) -> dict[str, Any]:
    """The voucher as its holder reads it, with its ETag."""
    answer = client.get(
        f"/v1/vouchers/{world.voucher_id}", headers=headers(kind="enterprise", org=HOLDER)
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["ETag"] == f'"{world.voucher_id}.{answer.json()["version"]}"'
    return dict(answer.json())


def test_reversal_gives_the_amount_back(
    world: World, redeem: Post, vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    made = redeem(body(world.code, 500_000)).json()
    provider = vouchers_headers(kind="provider", org=PROVIDER, client_id="cli_lab")
    other = _reverse(vouchers_client, vouchers_headers(kind="provider", org="prv_x"), made["id"])
    assert other.status_code == 404 and other.json()["code"] == "redemption_not_found"
    holder = _reverse(vouchers_client, vouchers_headers(kind="enterprise"), made["id"])
    assert holder.status_code == 403 and holder.json()["code"] == "forbidden_client_kind"
    stale = _reverse(vouchers_client, provider, made["id"], **{"If-Match": '"x.9"'})
    assert stale.status_code == 412 and stale.json()["code"] == "stale_etag"
    after_redeem = world.books()
    answer = _reverse(vouchers_client, provider, made["id"], **{"If-Match": f'"{made["id"]}.1"'})
    assert answer.status_code == 200, answer.text
    got = answer.json()
    assert got["status"] == "reversed" and got["reversed_by"] == "cli_lab"
    assert got["reversal_reason"] == "contract cancelled" and got["reversed_at"]
    assert got["clawback"] is False and got["version"] == 2
    books = world.books()
    assert books["balance"] == FACE and books["redeemed"] == 0 and books["contracts"] == 0
    assert books["committed"] == after_redeem["committed"]
    assert world.events("redemption.reversed") == [
        {
            "redemption_id": made["id"],
            "voucher_id": world.voucher_id,
            "uscc": HOLDER,
            "programme_id": world.programme_id,
            "provider_id": PROVIDER,
            "amount_fen": 500_000,
            "settlement_id": None,
            "clawback": False,
            "returned_to": "voucher",
        }
    ]
    twice = _reverse(vouchers_client, provider, made["id"])
    assert twice.status_code == 409 and twice.json()["code"] == "redemption_already_reversed"
    assert world.books() == books
    # the contract's share is free again: the same contract can be redeemed anew
    assert redeem(body(world.code, 500_000)).status_code == 201


def test_a_reversal_gives_back_only_its_own_amount_and_each_move_is_a_new_voucher_version(
    world: World, redeem: Post, vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    """With another redemption still drawn, the reversed amount goes back to the voucher (not
    the programme), and every draw and give-back is a new version of the voucher (its ETag)."""
    assert _voucher_seen(vouchers_client, vouchers_headers, world)["version"] == 1
    first = redeem(body(world.code, 200_000, reference="C-1")).json()
    assert redeem(body(world.code, 300_000, reference="C-2")).status_code == 201
    drawn = _voucher_seen(vouchers_client, vouchers_headers, world)
    assert (drawn["balance_fen"], drawn["used_fen"], drawn["version"]) == (500_000, 500_000, 3)
    after_redeem = world.books()
    provider = vouchers_headers(kind="provider", org=PROVIDER)
    answer = _reverse(vouchers_client, provider, first["id"])
    assert answer.status_code == 200, answer.text
    back = _voucher_seen(vouchers_client, vouchers_headers, world)
    assert (back["balance_fen"], back["used_fen"], back["released_fen"]) == (700_000, 300_000, 0)
    assert back["version"] == 4
    books = world.books()
    assert books["balance"] == 700_000 and books["committed"] == after_redeem["committed"]
    assert books["redeemed"] == 300_000 and books["contracts"] == 300_000
    assert world.events("redemption.reversed")[0]["returned_to"] == "voucher"


def test_an_admin_reverses_a_settled_redemption_for_clawback(
    world: World, redeem: Post, vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    made = redeem(body(world.code, 200_000)).json()
    world.update(Redemption, made["id"], settlement_id="stl_2026_05")
    admin = vouchers_headers(kind="admin", org=None, scopes=("vouchers:read", "vouchers:admin"))
    settled = vouchers_client.get(f"/v1/redemptions/{made['id']}", headers=admin).json()
    # settled and not reversed: nothing to claw back
    assert (settled["status"], settled["settlement_id"]) == ("redeemed", "stl_2026_05")
    assert settled["clawback"] is False
    read_only_admin = vouchers_headers(kind="admin", org=None, scopes=("vouchers:read",))
    refused = _reverse(vouchers_client, read_only_admin, made["id"])
    assert refused.status_code == 403 and refused.json()["code"] == "insufficient_scope"
    answer = _reverse(vouchers_client, admin, made["id"])
    assert answer.status_code == 200, answer.text
    assert answer.json()["clawback"] is True and answer.json()["settlement_id"] == "stl_2026_05"
    [event] = world.events("redemption.reversed")
    assert event["clawback"] is True and event["settlement_id"] == "stl_2026_05"
    assert world.books()["balance"] == FACE


def test_a_reversal_after_expiry_returns_the_amount_to_the_programme(
    world: World, redeem: Post, vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    made = redeem(body(world.code, 200_000)).json()
    # the expiry job released the unused balance (800,000) and marked the voucher expired
    world.update(Voucher, world.voucher_id, status="expired", balance_fen=0, released_fen=800_000)
    world.update(Programme, world.programme_id, committed_fen=2 * FACE - 800_000)
    expired = _voucher_seen(vouchers_client, vouchers_headers, world)
    assert (expired["released_fen"], expired["used_fen"]) == (800_000, 200_000)
    provider = vouchers_headers(kind="provider", org=PROVIDER)
    answer = _reverse(vouchers_client, provider, made["id"])
    assert answer.status_code == 200, answer.text
    books = world.books()
    assert books["balance"] == 0 and books["committed"] == 2 * FACE - FACE
    assert world.events("redemption.reversed")[0]["returned_to"] == "programme"
    # the voucher shows the amount released with the rest, in a new version
    released = _voucher_seen(vouchers_client, vouchers_headers, world)
    assert (released["balance_fen"], released["released_fen"], released["used_fen"]) == (
        0,
        FACE,
        0,
    )
    assert released["version"] == expired["version"] + 1


def test_reversal_window_is_30_days(
    world: World,
    redeem: Post,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """30 days to the microsecond from the redemption's creation: the last instant is in."""
    made = redeem(body(world.code, 200_000)).json()
    with world.database.session() as session:
        redemption = session.get(Redemption, made["id"])
        assert redemption is not None
        created = redemption.created_at
    provider = vouchers_headers(kind="provider", org=PROVIDER)
    window = timedelta(days=30)
    monkeypatch.setattr(
        redemption_service, "utcnow", lambda: created + window + timedelta.resolution
    )
    before = world.books()
    late = _reverse(vouchers_client, provider, made["id"])
    assert late.status_code == 409 and late.json()["code"] == "reversal_window_passed"
    assert world.books() == before
    monkeypatch.setattr(redemption_service, "utcnow", lambda: created + window)
    last = _reverse(vouchers_client, provider, made["id"])
    assert last.status_code == 200 and last.json()["status"] == "reversed"


def test_unknown_redemption_is_404(
    world: World, vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    admin = vouchers_headers(kind="admin", org=None, scopes=("vouchers:read", "vouchers:admin"))
    answer = _reverse(vouchers_client, admin, "rdm_missing")
    assert answer.status_code == 404 and answer.json()["code"] == "redemption_not_found"


def test_the_list_filters_by_voucher_status_contract_and_provider(
    world: World, redeem: Post, vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    seed_provider(world.database, "prv_other", "12140000MB7654321X", legal_rep_id_hash="d" * 64)
    other_voucher, other_code = world.voucher()
    first = redeem(body(world.code, 100_000, reference="C-1")).json()
    second = redeem(body(world.code, 200_000, reference="C-2")).json()
    third = redeem(body(other_code, 50_000, reference="C-3"), org="prv_other").json()
    provider = vouchers_headers(kind="provider", org=PROVIDER)
    assert _reverse(vouchers_client, provider, second["id"]).status_code == 200
    admin = vouchers_headers(kind="admin", org=None, scopes=("vouchers:read", "vouchers:admin"))

    def ids(headers: dict[str, str], **params: str) -> list[str]:
        answer = vouchers_client.get("/v1/redemptions", params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        return [item["id"] for item in answer.json()["items"]]

    assert ids(admin, status="reversed") == [second["id"]]
    assert ids(admin, status="redeemed") == [first["id"], third["id"]]
    assert ids(admin, contract_reference="C-3") == [third["id"]]
    assert ids(admin, provider="prv_other") == [third["id"]]
    assert ids(admin, voucher=world.voucher_id) == [first["id"], second["id"]]
    assert ids(admin, voucher=other_voucher, status="reversed") == []
    assert ids(admin, provider=PROVIDER, status="redeemed", contract_reference="C-1") == [
        first["id"]
    ]
    # a provider filters within its own: another provider's voucher or contract shows nothing
    assert ids(provider, voucher=world.voucher_id, status="redeemed") == [first["id"]]
    assert ids(provider, voucher=other_voucher) == []
    assert ids(provider, contract_reference="C-3") == []
    # the holder (both vouchers are its own) sees every provider's, and filters them
    holder = vouchers_headers(kind="enterprise", org=HOLDER)
    assert ids(holder, provider="prv_other") == [third["id"]]
    assert ids(holder, status="reversed") == [second["id"]]


def test_the_holder_reads_a_redemption_of_its_voucher_and_no_one_elses(
    world: World, redeem: Post, vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    made = redeem(body(world.code, 100_000)).json()
    path = f"/v1/redemptions/{made['id']}"
    for kind in ("enterprise", "portal"):
        mine = vouchers_client.get(path, headers=vouchers_headers(kind=kind, org=HOLDER))
        assert mine.status_code == 200, mine.text
        assert mine.json() == made and mine.headers["ETag"] == f'"{made["id"]}.1"'
    stranger = vouchers_client.get(
        path, headers=vouchers_headers(kind="enterprise", org=OTHER_HOLDER)
    )
    assert stranger.status_code == 404 and stranger.json()["code"] == "redemption_not_found"
    # the holder reads but does not reverse (providers and the administration do)
    before = world.books()
    refused = _reverse(vouchers_client, vouchers_headers(kind="enterprise", org=HOLDER), made["id"])
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden_client_kind"
    assert world.books() == before


def test_a_reversal_that_loses_the_race_to_another_gives_nothing_back_twice(
    world: World,
    redeem: Post,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    postgres_database: str | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both read the redemption redeemed; one commits while the other is between its check and
    its guarded update, which then finds it reversed: 409, the amount given back once."""
    if postgres_database is None:
        pytest.skip("two writers at once are PostgreSQL's; SQLite's BEGIN IMMEDIATE queues them")
    made = redeem(body(world.code, 400_000)).json()
    after_redeem = world.books()
    checked, reversed_ = threading.Event(), threading.Event()
    clock = redemption_service.utcnow

    def first_waits() -> Any:
        if not checked.is_set():  # the first reversal, past its `already reversed` check
            checked.set()
            assert reversed_.wait(30)
        return clock()

    monkeypatch.setattr(redemption_service, "utcnow", first_waits)
    provider = vouchers_headers(kind="provider", org=PROVIDER, client_id="cli_lab")
    admin = vouchers_headers(
        kind="admin", org=None, client_id="cli_admin", scopes=("vouchers:read", "vouchers:admin")
    )
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(_reverse, vouchers_client, provider, made["id"])
        try:
            assert checked.wait(30)
            fast = _reverse(vouchers_client, admin, made["id"])
        finally:
            reversed_.set()
        lost = slow.result(timeout=60)
    assert fast.status_code == 200, fast.text
    assert lost.status_code == 409 and lost.json()["code"] == "redemption_already_reversed"
    books = world.books()
    assert books["balance"] == after_redeem["balance"] + 400_000 == FACE
    assert books["redeemed"] == 0 and books["contracts"] == 0
    assert books["redemptions"] == 1 and books["events"] == 2  # redeemed, reversed once
    shown = vouchers_client.get(f"/v1/redemptions/{made['id']}", headers=admin).json()
    assert (shown["status"], shown["reversed_by"], shown["version"]) == ("reversed", "cli_admin", 2)


def _every_amount(world: World) -> dict[tuple[str, ...], tuple[Any, ...]]:
    """Every row a redemption or a reversal may update, keyed, with its amounts and versions."""
    with world.database.session() as session:
        rows: dict[tuple[str, ...], tuple[Any, ...]] = {}
        for v in session.exec(select(Voucher)).all():
            rows["voucher", v.id] = (v.balance_fen, v.released_fen, v.status, v.version)
        for p in session.exec(select(Programme)).all():
            rows["programme", p.id] = (p.committed_fen,)
        for c in session.exec(select(RedemptionContract)).all():
            rows["contract", c.provider_id, c.reference] = (c.redeemed_fen,)
        for u in session.exec(select(EnterpriseYearUsage)).all():
            rows["usage", u.uscc, u.programme_id] = (u.redeemed_fen,)
        for r in session.exec(select(Redemption)).all():
            rows["redemption", r.id] = (r.status, r.version)
        return rows


@pytest.mark.parametrize("returned_to", ["voucher", "programme"])
def test_a_redemption_and_its_reversal_move_only_their_own_rows(
    world: World,
    redeem: Post,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    returned_to: str,
) -> None:
    """Around every key the draws and give-backs update by (voucher, programme, contract's
    provider and reference, usage's holder and programme, redemption) a row on each side with
    amounts to lose: only the redemption's own rows move."""
    with world.database.transaction() as session:
        for id_, year in (("vpg_0", 2025), ("vpg_z", 2027)):
            neighbour = Programme.model_validate(
                {**session.get(Programme, world.programme_id).model_dump(), "id": id_, "year": year}
            )
            session.add(neighbour)
        for uscc, programme in (
            (HOLDER, "vpg_0"),
            (HOLDER, "vpg_z"),
            ("00000000000000000X", world.programme_id),
            ("99999999999999999X", world.programme_id),
        ):
            session.add(
                EnterpriseYearUsage(
                    uscc=uscc,
                    programme_id=programme,
                    issued_fen=FACE,
                    cap_fen=CAP,
                    redeemed_fen=100_000,
                )
            )
        for provider_id in ("prv_a", "prv_z"):
            session.add(
                RedemptionContract(
                    provider_id=provider_id,
                    reference="C-5",
                    uscc=HOLDER,
                    amount_fen=1_000_000,
                    category="testing",
                    redeemed_fen=100_000,
                )
            )
    codes = {name: world.voucher(id=f"vch_{name}")[1] for name in ("a", "m", "z")}
    assert redeem(body(codes["a"], 100_000, reference="C-4")).status_code == 201
    before = _every_amount(world)
    made = redeem(body(codes["m"], 100_000, reference="C-5")).json()
    after = _every_amount(world)
    assert after.pop(("redemption", made["id"])) == ("redeemed", 1)
    assert after.pop(("contract", PROVIDER, "C-5")) == (100_000,)
    expected = {
        **before,
        ("voucher", "vch_m"): (FACE - 100_000, 0, "active", 2),
        ("usage", HOLDER, world.programme_id): (200_000,),
    }
    assert after == expected
    assert redeem(body(codes["z"], 100_000, reference="C-6")).status_code == 201
    if returned_to == "programme":  # expired: its balance went back to the programme
        world.update(Voucher, "vch_m", status="expired", balance_fen=0, released_fen=900_000)
        world.update(Programme, world.programme_id, committed_fen=2 * FACE - 900_000)
    before = _every_amount(world)
    provider = vouchers_headers(kind="provider", org=PROVIDER)
    answer = _reverse(vouchers_client, provider, made["id"])
    assert answer.status_code == 200, answer.text
    assert world.events("redemption.reversed")[0]["returned_to"] == returned_to
    expected = {
        **before,
        ("redemption", made["id"]): ("reversed", 2),
        ("contract", PROVIDER, "C-5"): (0,),
        ("usage", HOLDER, world.programme_id): (200_000,),
    }
    if returned_to == "voucher":
        expected["voucher", "vch_m"] = (FACE, 0, "active", 3)
    else:
        expected["voucher", "vch_m"] = (0, FACE, "expired", 3)
        expected["programme", world.programme_id] = (FACE,)
    assert _every_amount(world) == expected


def test_a_reversal_that_read_the_redemption_before_another_reversed_it_gives_nothing_back(
    world: World,
    redeem: Post,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The race above by a stale read (on every database): the redemption is read redeemed,
    then reversed underneath before the guarded update, which finds nothing to mark: 409,
    and nothing is given back."""
    made = redeem(body(world.code, 400_000)).json()
    real = redemption_service._visible

    def reversed_underneath(session: Any, principal: Principal, redemption_id: str) -> Any:
        redemption = real(session, principal, redemption_id)  # read redeemed
        session.execute(
            Redemption.__table__.update()  # type: ignore[attr-defined]
            .where(Redemption.__table__.c.id == redemption_id)  # type: ignore[attr-defined]
            .values(status="reversed")
        )
        return redemption

    monkeypatch.setattr(redemption_service, "_visible", reversed_underneath)
    before = world.books()
    provider = vouchers_headers(kind="provider", org=PROVIDER)
    lost = _reverse(vouchers_client, provider, made["id"])
    assert lost.status_code == 409 and lost.json()["code"] == "redemption_already_reversed"
    assert world.books() == before  # the request's writes rolled back, nothing given back
    assert _voucher_seen(vouchers_client, vouchers_headers, world)["balance_fen"] == 600_000


def test_50_parallel_redemptions_never_overdraw(world: World) -> None:
    """50 providers' redemptions of 30,000 fen each against 1,000,000 fen (33 fit), each on its
    own contract (covered share 50,000), so only the balance limits them.

    Through the service functions, each thread with its own session and transaction, as the
    request's unit of work does it; the same race through HTTP is below.
    """
    principal = Principal(
        client_id="cli_lab", kind=ClientKind.PROVIDER, org=PROVIDER, scopes=frozenset()
    )
    barrier = threading.Barrier(50, timeout=30)

    def attempt(index: int) -> tuple[int, str]:
        data = RedemptionCreate.model_validate(
            body(world.code, 30_000, reference=f"P-{index}", contract=100_000)
        )
        barrier.wait()
        with world.database.session() as session:
            try:
                made = redemption_service.redeem(session=session, principal=principal, data=data)
                session.commit()
                return made.amount_fen, "accepted"
            except DomainError as refusal:
                session.rollback()
                return 0, refusal.code

    with ThreadPoolExecutor(50) as pool:
        outcomes = list(pool.map(attempt, range(50)))
    accepted = [amount for amount, outcome in outcomes if outcome == "accepted"]
    assert {outcome for _, outcome in outcomes} == {"accepted", "insufficient_balance"}
    assert len(accepted) == FACE // 30_000  # 33
    books = world.books()
    assert books["balance"] == FACE - sum(accepted) >= 0
    assert books["redeemed"] == sum(accepted) == books["contracts"]
    assert books["redemptions"] == len(accepted)
    assert len(world.events("voucher.redeemed")) == len(accepted)


def test_50_parallel_redemptions_through_http_never_overdraw(
    world: World, vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    """50 requests at once of 70,000 fen against 1,000,000 (14 fit), each its own contract.

    50 client threads through one TestClient inside its `with` block (the app's lifespan made
    the admission gate): more requests than the pool has connections, all released together.
    """
    headers = vouchers_headers(kind="provider", org=PROVIDER)
    barrier = threading.Barrier(RACERS, timeout=30)

    def post(index: int) -> httpx.Response:
        barrier.wait()
        return vouchers_client.post(
            "/v1/redemptions",
            json=body(world.code, 70_000, reference=f"H-{index}", contract=200_000),
            headers={**headers, "Idempotency-Key": f"par-{index}"},
        )

    with ThreadPoolExecutor(RACERS) as pool:
        answers = list(pool.map(post, range(RACERS)))
    accepted = [a.json()["amount_fen"] for a in answers if a.status_code == 201]
    assert {a.json()["code"] for a in answers if a.status_code != 201} == {"insufficient_balance"}
    assert len(accepted) == FACE // 70_000  # 14
    books = world.books()
    assert books["balance"] == FACE - sum(accepted) >= 0 and books["redeemed"] == sum(accepted)
    assert books["contracts"] == sum(accepted) and books["redemptions"] == len(accepted)
    assert len(world.events("voucher.redeemed")) == len(accepted)


def test_one_idempotency_key_20_times_at_once_is_one_redemption(
    world: World, vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    headers = {**vouchers_headers(kind="provider", org=PROVIDER), "Idempotency-Key": "burst"}
    barrier = threading.Barrier(20, timeout=30)

    def post(_: int) -> httpx.Response:
        barrier.wait()
        return vouchers_client.post(
            "/v1/redemptions", json=body(world.code, 70_000), headers=headers
        )

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(post, range(20)))
    created = {a.json()["id"] for a in answers if a.status_code == 201}
    others = {a.json()["code"] for a in answers if a.status_code != 201}
    assert len(created) == 1 and others <= {"idempotency_in_progress", "idempotency_retry"}
    books = world.books()
    assert books["redemptions"] == 1 and books["balance"] == FACE - 70_000
    assert books["redeemed"] == 70_000 and len(world.events("voucher.redeemed")) == 1


def test_the_whole_balance_is_redeemed_on_the_expiry_day_up_to_the_share_and_the_cap(
    world: World, redeem: Post, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every bound met exactly at once, on the voucher's last day: its whole balance, the
    contract's whole covered share, the holder's cap to the fen. The day after, one fen more of
    the balance, one fen past the share or the cap: refused, nothing moved."""
    moment = utcnow()
    today = shanghai_date(moment)
    monkeypatch.setattr(redemption_service, "utcnow", lambda: moment)  # no midnight in between
    world.update(EnterpriseYearUsage, (HOLDER, world.programme_id), redeemed_fen=CAP - FACE)
    whole = body(world.code, FACE, reference="C-all", contract=2 * FACE)  # covers 50%: FACE
    yesterday = (today - timedelta(days=1)).isoformat()
    refusals = {  # code: (the voucher's change, the request, the detail naming the bound)
        "voucher_expired": (
            {"expires_on": today - timedelta(days=1)},
            whole,
            f"The voucher expired on {yesterday}.",
        ),
        "insufficient_balance": (
            {"balance_fen": FACE - 1},
            whole,
            f"more than the voucher's balance ({FACE - 1} fen)",
        ),
        "exceeds_covered_share": (
            {},
            body(world.code, FACE, reference="C-x", contract=2 * FACE - 2),
            f"with this contract's earlier redemptions, more than its covered share ({FACE - 1} fen)",
        ),
    }
    for code, (voucher, payload, detail) in refusals.items():
        world.update(
            Voucher, world.voucher_id, **{"balance_fen": FACE, "expires_on": today, **voucher}
        )
        before = world.books()
        answer = redeem(payload)
        assert answer.status_code == 409 and answer.json()["code"] == code, answer.text
        assert answer.json()["detail"] == detail
        assert world.books() == before
    world.update(Voucher, world.voucher_id, balance_fen=FACE, expires_on=today)
    world.update(EnterpriseYearUsage, (HOLDER, world.programme_id), redeemed_fen=CAP - FACE + 1)
    over_cap = redeem(whole)
    assert over_cap.status_code == 409 and over_cap.json()["code"] == "yearly_cap_exceeded"
    world.update(EnterpriseYearUsage, (HOLDER, world.programme_id), redeemed_fen=CAP - FACE)
    answer = redeem(whole)
    assert answer.status_code == 201, answer.text
    assert answer.json()["amount_fen"] == FACE
    books = world.books()
    assert (books["balance"], books["redeemed"], books["contracts"]) == (0, CAP, FACE)


def test_an_odd_contract_amounts_covered_share_is_floored_to_the_fen(
    world: World, redeem: Post
) -> None:
    """50% of 1,000,001 fen is 500,000.5: the share is 500,000 fen, named so in the refusal, and
    reached exactly by two redemptions; one fen more is refused on a fresh contract and on a
    drawn one."""
    first = redeem(body(world.code, 500_001, reference="C-odd", contract=1_000_001))
    assert first.status_code == 409 and first.json()["code"] == "exceeds_covered_share"
    assert first.json()["detail"] == (
        "with this contract's earlier redemptions, more than its covered share (500000 fen)"
    )
    assert (
        redeem(body(world.code, 300_000, reference="C-odd", contract=1_000_001)).status_code == 201
    )
    before = world.books()
    over = redeem(body(world.code, 200_001, reference="C-odd", contract=1_000_001))
    assert over.status_code == 409 and over.json()["code"] == "exceeds_covered_share"
    assert "(500000 fen)" in over.json()["detail"] and world.books() == before
    assert (
        redeem(body(world.code, 200_000, reference="C-odd", contract=1_000_001)).status_code == 201
    )
    assert world.books()["contracts"] == 500_000


def test_a_contract_is_drawn_in_parts_below_its_covered_share(
    world: World, redeem: Post, vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    """Each later draw is guarded by what the contract has left, not only by reaching it: 100,000,
    then 150,000 (250,000 of 500,000), then the rest, 250,000; one fen more is refused. A
    reversed part frees exactly its own amount of the contract again."""
    ids = []
    for amount in (100_000, 150_000, 250_000):
        drawn = redeem(body(world.code, amount, reference="C-parts"))
        assert drawn.status_code == 201, drawn.text
        ids.append(drawn.json()["id"])
    assert world.books()["contracts"] == 500_000
    over = redeem(body(world.code, 1, reference="C-parts"))
    assert over.status_code == 409 and over.json()["code"] == "exceeds_covered_share"
    provider = vouchers_headers(kind="provider", org=PROVIDER)
    assert _reverse(vouchers_client, provider, ids[1]).status_code == 200
    assert world.books()["contracts"] == 350_000
    assert redeem(body(world.code, 150_000, reference="C-parts")).status_code == 201
    over = redeem(body(world.code, 1, reference="C-parts"))
    assert over.status_code == 409 and over.json()["code"] == "exceeds_covered_share"


def test_a_voucher_is_redeemed_under_its_own_programme_between_an_earlier_and_a_later_one(
    world: World, redeem: Post, seed_enterprise: SeedEnterprise
) -> None:
    """Programmes whose ids sort before and after this one's, covering other categories, and
    enterprises whose USCCs sort before and after the holder's, neither refuse nor redirect a
    redemption of this programme's voucher."""
    seed_enterprise("91140100MA0K000009", is_tech_sme=True)  # sorts before HOLDER
    assert "91140100MA0K000009" < HOLDER < OTHER_HOLDER
    with world.database.transaction() as session:
        this = session.get(Programme, world.programme_id)
        assert this is not None
        copied = this.model_dump(exclude={"id", "year", "categories", "created_at", "updated_at"})
        for year in (2025, 2027):
            session.add(
                Programme(**copied, id=f"vpg_{year}_innovation", year=year, categories=["software"])
            )
    answer = redeem(body(world.code, 100_000))
    assert answer.status_code == 201, answer.text
    assert (answer.json()["programme_id"], answer.json()["uscc"]) == (world.programme_id, HOLDER)


@pytest.mark.parametrize(
    "underneath",
    [
        {"status": "void"},
        {"status": "expired"},
        {"expires_on": shanghai_date(utcnow()) - timedelta(days=1)},
    ],
    ids=["voided", "expired", "past_its_last_day"],
)
def test_a_voucher_voided_or_expired_after_the_check_is_not_drawn(
    world: World, redeem: Post, monkeypatch: pytest.MonkeyPatch, underneath: dict[str, Any]
) -> None:
    """A stale read (on every database): the voucher is read active and unexpired, then voided
    or expired underneath before the guarded draw, which finds nothing to draw: refused as the
    draw's refusal, nothing moved."""
    real = redemption_service._draw_balance

    def changed_first(session: Any, voucher: Voucher, amount: int, today: date) -> None:
        session.execute(
            Voucher.__table__.update()  # type: ignore[attr-defined]
            .where(Voucher.__table__.c.id == voucher.id)  # type: ignore[attr-defined]
            .values(**underneath)
        )
        real(session, voucher, amount, today)

    monkeypatch.setattr(redemption_service, "_draw_balance", changed_first)
    before = world.books()
    answer = redeem(body(world.code, 100_000))
    assert answer.status_code == 409 and answer.json()["code"] == "insufficient_balance"
    assert world.books() == before


def test_a_reversed_redemption_is_already_reversed_after_the_window_too(
    world: World,
    redeem: Post,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Reversing twice is `redemption_already_reversed` whenever it is asked: 31 days after the
    redemption too (the window is for reversals still to make), and nothing moves again."""
    made = redeem(body(world.code, 200_000)).json()
    provider = vouchers_headers(kind="provider", org=PROVIDER)
    assert _reverse(vouchers_client, provider, made["id"]).status_code == 200
    with world.database.session() as session:
        redemption = session.get(Redemption, made["id"])
        assert redemption is not None
        created = redemption.created_at
    monkeypatch.setattr(redemption_service, "utcnow", lambda: created + timedelta(days=31))
    before = world.books()
    again = _reverse(vouchers_client, provider, made["id"])
    assert again.status_code == 409 and again.json()["code"] == "redemption_already_reversed"
    assert world.books() == before


LOW_HOLDER, HIGH_HOLDER = "91140100MA0J00004X", "91140100MA0L000069"  # sort around HOLDER


def test_who_sees_what_and_every_filter_with_neighbours_on_both_sides(
    world: World,
    redeem: Post,
    seed_enterprise: SeedEnterprise,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
) -> None:
    """Three redemptions whose voucher, holder, provider and contract reference each sort below,
    at and above the middle one's: every visibility rule and filter keeps exactly the middle one.
    The providers on the sides also sort the other way from their holders (a provider's USCC
    above its holder's, a legal representative's hash below), and still redeem."""
    for uscc in (LOW_HOLDER, HIGH_HOLDER):
        seed_enterprise(uscc, is_tech_sme=True)
        with world.database.transaction() as session:
            session.add(
                EnterpriseYearUsage(
                    uscc=uscc, programme_id=world.programme_id, issued_fen=FACE, cap_fen=CAP
                )
            )
    seed_provider(world.database, "prv_a", "52140000MB1234001K", legal_rep_id_hash="0" * 64)
    seed_provider(world.database, "prv_z", "92140100MA0K00005G")  # above every holder's
    made = {}
    for side, holder, provider, reference in (
        ("a", LOW_HOLDER, "prv_a", "C-1"),
        ("m", HOLDER, PROVIDER, "C-2"),
        ("z", HIGH_HOLDER, "prv_z", "C-3"),
    ):
        code = world.voucher(id=f"vch_{side}", uscc=holder)[1]
        answer = redeem(body(code, 100_000, reference=reference), org=provider)
        assert answer.status_code == 201, answer.text
        made[side] = answer.json()["id"]
    admin = vouchers_headers(kind="admin", org=None, scopes=("vouchers:read", "vouchers:admin"))
    provider = vouchers_headers(kind="provider", org=PROVIDER)
    holders = [vouchers_headers(kind=kind, org=HOLDER) for kind in ("enterprise", "portal")]

    def ids(headers: dict[str, str], **params: str) -> list[str]:
        answer = vouchers_client.get("/v1/redemptions", params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        return [item["id"] for item in answer.json()["items"]]

    assert ids(admin) == [made["a"], made["m"], made["z"]]
    for params in ({"voucher": "vch_m"}, {"contract_reference": "C-2"}, {"provider": PROVIDER}):
        assert ids(admin, **params) == [made["m"]], params
    for caller in (provider, *holders):
        assert ids(caller) == [made["m"]]
        for side in ("a", "z"):
            hidden = vouchers_client.get(f"/v1/redemptions/{made[side]}", headers=caller)
            assert hidden.status_code == 404 and hidden.json()["code"] == "redemption_not_found"
        shown = vouchers_client.get(f"/v1/redemptions/{made['m']}", headers=caller)
        assert shown.status_code == 200 and shown.json()["id"] == made["m"]
    for holder in holders:
        assert ids(holder, voucher="vch_m") == [made["m"]]
        for side in ("a", "z"):
            answer = vouchers_client.get(f"/v1/redemptions?voucher=vch_{side}", headers=holder)
            assert answer.status_code == 404 and answer.json()["code"] == "voucher_not_found"


@pytest.mark.parametrize("status", ["applied", "refused", "removed", None])
def test_a_provider_not_approved_or_unknown_does_not_redeem(
    world: World, redeem: Post, status: str | None
) -> None:
    """Only `approved` redeems: a provider still applied for (the status sorting before it),
    refused or removed (after it), or a provider key whose org is no provider at all."""
    org = PROVIDER
    if status is None:
        org = "prv_unknown"
    else:
        world.update(Provider, PROVIDER, status=status)
    before = world.books()
    answer = redeem(body(world.code), org=org)
    assert answer.status_code == 403 and answer.json()["code"] == "provider_not_approved"
    assert world.books() == before


def test_a_give_back_never_lifts_the_balance_above_the_face_value(
    world: World, redeem: Post, vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    """The give-back to an active voucher is guarded by its face value: with the balance one fen
    higher than the redemption left it (seeded: no route raises a balance), the amount would
    lift it one fen above face value, so it goes to the programme, as for an expired voucher."""
    made = redeem(body(world.code, 200_000)).json()
    world.update(Voucher, world.voucher_id, balance_fen=FACE - 200_000 + 1)
    after_redeem = world.books()
    answer = _reverse(vouchers_client, vouchers_headers(kind="provider", org=PROVIDER), made["id"])
    assert answer.status_code == 200, answer.text
    assert world.events("redemption.reversed")[0]["returned_to"] == "programme"
    books = world.books()
    assert books["balance"] == FACE - 200_000 + 1
    assert books["committed"] == after_redeem["committed"] - 200_000
    voucher = _voucher_seen(vouchers_client, vouchers_headers, world)
    assert voucher["released_fen"] == 200_000


def test_a_redemption_evaluates_the_rule_set_without_freezing_it(
    world: World, redeem: Post, vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    """The holder's eligibility is evaluated under the programme's own rule set, but a
    redemption keeps no trace of it: a version no recorded evaluation used stays editable."""
    rules = {
        "family": "vouchers.eligibility",
        "effective_from": "2026-01-01",
        "inputs": {"size_class": "string", "on_dishonesty_list": "bool"},
        "rules": [
            {"name": "small", "expression": "size_class in ['small', 'micro']"},
            {"name": "eligible", "expression": "small && !on_dishonesty_list"},
        ],
    }
    admin = vouchers_headers(kind="admin")
    saved = vouchers_client.post("/v1/rule-sets", json=rules, headers=admin)
    assert saved.status_code == 201 and saved.json()["in_use"] is False, saved.text
    world.update(Programme, world.programme_id, rule_set_id=saved.json()["id"])
    world.update(VoucherEnterprise, HOLDER, is_tech_sme=False)  # the default would refuse it
    assert redeem(body(world.code, 100_000)).status_code == 201
    read = vouchers_client.get(f"/v1/rule-sets/{saved.json()['id']}", headers=admin)
    assert read.status_code == 200 and read.json()["in_use"] is False
    assert read.json()["used_at"] is None
