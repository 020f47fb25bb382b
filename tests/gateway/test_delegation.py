"""Delegations through the running gateway and registry: grant, narrow, revoke, file, refuse."""

import io
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from gateway.auth.caller import Caller
from gateway.delegations import service as delegations_service
from gateway.delegations.errors import NotYourDelegation
from gateway.delegations.schemas import DelegationConfirm, DelegationCreate
from gateway.observability import AccessLog
from services.common.errors import ForbiddenClientKind
from services.common.etag import Precondition
from services.common.tokens import InternalTokenSigner
from tests.gateway.conftest import RunningGateway
from tests.locks import wait_for_lock_waiter, waits_then_answers
from tests.registry.factories import make_uscc

FILING = {
    "name": "太原委托科技有限公司", "district": "xiaodian", "industry": "I65",
    "founded_on": "2014-05-20", "registered_capital_fen": 50_000_000, "employees": 12,
    "revenue_fen": 150_000_000, "assets_fen": 90_000_000, "is_tech_sme": True,
    "legal_representative": {"name": "张委托", "id_number": "140105198001010011"},
}  # fmt: skip


def _file(stack: RunningGateway, uscc: str) -> None:
    department = {"X-API-Key": stack.key_for("department", org="business_registration")}
    filed = stack.http.post(
        "/registry/v1/enterprises", json={**FILING, "uscc": uscc}, headers=department
    )
    assert filed.status_code in (201, 409), filed.text


def _later(days: float = 30) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def test_a_portal_acts_only_within_a_live_delegation(shared_stack: RunningGateway) -> None:
    stack = shared_stack
    uscc = "91140105MA0KDE119Q"
    _file(stack, uscc)
    created = stack.create_client("portal")
    portal_id = created["client"]["id"]
    portal = {"X-API-Key": created["api_key"]["key"], "X-On-Behalf-Of": uscc}
    refused = stack.http.get(f"/registry/v1/enterprises/{uscc}", headers=portal)
    assert refused.status_code == 403 and refused.json()["code"] == "no_delegation"
    # read-only: the token carries only what was delegated
    enterprise_key = stack.key_for("enterprise", org=uscc)
    grant = stack.delegate(portal_id, uscc, ("registry:read",), enterprise_key=enterprise_key)
    read = stack.http.get(f"/registry/v1/enterprises/{uscc}", headers=portal)
    assert read.status_code == 200, read.text
    change = stack.http.patch(
        f"/registry/v1/enterprises/{uscc}",
        json={"employees": 13},
        headers={**portal, "If-Match": read.headers["etag"]},
    )
    assert change.status_code == 403 and change.json()["code"] == "outside_delegation"
    # extended to writing: the change is recorded with the portal as its actor, in the event too
    owner = {"X-API-Key": enterprise_key}
    extended = stack.http.post(
        f"/v1/delegations/{grant['id']}/confirmation",
        json={"scopes": ["registry:read", "registry:write"], "expires_at": _later()},
        headers=owner,
    )
    assert extended.status_code == 200 and extended.json()["status"] == "active"
    change = stack.http.patch(
        f"/registry/v1/enterprises/{uscc}",
        json={"employees": 13},
        headers={**portal, "If-Match": read.headers["etag"]},
    )
    assert change.status_code == 200, change.text
    history = stack.http.get(f"/registry/v1/enterprises/{uscc}/history", headers=portal).json()
    last = history["items"][-1]
    assert last["actor"] == portal_id and last["actor_kind"] == "portal"
    admin = {"X-API-Key": stack.key_for("admin")}
    events = stack.http.get("/registry/v1/events?limit=500", headers=admin).json()["items"]
    updated = [e for e in events if e["type"] == "enterprise.updated"][-1]
    assert updated["payload"]["actor"] == portal_id
    # revoked: refused at once (the cache is cleared), though the cache lives 5 s
    revoked = stack.http.post(f"/v1/delegations/{grant['id']}/revocation", headers=owner)
    assert revoked.status_code == 200 and revoked.json()["revoked_by"]
    assert revoked.json()["status"] == "revoked" and revoked.json()["revoked_at"] is not None
    after = stack.http.get(f"/registry/v1/enterprises/{uscc}", headers=portal)
    assert after.status_code == 403 and after.json()["code"] == "no_delegation"


