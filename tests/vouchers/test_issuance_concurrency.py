"""Issuance under concurrency (SQLite and PostgreSQL): never over the budget or the cap, one
application per `Idempotency-Key`.

Two ways: 50 requests from 50 client threads released together by a barrier, through one
TestClient inside its `with` block (the app's lifespan made the kernel's admission gate, which
admits no more requests at once than the pool has connections), and 50 threads each issuing
through the service function in its own session, all released at once.
"""

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.db import Database
from services.common.errors import DomainError
from services.vouchers.programmes.models import Programme
from services.vouchers.vouchers.service import issue_voucher
from tests.vouchers.conftest import DEFAULT_ORGS, SeedEnterprise, VouchersHeaders
from tests.vouchers.issuance_support import FACE, SeedProgramme, books, events, seed_programme

__all__ = ["seed_programme"]  # the fixture, shared

BODY = {"categories": ["testing"], "purpose": "EMC testing of a controller board."}


def _race(
    client: TestClient, requests: list[tuple[dict[str, str], str]], programme_id: str
) -> list[Any]:
    """Every request in its own client thread, all released at once."""
    barrier = threading.Barrier(len(requests), timeout=30)

    def post(request: tuple[dict[str, str], str]) -> tuple[int, Any]:
        headers, key = request
        barrier.wait()
        answer = client.post(
            "/v1/applications",
            json={"programme_id": programme_id, **BODY},
            headers={**headers, "Idempotency-Key": key},
        )
        return answer.status_code, answer.json()

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(post, requests))


