"""A provider's life through HTTP: the application as shown and announced, every decision from
every status, reasons, versions and ETags, and two writers meeting on one provider."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from services.common.etag import Precondition
from services.common.identity import ClientKind, Principal
from services.vouchers.enterprises.models import VoucherEnterprise
from services.vouchers.providers import service
from services.vouchers.providers.schemas import VoucherProviderDecisionCreate
from tests.locks import answers_while_held, waits_then_answers
from tests.vouchers.conftest import SeedEnterprise, VouchersHeaders
from tests.vouchers.issuance_support import events
from tests.vouchers.test_providers import APPLICATION

ADMIN = Principal(client_id="cli_office", kind=ClientKind.ADMIN, org=None, scopes=frozenset())
# How each status is reached from `applied`, by the admin's decisions.
PATHS: dict[str, list[str]] = {
    "applied": [],
    "approved": ["approve"],
    "refused": ["refuse"],
    "suspended": ["approve", "suspend"],
    "removed": ["approve", "remove"],
}
# What each decision leads to, and from where (the module's table, written out from its docs).
ALLOWED = {
    ("applied", "approve"): "approved",
    ("suspended", "approve"): "approved",
    ("applied", "refuse"): "refused",
    ("approved", "suspend"): "suspended",
    ("approved", "remove"): "removed",
    ("suspended", "remove"): "removed",
}
SOURCES = {
    "approve": "applied or suspended",
    "refuse": "applied",
    "suspend": "approved",
    "remove": "approved or suspended",
}


def uscc(n: int) -> str:
    return f"1214000040520{n:04d}K"


def apply(client: TestClient, headers: VouchersHeaders, org: str, n: int, **changes: Any) -> Any:
    body = {**APPLICATION, "uscc": uscc(n), **changes}
    return client.post("/v1/providers", json=body, headers=headers(kind="provider", org=org))


def decide(
    client: TestClient, make: VouchersHeaders, provider_id: str, decision: str, **extra: Any
) -> Any:
    reason = None if decision == "approve" else f"{decision} it"
    body = {"decision": decision, "reason": reason, **extra.pop("body", {})}
    return client.post(
        f"/v1/providers/{provider_id}/decision",
        json={k: v for k, v in body.items() if v is not None},
        headers={**make(kind="admin"), **extra.pop("headers", {})},
    )


def test_an_application_is_shown_whole_named_and_announced(
    vouchers_client: TestClient, vouchers_headers: VouchersHeaders, vouchers_app: FastAPI
) -> None:
    answer = apply(
        vouchers_client,
        vouchers_headers,
        "prv_whole",
        1,
        name="  太原理工大学测试中心 ",
        categories=["testing", "inspection", "testing"],
    )
    assert answer.status_code == 201, answer.text
    shown = answer.json()
    assert shown.pop("created_at") == shown.pop("updated_at")
    assert shown == {
        "id": "prv_whole",
        "uscc": uscc(1),
        "name": "太原理工大学测试中心",
        "kind": "university",
        "district": "wanbailin",
        "categories": ["testing", "inspection"],
        "status": "applied",
        "status_reason": None,
        "version": 1,
        "applied_by": shown["applied_by"],
    }
    assert shown["applied_by"].startswith("cli_")
    assert answer.headers["Location"].endswith("/v1/providers/prv_whole")
    read = vouchers_client.get("/v1/providers/prv_whole", headers=vouchers_headers(kind="admin"))
    assert read.headers["ETag"] == answer.headers["ETag"]
    assert events(vouchers_app, "provider.applied") == [
        {
            "id": "prv_whole",
            "uscc": uscc(1),
            "status": "applied",
            "categories": ["testing", "inspection"],
            "version": 1,
        }
    ]


@pytest.mark.parametrize("start", list(PATHS))
def test_each_decision_applies_only_from_its_statuses(
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    vouchers_app: FastAPI,
    start: str,
) -> None:
    """From `start`, each of the four decisions on its own provider: the allowed ones move it
    and are announced; the others are 409 naming the statuses they apply to, and change nothing."""
    for n, decision in enumerate(("approve", "refuse", "suspend", "remove")):
        org = f"prv_{start}_{decision}"
        assert apply(vouchers_client, vouchers_headers, org, n).status_code == 201
        for step in PATHS[start]:
            assert decide(vouchers_client, vouchers_headers, org, step).status_code == 200
        before = vouchers_client.get(f"/v1/providers/{org}", headers=vouchers_headers(kind="admin"))
        answer = decide(vouchers_client, vouchers_headers, org, decision)
        target = ALLOWED.get((start, decision))
        if target is None:
            assert answer.status_code == 409, (start, decision, answer.text)
            problem = answer.json()
            assert problem["code"] == "provider_decision_invalid"
            assert problem["errors"][0]["field"] == "body.decision"
            assert problem["errors"][0]["message"] == (
                f"provider {org} is {start}; '{decision}' applies to {SOURCES[decision]}"
            )
            after = vouchers_client.get(
                f"/v1/providers/{org}", headers=vouchers_headers(kind="admin")
            )
            assert after.json() == before.json() and after.headers["ETag"] == before.headers["ETag"]
        else:
            assert answer.status_code == 200, (start, decision, answer.text)
            moved = answer.json()
            assert (moved["status"], moved["version"]) == (target, before.json()["version"] + 1)
            assert moved["updated_at"] > before.json()["updated_at"]
            assert moved["created_at"] == before.json()["created_at"]
            assert answer.headers["ETag"] != before.headers["ETag"]
            announced = [e for e in events(vouchers_app, f"provider.{target}") if e["id"] == org]
            assert announced[-1] == {
                "id": org,
                "uscc": uscc(n),
                "status": target,
                "categories": ["testing", "inspection"],
                "version": moved["version"],
                "reason": None if decision == "approve" else f"{decision} it",
            }


@pytest.mark.parametrize("decision", ["refuse", "suspend", "remove"])
def test_every_decision_but_approve_needs_a_reason_the_provider_is_told(
    vouchers_client: TestClient, vouchers_headers: VouchersHeaders, decision: str
) -> None:
    assert apply(vouchers_client, vouchers_headers, "prv_reason", 1).status_code == 201
    if decision != "refuse":
        assert decide(vouchers_client, vouchers_headers, "prv_reason", "approve").status_code == 200
    bare = vouchers_client.post(
        "/v1/providers/prv_reason/decision",
        json={"decision": decision},
        headers=vouchers_headers(kind="admin"),
    )
    assert bare.status_code == 422 and bare.json()["code"] == "decision_reason_required"
    assert bare.json()["errors"][0]["field"] == "body.reason"
    assert f"'{decision}' needs a reason" in bare.json()["errors"][0]["message"]
    told = decide(vouchers_client, vouchers_headers, "prv_reason", decision)
    assert told.status_code == 200 and told.json()["status_reason"] == f"{decision} it"


def test_a_reinstated_provider_keeps_the_reason_of_its_approval_only(
    vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    assert apply(vouchers_client, vouchers_headers, "prv_back", 1).status_code == 201
    first = decide(
        vouchers_client, vouchers_headers, "prv_back", "approve", body={"reason": "Accredited lab."}
    )
    assert first.json()["status_reason"] == "Accredited lab."
    suspended = decide(vouchers_client, vouchers_headers, "prv_back", "suspend")
    assert suspended.json()["status_reason"] == "suspend it"
    back = decide(vouchers_client, vouchers_headers, "prv_back", "approve")
    assert (back.json()["status"], back.json()["status_reason"]) == ("approved", None)
    assert back.json()["version"] == 4


def test_a_decision_with_if_match_needs_the_current_etag(
    vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    made = apply(vouchers_client, vouchers_headers, "prv_tag", 1)
    old = made.headers["ETag"]
    approved = decide(
        vouchers_client, vouchers_headers, "prv_tag", "approve", headers={"If-Match": old}
    )
    assert approved.status_code == 200 and approved.json()["version"] == 2
    stale = decide(
        vouchers_client, vouchers_headers, "prv_tag", "suspend", headers={"If-Match": old}
    )
    assert stale.status_code == 412 and stale.json()["code"] == "stale_etag"
    read = vouchers_client.get("/v1/providers/prv_tag", headers=vouchers_headers(kind="admin"))
    assert read.json()["status"] == "approved"
    current = decide(
        vouchers_client,
        vouchers_headers,
        "prv_tag",
        "suspend",
        headers={"If-Match": approved.headers["ETag"]},
    )
    assert current.status_code == 200 and current.json()["status"] == "suspended"


def test_the_legal_representative_is_taken_from_the_register_at_approval(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    seed_enterprise: SeedEnterprise,
) -> None:
    """Applied before the register knew it: the hash is filled when it is approved (not when it
    is refused); one known at the application is kept when the register changes later."""
    seed_enterprise(uscc(2), legal_rep_id_hash="c" * 64)
    for org, n in (("prv_late", 1), ("prv_known", 2), ("prv_refused", 3)):
        assert apply(vouchers_client, vouchers_headers, org, n).status_code == 201
    database = vouchers_app.state.database

    def hashes() -> dict[str, str | None]:
        with database.session(write=False) as session:
            return {
                p: service.get_provider(session=session, provider_id=p).legal_rep_id_hash
                for p in ("prv_late", "prv_known", "prv_refused")
            }

    assert hashes() == {"prv_late": None, "prv_known": "c" * 64, "prv_refused": None}
    seed_enterprise(uscc(1), legal_rep_id_hash="d" * 64)
    seed_enterprise(uscc(3), legal_rep_id_hash="e" * 64)
    with database.transaction() as session:
        changed = session.get(VoucherEnterprise, uscc(2))
        assert changed is not None
        changed.legal_rep_id_hash = "f" * 64
        session.add(changed)
    for org, decision in (
        ("prv_late", "approve"),
        ("prv_known", "approve"),
        ("prv_refused", "refuse"),
    ):
        assert decide(vouchers_client, vouchers_headers, org, decision).status_code == 200
    assert hashes() == {"prv_late": "d" * 64, "prv_known": "c" * 64, "prv_refused": None}


def test_a_second_application_racing_the_first_is_refused_and_leaves_the_first(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both checks passed before the first committed (simulated: the second does not see the
    first's row): the database's keys refuse the second as 409, and nothing of it remains."""
    assert apply(vouchers_client, vouchers_headers, "prv_race", 1).status_code == 201
    real_get = Session.get

    def blind_get(self: Session, entity: Any, ident: Any, **kw: Any) -> Any:
        found = real_get(self, entity, ident, **kw)
        return None if entity is service.Provider else found

    monkeypatch.setattr(Session, "get", blind_get)
    again = apply(vouchers_client, vouchers_headers, "prv_race", 2)
    monkeypatch.undo()
    assert again.status_code == 409 and again.json()["code"] == "provider_exists"
    assert "applied at the same time" in again.json()["detail"]
    listed = vouchers_client.get("/v1/providers", headers=vouchers_headers(kind="admin")).json()
    assert [(p["id"], p["uscc"]) for p in listed["items"]] == [("prv_race", uscc(1))]
    assert [e["uscc"] for e in events(vouchers_app, "provider.applied")] == [uscc(1)]