def test_the_access_log_names_the_enterprise_only_when_a_delegation_let_the_portal_act(
    shared_stack: RunningGateway,
) -> None:
    stack = shared_stack
    uscc = "91140105MA0KDE127K"
    _file(stack, uscc)
    created = stack.create_client("portal")
    portal = {"X-API-Key": created["api_key"]["key"], "X-On-Behalf-Of": uscc}
    proxy = stack.gateway.proxy
    kept, lines = proxy.access_log, io.StringIO()
    proxy.access_log = AccessLog(lines)
    try:
        refused = stack.http.get(f"/registry/v1/enterprises/{uscc}", headers=portal)
        enterprise_key = stack.key_for("enterprise", org=uscc)
        stack.delegate(
            created["client"]["id"], uscc, ("registry:read",), enterprise_key=enterprise_key
        )
        read = stack.http.get(f"/registry/v1/enterprises/{uscc}", headers=portal)
        proxy.access_log.flush()
    finally:
        proxy.access_log = kept
    assert (
        refused.status_code == 403
        and refused.json()["code"] == "no_delegation"
        and read.status_code == 200
    ), read.text
    entries = {
        entry["request_id"]: entry
        for entry in map(json.loads, lines.getvalue().splitlines())
        if entry["route"].startswith("registry.")
    }
    claimed = entries[refused.headers["x-request-id"]]
    assert claimed["kind"] == "portal" and claimed["status"] == 403
    assert claimed["on_behalf_of"] is None  # claimed, never granted
    acted = entries[read.headers["x-request-id"]]
    assert acted["kind"] == "portal" and acted["status"] == 200
    assert acted["on_behalf_of"] == uscc


def test_a_portal_filing_a_new_enterprise_may_only_file_until_confirmed(
    shared_stack: RunningGateway,
) -> None:
    stack = shared_stack
    uscc = "91140106MA0KDE223B"
    created = stack.create_client("portal")
    portal_id = created["client"]["id"]
    portal = {"X-API-Key": created["api_key"]["key"], "X-On-Behalf-Of": uscc}
    filed = stack.http.post(
        "/registry/v1/enterprises", json={**FILING, "uscc": uscc}, headers=portal
    )
    assert filed.status_code == 201, filed.text
    read = stack.http.get(f"/registry/v1/enterprises/{uscc}", headers=portal)
    assert read.status_code == 200
    more = stack.http.get(f"/registry/v1/enterprises/{uscc}/history", headers=portal)
    assert more.status_code == 403 and more.json()["code"] == "delegation_filing_only"
    # the enterprise sees it, and confirms it
    owner = {"X-API-Key": stack.key_for("enterprise", org=uscc)}
    listed = stack.http.get("/v1/delegations", headers=owner).json()["items"]
    assert [(d["portal_id"], d["status"], d["purpose"]) for d in listed] == [
        (portal_id, "filing_only", "filing")
    ]
    term = datetime.fromisoformat(listed[0]["expires_at"]) - datetime.fromisoformat(
        listed[0]["created_at"]
    )
    assert term == timedelta(days=30)  # the filing-only delegation's term
    mine = stack.http.get("/v1/delegations", headers={"X-API-Key": portal["X-API-Key"]})
    assert [d["id"] for d in mine.json()["items"]] == [listed[0]["id"]]
    confirmed = stack.http.post(
        f"/v1/delegations/{listed[0]['id']}/confirmation",
        json={"scopes": ["registry:read"], "expires_at": _later()},
        headers=owner,
    )
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "active"
    assert (
        stack.http.get(f"/registry/v1/enterprises/{uscc}/history", headers=portal).status_code
        == 200
    )
    # filing a code already filed earns nothing: the registry refuses, no delegation is made
    other = stack.create_client("portal")
    again = stack.http.post(
        "/registry/v1/enterprises",
        json={**FILING, "uscc": uscc},
        headers={"X-API-Key": other["api_key"]["key"], "X-On-Behalf-Of": uscc},
    )
    assert again.status_code == 409 and again.json()["code"] == "enterprise_already_filed"
    admin = {"X-API-Key": stack.key_for("admin")}
    held = stack.http.get(f"/v1/delegations?portal_id={other['client']['id']}", headers=admin)
    assert held.json()["items"] == []