def test_fifty_parallel_issuances_never_exceed_the_budget(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    seed_enterprise: SeedEnterprise,
    seed_programme: SeedProgramme,
) -> None:
    usccs = [f"91140100MA0K{n:06d}" for n in range(50)]
    for uscc in usccs:
        seed_enterprise(uscc, is_tech_sme=True)
    # covers 17 vouchers and a part of an 18th
    programme = seed_programme(budget_fen=17 * FACE + FACE // 3)
    requests = [(vouchers_headers(kind="enterprise", org=u), uuid.uuid4().hex) for u in usccs]
    answers = _race(vouchers_client, requests, programme.id)
    outcomes = Counter("issued" if status == 201 else body["code"] for status, body in answers)
    assert outcomes == {"issued": 17, "programme_budget_exhausted": 33}, outcomes
    committed, usage, vouchers = books(vouchers_app, programme.id)
    assert len(vouchers) == 17 and committed == sum(v.face_value_fen for v in vouchers) == 17 * FACE
    assert sum(usage.values()) == committed and all(v == FACE for v in usage.values())
    issued = {body["voucher_id"] for status, body in answers if status == 201}
    assert issued == {v.id for v in vouchers}
    assert len(events(vouchers_app, "voucher.issued")) == 17


def test_fifty_parallel_issuances_to_one_enterprise_never_exceed_its_cap(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    seed_enterprise: SeedEnterprise,
    seed_programme: SeedProgramme,
) -> None:
    seed_enterprise(is_tech_sme=True)
    programme = seed_programme(budget_fen=1000 * FACE, yearly_cap_fen=7 * FACE)
    headers = vouchers_headers(kind="enterprise")
    answers = _race(vouchers_client, [(headers, uuid.uuid4().hex) for _ in range(50)], programme.id)
    outcomes = Counter("issued" if status == 201 else body["code"] for status, body in answers)
    assert outcomes == {"issued": 7, "yearly_cap_reached": 43}, outcomes
    committed, usage, vouchers = books(vouchers_app, programme.id)
    assert usage == {DEFAULT_ORGS["enterprise"]: 7 * FACE}
    assert committed == 7 * FACE == sum(v.face_value_fen for v in vouchers)


def test_one_idempotency_key_sent_twenty_times_at_once_makes_one_voucher(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    seed_enterprise: SeedEnterprise,
    seed_programme: SeedProgramme,
) -> None:
    seed_enterprise(is_tech_sme=True)
    programme = seed_programme()
    headers = vouchers_headers(kind="enterprise")
    key = uuid.uuid4().hex
    answers = _race(vouchers_client, [(headers, key)] * 20, programme.id)
    listed = vouchers_client.get("/v1/applications", headers=headers).json()["items"]
    statuses = Counter(status for status, _ in answers)
    assert set(statuses) <= {201, 409}, answers
    assert all(body["code"] == "idempotency_in_progress" for s, body in answers if s == 409)
    created = {body["id"] for status, body in answers if status == 201}
    assert len(created) == 1 and [a["id"] for a in listed] == list(created)
    committed, usage, vouchers = books(vouchers_app, programme.id)
    assert committed == FACE and len(vouchers) == 1 and sum(usage.values()) == FACE
    assert len(events(vouchers_app, "voucher.issued")) == 1


def _issue_at_once(app: FastAPI, programme: Programme, usccs: list[str]) -> Counter[str]:
    """Each uscc's issuance in its own thread and session, all released together."""
    database: Database = app.state.database
    barrier = threading.Barrier(len(usccs), timeout=30)

    def issue(uscc: str) -> str:
        barrier.wait()
        try:
            with database.transaction() as session:
                issue_voucher(
                    session=session,
                    programme=programme,
                    uscc=uscc,
                    application_id=None,
                    on=date(2026, 11, 30),
                )
        except DomainError as exc:
            return exc.code
        return "issued"

    with ThreadPoolExecutor(len(usccs)) as pool:
        return Counter(pool.map(issue, usccs))


def test_fifty_issuances_in_fifty_sessions_at_once_never_exceed_budget_or_cap(
    vouchers_app: FastAPI, seed_enterprise: SeedEnterprise, seed_programme: SeedProgramme
) -> None:
    usccs = [f"91140100MA0K{n:06d}" for n in range(25)]
    for uscc in usccs:
        seed_enterprise(uscc, is_tech_sme=True)
    # the budget covers 11 vouchers; each enterprise's cap one: 25 enterprises, each twice
    programme = seed_programme(budget_fen=11 * FACE + 1, yearly_cap_fen=FACE)
    outcomes = _issue_at_once(vouchers_app, programme, usccs * 2)
    assert outcomes["issued"] == 11, outcomes
    assert set(outcomes) <= {"issued", "programme_budget_exhausted", "yearly_cap_reached"}
    committed, usage, vouchers = books(vouchers_app, programme.id)
    assert committed == 11 * FACE == sum(v.face_value_fen for v in vouchers)
    assert sum(usage.values()) == committed and max(usage.values()) == FACE
    assert len({v.uscc for v in vouchers}) == 11

    capped = seed_programme(budget_fen=1000 * FACE, yearly_cap_fen=9 * FACE)
    outcomes = _issue_at_once(vouchers_app, capped, [usccs[0]] * 50)
    assert outcomes == {"issued": 9, "yearly_cap_reached": 41}, outcomes
    committed, usage, vouchers = books(vouchers_app, capped.id)
    assert usage == {usccs[0]: 9 * FACE} and committed == 9 * FACE and len(vouchers) == 9


def test_ten_admins_approving_one_application_at_once_issue_one_voucher(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    seed_enterprise: SeedEnterprise,
    seed_programme: SeedProgramme,
) -> None:
    seed_enterprise(is_tech_sme=True)
    programme = seed_programme(auto_approve=False)
    enterprise = vouchers_headers(kind="enterprise")
    admins = [
        vouchers_headers(kind="admin", org=None, client_id=f"cli_admin_{n}") for n in range(10)
    ]
    applied = vouchers_client.post(
        "/v1/applications",
        json={"programme_id": programme.id, **BODY},
        headers={**enterprise, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert applied.json()["status"] == "pending", applied.text
    decision = f"/v1/applications/{applied.json()['id']}/decision"
    barrier = threading.Barrier(len(admins), timeout=30)

    def approve(headers: dict[str, str]) -> tuple[int, Any]:
        barrier.wait()
        answer = vouchers_client.post(
            decision,
            json={"decision": "approve"},
            headers={**headers, "If-Match": applied.headers["ETag"]},
        )
        return answer.status_code, answer.json()

    with ThreadPoolExecutor(len(admins)) as pool:
        answers = list(pool.map(approve, admins))
    outcomes = Counter("approved" if s == 200 else body["code"] for s, body in answers)
    assert outcomes["approved"] == 1, outcomes
    assert set(outcomes) <= {"approved", "application_already_decided", "stale_etag"}, outcomes
    committed, usage, vouchers = books(vouchers_app, programme.id)
    assert committed == FACE and len(vouchers) == 1 and sum(usage.values()) == FACE
    winner = next(body for s, body in answers if s == 200)
    assert winner["voucher_id"] == vouchers[0].id