@contextmanager
def approval_held(app: FastAPI, provider_id: str) -> Iterator[Session]:
    """An admin's approval of the provider, flushed but not committed, in its own session."""
    holder = app.state.database.session()
    try:
        service.decide(
            session=holder,
            principal=ADMIN,
            provider_id=provider_id,
            data=VoucherProviderDecisionCreate(decision="approve"),
            precondition=Precondition(None, required=False),
        )
        yield holder
    finally:
        holder.close()


def test_two_decisions_at_once_the_second_sees_the_first(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    postgres_database: str | None,
) -> None:
    """An approval holds the provider uncommitted; a refusal arriving then waits on its row and
    is refused as out of order, so the provider is approved once and never refused."""
    if postgres_database is None:
        pytest.skip("SQLite's BEGIN IMMEDIATE queues the second writer on its busy timeout")
    assert apply(vouchers_client, vouchers_headers, "prv_both", 1).status_code == 201
    with approval_held(vouchers_app, "prv_both") as holder:
        answer = waits_then_answers(
            holder,
            lambda: decide(vouchers_client, vouchers_headers, "prv_both", "refuse"),
            vouchers_app.state.database,
            table="voucher_providers",
        )
    assert answer.status_code == 409 and answer.json()["code"] == "provider_decision_invalid"
    read = vouchers_client.get("/v1/providers/prv_both", headers=vouchers_headers(kind="admin"))
    assert (read.json()["status"], read.json()["version"]) == ("approved", 2)
    assert events(vouchers_app, "provider.refused") == []


def test_a_read_during_an_uncommitted_decision_answers_at_once_with_what_is_committed(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    postgres_database: str | None,
) -> None:
    """Only a decision locks the provider's row: a read neither waits for the approval nor
    sees it."""
    if postgres_database is None:
        pytest.skip("SQLite's BEGIN IMMEDIATE queues every writer, and its readers never wait")
    assert apply(vouchers_client, vouchers_headers, "prv_read", 1).status_code == 201
    with approval_held(vouchers_app, "prv_read") as holder:
        read = answers_while_held(
            lambda: vouchers_client.get(
                "/v1/providers/prv_read", headers=vouchers_headers(kind="admin")
            )
        )
        holder.commit()
    assert read.status_code == 200 and read.json()["status"] == "applied"
    after = vouchers_client.get("/v1/providers/prv_read", headers=vouchers_headers(kind="admin"))
    assert after.json()["status"] == "approved"