def test_deregistration_is_never_on_behalf(
    shared_stack: RunningGateway, signer: InternalTokenSigner
) -> None:
    stack = shared_stack
    uscc = "91140107MA0KDE3118"
    _file(stack, uscc)
    portal = stack.portal(uscc)
    refused = stack.http.post(
        f"/registry/v1/enterprises/{uscc}/deregistration", json={"reason": "closed"}, headers=portal
    )
    assert refused.status_code == 403 and refused.json()["code"] == "irreversible_on_behalf"
    # the registry refuses it too, for any token naming an actor
    token = signer.mint(
        sub="cli_portal_x",
        kind="portal",
        org=uscc,
        scopes=["registry:read", "registry:write"],
        audience="registry",
        extra={"act": {"sub": "cli_portal_x"}},
    )
    registry_url = stack.settings.registry_url
    direct = httpx.post(
        f"{registry_url}/v1/enterprises/{uscc}/deregistration",
        json={"reason": "closed"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert direct.status_code == 403 and direct.json()["code"] == "irreversible_on_behalf"
    # the enterprise itself may
    own = stack.http.post(
        f"/registry/v1/enterprises/{uscc}/deregistration",
        json={"reason": "closed"},
        headers={"X-API-Key": stack.key_for("enterprise", org=uscc)},
    )
    assert own.status_code == 200, own.text  # not a 409: the refused attempts changed nothing
    assert (own.json()["status"], own.json()["deregistration_reason"]) == ("deregistered", "closed")


def test_who_may_grant_and_see_delegations(shared_stack: RunningGateway) -> None:
    stack = shared_stack
    uscc = "91140107MA0KDE4424"
    portal = stack.create_client("portal")
    portal_id = portal["client"]["id"]
    body = {"portal_id": portal_id, "scopes": ["registry:read"], "expires_at": _later()}
    as_portal = stack.http.post(
        "/v1/delegations", json=body, headers={"X-API-Key": portal["api_key"]["key"]}
    )
    assert as_portal.status_code == 403 and as_portal.json()["code"] == "forbidden_client_kind"
    admin = {"X-API-Key": stack.key_for("admin")}
    no_paper = stack.http.post("/v1/delegations", json={**body, "enterprise": uscc}, headers=admin)
    assert no_paper.status_code == 422 and no_paper.json()["code"] == "reference_required"
    assert no_paper.json()["errors"][0]["field"] == "body.reference"
    paper = stack.http.post(
        "/v1/delegations",
        json={**body, "enterprise": uscc, "reference": "晋委托〔2026〕17号"},
        headers=admin,
    )
    assert paper.status_code == 201 and paper.json()["granted_by_kind"] == "admin"
    owner = {"X-API-Key": stack.key_for("enterprise", org=uscc)}
    for wrong, code, field in (
        ({**body, "expires_at": _later(-1)}, "invalid_expiry", "body.expires_at"),
        ({**body, "expires_at": _later(400)}, "invalid_expiry", "body.expires_at"),
        ({**body, "expires_at": _later(366.05)}, "invalid_expiry", "body.expires_at"),  # > 366 d
        ({**body, "portal_id": "cli_nope"}, "portal_not_found", "body.portal_id"),
        ({**body, "scopes": ["on_behalf"]}, "validation_failed", "body.scopes"),
        ({**body, "scopes": ["credit:reports"]}, "validation_failed", "body.scopes"),
    ):
        answer = stack.http.post("/v1/delegations", json=wrong, headers=owner)
        assert answer.status_code == 422 and answer.json()["code"] == code, answer.text
        assert answer.json()["errors"][0]["field"] == field
    # the enterprise sees the paper delegation; another enterprise neither sees nor revokes it
    assert [d["id"] for d in stack.http.get("/v1/delegations", headers=owner).json()["items"]] == [
        paper.json()["id"]
    ]
    stranger = {"X-API-Key": stack.key_for("enterprise", org="91140105MA0KDE119Q")}
    assert paper.json()["id"] not in stack.http.get("/v1/delegations", headers=stranger).text
    foreign = stack.http.post(f"/v1/delegations/{paper.json()['id']}/revocation", headers=stranger)
    assert foreign.status_code == 404 and foreign.json()["code"] == "delegation_not_found"
    assert [d["id"] for d in stack.http.get("/v1/delegations", headers=owner).json()["items"]] == [
        paper.json()["id"]
    ]
    bank = {"X-API-Key": stack.key_for("bank")}
    assert stack.http.get("/v1/delegations", headers=bank).status_code == 403


def test_an_admin_finds_delegations_by_enterprise_and_portal_and_no_other(
    shared_stack: RunningGateway,
) -> None:
    """The filters match exactly (not a range of ids), and an id that matches no delegation is
    404 even where it sorts before every real one."""
    stack = shared_stack
    admin = {"X-API-Key": stack.key_for("admin")}
    first, second = (stack.create_client("portal")["client"]["id"] for _ in range(2))
    earlier, later = make_uscc(9303), make_uscc(9304)  # in this order as strings

    def granted(portal_id: str, enterprise: str) -> str:
        body = {
            "portal_id": portal_id, "scopes": ["registry:read"], "expires_at": _later(),
            "enterprise": enterprise, "reference": "晋委托〔2026〕18号",
        }  # fmt: skip
        answer = stack.http.post("/v1/delegations", json=body, headers=admin)
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    ids = {(p, e): granted(p, e) for p in (first, second) for e in (earlier, later)}
    for portal_id in (first, second):
        for enterprise in (earlier, later):
            found = stack.http.get(
                "/v1/delegations",
                params={"portal_id": portal_id, "enterprise": enterprise},
                headers=admin,
            )
            assert found.status_code == 200
            assert [d["id"] for d in found.json()["items"]] == [ids[portal_id, enterprise]]
    for path in ("/v1/delegations/dlg_0", f"/v1/delegations/{min(ids.values())[:-1]}"):
        missing = stack.http.get(path, headers=admin)
        assert missing.status_code == 404 and missing.json()["code"] == "delegation_not_found"
        revoked = stack.http.post(f"{path}/revocation", headers=admin)
        assert revoked.status_code == 404 and revoked.json()["code"] == "delegation_not_found"


def test_a_delegation_for_one_enterprise_never_lets_the_portal_act_for_another(
    shared_stack: RunningGateway,
) -> None:
    """The live grant is looked up for exactly the enterprise named, not one sorting near it
    (before or after it)."""
    stack = shared_stack
    before, granted, after = make_uscc(9305), make_uscc(9306), make_uscc(9307)  # sorted
    created = stack.create_client("portal")
    body = {
        "portal_id": created["client"]["id"], "scopes": ["registry:read"],
        "expires_at": _later(365), "enterprise": granted, "reference": "晋委托〔2026〕19号",
    }  # fmt: skip
    admin = {"X-API-Key": stack.key_for("admin")}
    assert stack.http.post("/v1/delegations", json=body, headers=admin).status_code == 201
    portal = {"X-API-Key": created["api_key"]["key"]}
    for other in (before, after):
        read = stack.http.get(
            f"/registry/v1/enterprises/{other}", headers={**portal, "X-On-Behalf-Of": other}
        )
        assert read.status_code == 403 and read.json()["code"] == "no_delegation"


def test_a_full_grant_beside_a_filing_only_one_is_the_one_that_counts(
    shared_stack: RunningGateway,
) -> None:
    """A portal that filed an enterprise and was then granted a full delegation by it acts
    within the full one: the filing-only one no longer limits it."""
    stack = shared_stack
    uscc = make_uscc(9301)
    created = stack.create_client("portal")
    portal = {"X-API-Key": created["api_key"]["key"], "X-On-Behalf-Of": uscc}
    filed = stack.http.post(
        "/registry/v1/enterprises", json={**FILING, "uscc": uscc}, headers=portal
    )
    assert filed.status_code == 201, filed.text
    history = f"/registry/v1/enterprises/{uscc}/history"
    limited = stack.http.get(history, headers=portal)
    assert limited.status_code == 403 and limited.json()["code"] == "delegation_filing_only"
    owner = stack.key_for("enterprise", org=uscc)
    stack.delegate(created["client"]["id"], uscc, ("registry:read",), enterprise_key=owner)
    assert stack.http.get(history, headers=portal).status_code == 200


def test_a_delegation_ends_at_its_expiry_instant(
    shared_stack: RunningGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Live until its expiry and not at it: one microsecond before, the portal acts; at the
    instant itself and a day after, it is refused (the gateway's clock fixed at each)."""
    stack = shared_stack
    uscc = make_uscc(9302)
    _file(stack, uscc)
    admin = {"X-API-Key": stack.key_for("admin")}
    answers, statuses = {}, {}
    for before in (timedelta(microseconds=1), timedelta(0), -timedelta(days=1)):
        created = stack.create_client("portal")  # its own portal: the grant cache holds none
        grant = stack.delegate(created["client"]["id"], uscc, ("registry:read",))
        expiry = datetime.fromisoformat(grant["expires_at"])
        monkeypatch.setattr(delegations_service, "utcnow", lambda at=expiry - before: at)
        headers = {"X-API-Key": created["api_key"]["key"], "X-On-Behalf-Of": uscc}
        answers[before] = stack.http.get(f"/registry/v1/enterprises/{uscc}", headers=headers)
        shown = stack.http.get(f"/v1/delegations/{grant['id']}", headers=admin)
        statuses[before] = shown.json()["status"]
        monkeypatch.undo()
    assert answers[timedelta(microseconds=1)].status_code == 200
    refused = answers[timedelta(0)]
    assert refused.status_code == 403 and refused.json()["code"] == "no_delegation"
    assert answers[-timedelta(days=1)].status_code == 403
    assert statuses == {
        timedelta(microseconds=1): "active",
        timedelta(0): "expired",
        -timedelta(days=1): "expired",
    }


def test_an_enterprise_grants_for_itself_and_no_other(shared_stack: RunningGateway) -> None:
    """Naming another enterprise, sorting before or after its own, is refused."""
    stack = shared_stack
    before, own, after = make_uscc(9308), make_uscc(9309), make_uscc(9310)  # sorted
    portal_id = stack.create_client("portal")["client"]["id"]
    owner = {"X-API-Key": stack.key_for("enterprise", org=own)}
    body = {"portal_id": portal_id, "scopes": ["registry:read"], "expires_at": _later()}
    for other in (before, after):
        refused = stack.http.post(
            "/v1/delegations", json={**body, "enterprise": other}, headers=owner
        )
        assert refused.status_code == 403 and refused.json()["code"] == "not_your_delegation"
    named = stack.http.post("/v1/delegations", json={**body, "enterprise": own}, headers=owner)
    assert named.status_code == 201 and named.json()["enterprise"] == own


def test_a_delegation_may_run_from_just_after_now_to_366_days_to_the_microsecond(
    shared_stack: RunningGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An expiry at the present instant is refused, one a microsecond later granted; the
    longest term is inclusive: 366 days is granted, one microsecond more is refused (the
    gateway's clock fixed)."""
    stack = shared_stack
    now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    monkeypatch.setattr(delegations_service, "utcnow", lambda: now)
    portal_id = stack.create_client("portal")["client"]["id"]
    owner = {"X-API-Key": stack.key_for("enterprise", org=make_uscc(9311))}
    longest = now + timedelta(days=366)
    statuses = [
        stack.http.post(
            "/v1/delegations",
            json={
                "portal_id": portal_id,
                "scopes": ["registry:read"],
                "expires_at": at.isoformat(),
            },
            headers=owner,
        ).status_code
        for at in (
            now,
            now + timedelta(microseconds=1),
            longest,
            longest + timedelta(microseconds=1),
        )
    ]
    assert statuses == [422, 201, 201, 422]


def test_a_delegation_goes_to_a_portal_and_no_other_kind(shared_stack: RunningGateway) -> None:
    """A bank or a provider (kinds sorting before and after "portal") cannot hold one."""
    stack = shared_stack
    owner = {"X-API-Key": stack.key_for("enterprise", org=make_uscc(9312))}
    for kind in ("bank", "provider"):
        holder = stack.create_client(kind)["client"]["id"]
        body = {"portal_id": holder, "scopes": ["registry:read"], "expires_at": _later()}
        refused = stack.http.post("/v1/delegations", json=body, headers=owner)
        assert refused.status_code == 422 and refused.json()["code"] == "portal_not_found"
        assert refused.json()["errors"][0]["field"] == "body.portal_id"


def test_a_suspended_portal_is_granted_nothing(shared_stack: RunningGateway) -> None:
    stack = shared_stack
    owner = {"X-API-Key": stack.key_for("enterprise", org=make_uscc(9319))}
    portal_id = stack.create_client("portal")["client"]["id"]
    suspended = stack.http.post(
        f"/admin/v1/clients/{portal_id}/suspend", headers=stack.admin_headers
    )
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    body = {"portal_id": portal_id, "scopes": ["registry:read"], "expires_at": _later()}
    refused = stack.http.post("/v1/delegations", json=body, headers=owner)
    assert refused.status_code == 422 and refused.json()["code"] == "portal_not_found", refused.text
    assert refused.json()["errors"][0]["field"] == "body.portal_id"
    listed = stack.http.get(f"/v1/delegations?portal_id={portal_id}", headers=stack.admin_headers)
    assert listed.json()["items"] == []


def test_the_bootstrap_admin_records_a_paper_authorization(shared_stack: RunningGateway) -> None:
    """The admin of the bootstrap key (not a client row) records one like any admin client."""
    stack = shared_stack
    uscc = make_uscc(9320)
    portal_id = stack.create_client("portal")["client"]["id"]
    body = {"portal_id": portal_id, "scopes": ["registry:read"], "expires_at": _later(),
            "enterprise": uscc, "reference": "TY-PAPER-2026-0042"}  # fmt: skip
    recorded = stack.http.post("/v1/delegations", json=body, headers=stack.admin_headers)
    assert recorded.status_code == 201, recorded.text
    assert (recorded.json()["enterprise"], recorded.json()["granted_by_kind"]) == (uscc, "admin")
    assert recorded.json()["reference"] == "TY-PAPER-2026-0042"


def test_a_portal_never_acts_on_another_portals_delegation(shared_stack: RunningGateway) -> None:
    """The portal created first cannot use the grant of one created after it (ids sort by time)."""
    stack = shared_stack
    uscc = make_uscc(9313)
    first, second = (stack.create_client("portal") for _ in range(2))
    stack.delegate(second["client"]["id"], uscc, ("registry:read",))
    headers = {"X-API-Key": first["api_key"]["key"], "X-On-Behalf-Of": uscc}
    read = stack.http.get(f"/registry/v1/enterprises/{uscc}", headers=headers)
    assert read.status_code == 403 and read.json()["code"] == "no_delegation"


def test_a_portal_lists_the_delegations_it_holds_and_no_others(
    shared_stack: RunningGateway,
) -> None:
    """Not those of a portal created after it, nor those of an enterprise its own org names."""
    stack = shared_stack
    uscc = make_uscc(9314)
    first = stack.create_client("portal", org=uscc)
    second = stack.create_client("portal")
    held = stack.delegate(first["client"]["id"], make_uscc(9315), ("registry:read",))
    stack.delegate(second["client"]["id"], uscc, ("registry:read",))
    listed = stack.http.get("/v1/delegations", headers={"X-API-Key": first["api_key"]["key"]})
    assert listed.status_code == 200
    assert [d["id"] for d in listed.json()["items"]] == [held["id"]]


def test_a_change_to_a_delegation_needs_the_version_it_was_read_at(
    shared_stack: RunningGateway,
) -> None:
    """Grant, read, confirm and revoke answer the delegation's ETag; a stale `If-Match` is 412
    `stale_etag` and changes nothing; a second revocation changes nothing, not even the tag."""
    stack = shared_stack
    uscc = make_uscc(9316)
    owner = {"X-API-Key": stack.key_for("enterprise", org=uscc)}
    portal = stack.create_client("portal")
    granted = stack.http.post(
        "/v1/delegations",
        json={
            "portal_id": portal["client"]["id"],
            "scopes": ["registry:read"],
            "expires_at": _later(),
        },
        headers=owner,
    )
    assert granted.status_code == 201, granted.text
    dlg = granted.json()["id"]
    assert granted.headers["ETag"] == f'"{dlg}.1"'
    read = stack.http.get(f"/v1/delegations/{dlg}", headers=owner)
    assert read.headers["ETag"] == f'"{dlg}.1"' and read.json() == granted.json()
    extension = {"scopes": ["registry:read", "registry:write"], "expires_at": _later(60)}

    stale = stack.http.post(
        f"/v1/delegations/{dlg}/confirmation",
        json=extension,
        headers={**owner, "If-Match": f'"{dlg}.2"'},
    )
    assert stale.status_code == 412 and stale.json()["code"] == "stale_etag", stale.text
    unchanged = stack.http.get(f"/v1/delegations/{dlg}", headers=owner)
    assert unchanged.json() == granted.json() and unchanged.headers["ETag"] == f'"{dlg}.1"'

    confirmed = stack.http.post(
        f"/v1/delegations/{dlg}/confirmation",
        json=extension,
        headers={**owner, "If-Match": f'"{dlg}.1"'},
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["scopes"] == extension["scopes"]
    assert confirmed.headers["ETag"] == f'"{dlg}.2"'
    again = stack.http.post(  # a second confirmation made from the first reading
        f"/v1/delegations/{dlg}/confirmation",
        json={"scopes": ["registry:read"], "expires_at": _later(5)},
        headers={**owner, "If-Match": f'"{dlg}.1"'},
    )
    assert again.status_code == 412 and again.json()["code"] == "stale_etag"
    assert stack.http.get(f"/v1/delegations/{dlg}", headers=owner).json() == confirmed.json()

    not_revoked = stack.http.post(
        f"/v1/delegations/{dlg}/revocation", headers={**owner, "If-Match": f'"{dlg}.1"'}
    )
    assert not_revoked.status_code == 412 and not_revoked.json()["code"] == "stale_etag"
    acting = {"X-API-Key": portal["api_key"]["key"], "X-On-Behalf-Of": uscc}
    assert stack.http.get(f"/v1/delegations/{dlg}", headers=owner).json()["status"] == "active"
    revoked = stack.http.post(
        f"/v1/delegations/{dlg}/revocation", headers={**owner, "If-Match": "*"}
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert revoked.headers["ETag"] == f'"{dlg}.3"'
    twice = stack.http.post(f"/v1/delegations/{dlg}/revocation", headers=owner)
    assert twice.status_code == 200 and twice.headers["ETag"] == f'"{dlg}.3"'
    assert twice.json() == revoked.json()
    refused = stack.http.get(f"/registry/v1/enterprises/{uscc}", headers=acting)
    assert refused.status_code == 403 and refused.json()["code"] == "no_delegation"


@contextmanager
def _confirmation_held_open(
    stack: RunningGateway, *, delegation_id: str, uscc: str, scopes: list[str]
) -> Iterator[Session]:
    """The enterprise's confirmation of `scopes` (read at version 1) made in a transaction left
    open: the block commits it (or leaves it to roll back)."""
    holder = stack.app.state.database.session()
    try:
        delegations_service.confirm(
            holder,
            caller=Caller(
                client_id="cli_held_confirmer",
                kind="enterprise",
                name="held",
                org=uscc,
                scopes=frozenset(),
            ),
            delegation_id=delegation_id,
            data=DelegationConfirm.model_validate({"scopes": scopes, "expires_at": _later(60)}),
            precondition=Precondition(f'"{delegation_id}.1"', required=False),
        )
        yield holder
    finally:
        holder.close()


def test_two_confirmations_from_one_reading_land_once(
    shared_stack: RunningGateway, postgres_database: str | None
) -> None:
    """The second confirmation waits for the first's transaction (a row lock, PostgreSQL), then
    finds its `If-Match` stale: 412, and the first's scopes stand. Had it read the row without
    waiting, both would match version 1 and the second would overwrite the first. The first is
    held mid-request here (its transaction open) until the second is seen waiting on a lock."""
    if postgres_database is None:
        pytest.skip("SQLite's BEGIN IMMEDIATE queues the second writer on its busy timeout")
    stack = shared_stack
    uscc = make_uscc(9317)
    owner = {"X-API-Key": stack.key_for("enterprise", org=uscc)}
    portal = stack.create_client("portal")
    dlg = stack.delegate(
        portal["client"]["id"], uscc, ("registry:read",), enterprise_key=owner["X-API-Key"]
    )
    first_scopes = ["registry:read", "registry:write"]
    second_body = {"scopes": ["registry:read"], "expires_at": _later(5)}
    url = f"/v1/delegations/{dlg['id']}/confirmation"
    read_at_1 = {**owner, "If-Match": f'"{dlg["id"]}.1"'}
    with _confirmation_held_open(
        stack, delegation_id=dlg["id"], uscc=uscc, scopes=first_scopes
    ) as first:
        answer = waits_then_answers(
            first,
            lambda: stack.http.post(url, json=second_body, headers=read_at_1),
            stack.app.state.database,
            table="gateway_delegations",
            what="the second confirmer",
        )
    assert answer.status_code == 412 and answer.json()["code"] == "stale_etag", answer.text
    seen = stack.http.get(f"/v1/delegations/{dlg['id']}", headers=owner)
    assert seen.json()["scopes"] == first_scopes and seen.headers["ETag"] == f'"{dlg["id"]}.2"'


def test_a_read_during_a_confirmation_answers_at_once_with_the_committed_version(
    shared_stack: RunningGateway, postgres_database: str | None
) -> None:
    """Only a change locks the row: a read while a confirmation is in flight (its transaction
    open) neither waits for it nor sees it, and sees it once committed."""
    if postgres_database is None:
        pytest.skip("SQLite has no row locks: SQLAlchemy emits no FOR UPDATE there")
    stack = shared_stack
    uscc = make_uscc(9318)
    owner = {"X-API-Key": stack.key_for("enterprise", org=uscc)}
    portal = stack.create_client("portal")
    dlg = stack.delegate(
        portal["client"]["id"], uscc, ("registry:read",), enterprise_key=owner["X-API-Key"]
    )
    both = ["registry:read", "registry:write"]
    with (
        _confirmation_held_open(stack, delegation_id=dlg["id"], uscc=uscc, scopes=both) as held,
        ThreadPoolExecutor(1) as pool,
    ):
        reader = pool.submit(stack.http.get, f"/v1/delegations/{dlg['id']}", headers=owner)
        wait_for_lock_waiter(
            reader, stack.app.state.database, table="gateway_delegations", what="the reader"
        )
        assert reader.done(), "the read waited for the confirmation's lock"
        during = reader.result()
        held.commit()
    assert during.status_code == 200 and during.headers["ETag"] == f'"{dlg["id"]}.1"'
    assert during.json()["scopes"] == ["registry:read"]
    after = stack.http.get(f"/v1/delegations/{dlg['id']}", headers=owner)
    assert after.headers["ETag"] == f'"{dlg["id"]}.2"'
    assert after.json()["scopes"] == both


def test_a_grant_or_change_by_the_wrong_party_is_refused_and_changes_nothing(
    shared_stack: RunningGateway,
) -> None:
    stack = shared_stack
    uscc = make_uscc(9420)
    portal = stack.create_client("portal")
    portal_id, portal_key = portal["client"]["id"], portal["api_key"]["key"]
    owner = {"X-API-Key": stack.key_for("enterprise", org=uscc)}
    admin = {"X-API-Key": stack.key_for("admin")}
    bank = {"X-API-Key": stack.key_for("bank")}
    body = {"portal_id": portal_id, "scopes": ["registry:read"], "expires_at": _later()}
    # an admin's paper authorization names its enterprise; a bank neither grants nor lists
    unnamed = stack.http.post(
        "/v1/delegations", json={**body, "reference": "晋委托"}, headers=admin
    )
    assert unnamed.status_code == 422 and unnamed.json()["code"] == "enterprise_required"
    assert [e["field"] for e in unnamed.json()["errors"]] == ["body.enterprise"]
    for answer in (
        stack.http.post("/v1/delegations", json={**body, "enterprise": uscc}, headers=bank),
        stack.http.get("/v1/delegations", headers=bank),
    ):
        assert answer.status_code == 403 and answer.json()["code"] == "forbidden_client_kind"
    held = stack.http.get(f"/v1/delegations?portal_id={portal_id}", headers=admin)
    assert held.json()["items"] == []
    # the portal may not widen or revoke its own grant: only the enterprise or an admin may
    grant = stack.delegate(portal_id, uscc, ("registry:read",), enterprise_key=owner["X-API-Key"])
    wider = {"scopes": ["registry:read", "registry:write"], "expires_at": _later(300)}
    for path, payload in ((f"/v1/delegations/{grant['id']}/confirmation", wider),
                          (f"/v1/delegations/{grant['id']}/revocation", None)):  # fmt: skip
        answer = stack.http.post(path, json=payload, headers={"X-API-Key": portal_key})
        assert answer.status_code == 403 and answer.json()["code"] == "forbidden_client_kind"
    kept = stack.http.get(f"/v1/delegations/{grant['id']}", headers=owner).json()
    assert (kept["status"], kept["scopes"]) == ("active", ["registry:read"])
    # revoked, a grant is never confirmed again: a new one is granted instead
    revoked = stack.http.post(f"/v1/delegations/{grant['id']}/revocation", headers=owner)
    assert revoked.status_code == 200, revoked.text
    again = stack.http.post(
        f"/v1/delegations/{grant['id']}/confirmation", json=wider, headers=owner
    )
    assert again.status_code == 409 and again.json()["code"] == "delegation_revoked"
    final = stack.http.get(f"/v1/delegations/{grant['id']}", headers=owner).json()
    assert (final["status"], final["scopes"]) == ("revoked", ["registry:read"])


def test_a_portal_already_delegated_that_files_gains_no_filing_only_grant(
    shared_stack: RunningGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = shared_stack
    uscc, raced = make_uscc(9421), make_uscc(9423)
    created = stack.create_client("portal")
    portal_id = created["client"]["id"]
    key = created["api_key"]["key"]
    granted = {}
    for enterprise in (uscc, raced):
        owner_key = stack.key_for("enterprise", org=enterprise)
        granted[enterprise] = (
            owner_key,
            stack.delegate(portal_id, enterprise, enterprise_key=owner_key),
        )
    filed = stack.http.post(
        "/registry/v1/enterprises",
        json={**FILING, "uscc": uscc},
        headers={"X-API-Key": key, "X-On-Behalf-Of": uscc},
    )
    assert filed.status_code == 201, filed.text
    # The race: the proxy read no grant (as if the grant landed after its check), so it lets the
    # filing through as filing-only and then records it; the grant it finds by then stands alone.
    proxy = stack.gateway.proxy
    real_live = proxy.delegations.live

    async def not_yet(portal: str, enterprise: str) -> Any:
        return None if enterprise == raced else await real_live(portal, enterprise)

    monkeypatch.setattr(proxy.delegations, "live", not_yet)
    filed_raced = stack.http.post(
        "/registry/v1/enterprises",
        json={**FILING, "uscc": raced},
        headers={"X-API-Key": key, "X-On-Behalf-Of": raced},
    )
    assert filed_raced.status_code == 201, filed_raced.text
    for enterprise, (owner_key, grant) in granted.items():
        listed = stack.http.get("/v1/delegations", headers={"X-API-Key": owner_key}).json()
        assert [(d["id"], d["status"], d["purpose"]) for d in listed["items"]] == [
            (grant["id"], "active", grant["purpose"])
        ], enterprise


def _caller(kind: str, org: str | None) -> Caller:
    return Caller(client_id=f"cli_{kind}", kind=kind, name=kind, org=org, scopes=frozenset())


def test_the_service_refuses_a_party_its_routes_would_never_admit(
    shared_stack: RunningGateway,
) -> None:
    """Behind the routes' kind checks, the service refuses on its own: a route admitting the
    wrong kind by mistake grants, lists or changes nothing."""
    stack = shared_stack
    uscc = make_uscc(9422)
    portal_id = stack.create_client("portal")["client"]["id"]
    grant = stack.delegate(portal_id, uscc, ("registry:read",))
    body = DelegationCreate.model_validate(
        {"portal_id": portal_id, "scopes": ["registry:read"], "expires_at": _later()}
    )
    change = DelegationConfirm.model_validate({"scopes": ["registry:read"], "expires_at": _later()})
    unchecked = Precondition(None, required=False)
    bank = _caller("bank", "ORG1")
    with stack.app.state.database.session() as session:
        with pytest.raises(ForbiddenClientKind, match="'bank' may not grant delegations"):
            delegations_service.grant(session, caller=bank, data=body)
        with pytest.raises(NotYourDelegation, match="names no enterprise"):
            delegations_service.grant(session, caller=_caller("enterprise", None), data=body)
        with pytest.raises(ForbiddenClientKind, match="'bank' have no delegations"):
            delegations_service.list_delegations(session, caller=bank, limit=10, cursor=None)
        with pytest.raises(NotYourDelegation, match="Only the enterprise or an admin may change"):
            delegations_service.confirm(
                session,
                caller=Caller(portal_id, "portal", "the grantee", None, frozenset()),
                delegation_id=grant["id"],
                data=change,
                precondition=unchecked,
            )
        session.rollback()
    read = stack.http.get(
        f"/v1/delegations/{grant['id']}", headers={"X-API-Key": stack.key_for("admin")}
    )
    assert read.json()["status"] == "active" and read.headers["ETag"] == f'"{grant["id"]}.1"'
