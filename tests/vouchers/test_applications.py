"""Applications and issuance: eligibility with its trace, decisions, budget and cap commits.

Programmes are set up directly in the database (the programmes domain is on branch vprog, not
merged here); enterprises through the replica fixture.
"""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.clock import utcnow
from services.common.dates import shanghai_date
from services.common.db import Database
from services.vouchers.applications import service as applications_service
from services.vouchers.expiry.service import expire_due
from services.vouchers.vouchers import codes
from tests.vouchers.conftest import SeedEnterprise, VouchersHeaders
from tests.vouchers.issuance_support import (
    FACE,
    OTHER,
    USCC,
    SeedProgramme,
    books,
    events,
    seed_programme,
)

__all__ = ["seed_programme"]  # the fixture


def apply(
    client: TestClient,
    headers: dict[str, str],
    programme_id: str,
    *,
    key: str | None = None,
    categories: list[str] | None = None,
) -> Any:
    return client.post(
        "/v1/applications",
        json={
            "programme_id": programme_id,
            "categories": categories or ["testing"],
            "purpose": "EMC testing of a controller board.",
        },
        headers={**headers, "Idempotency-Key": key or uuid.uuid4().hex},
    )


@pytest.fixture
def enterprise(vouchers_headers: VouchersHeaders) -> dict[str, str]:
    return vouchers_headers(kind="enterprise")


@pytest.fixture
def admin(vouchers_headers: VouchersHeaders) -> dict[str, str]:
    return vouchers_headers(kind="admin", org=None, scopes=("vouchers:read", "vouchers:admin"))


# --- issuance -------------------------------------------------------------------------------


def test_auto_approval_issues_a_voucher_and_commits_budget_and_cap(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    enterprise: dict[str, str],
    seed_enterprise: SeedEnterprise,
    seed_programme: SeedProgramme,
) -> None:
    seed_enterprise(USCC, is_tech_sme=True)
    programme = seed_programme()
    answer = apply(vouchers_client, enterprise, programme.id, categories=["testing", "software"])
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["status"] == "approved" and body["eligible"] is True
    assert body["decided_by"] == "auto_approve" and body["voucher_id"].startswith("vch_")
    assert body["reasons"] == [] and body["rule_set_id"] == body["eligibility"]["rule_set_id"]
    assert body["eligibility"]["family"] == "vouchers.eligibility.innovation"
    steps = {step["rule"]: step["value"] for step in body["eligibility"]["steps"]}
    assert steps["technology_sme"] is True and steps["eligible"] is True
    assert body["uscc"] == USCC and body["applied_by"] == "cli_test_enterprise"
    assert answer.headers["ETag"] == f'"{body["id"]}.2"'
    assert answer.headers["Location"].endswith(f"/v1/applications/{body['id']}")

    voucher = vouchers_client.get(f"/v1/vouchers/{body['voucher_id']}", headers=enterprise).json()
    assert codes.parse(voucher["code"]) == voucher["code"] and len(voucher["code"]) == 17
    issued_on = date.fromisoformat(voucher["issued_on"])
    assert voucher["face_value_fen"] == voucher["balance_fen"] == FACE
    assert voucher["used_fen"] == 0 and voucher["status"] == "active"
    assert date.fromisoformat(voucher["expires_on"]) == issued_on + timedelta(days=365)
    assert voucher["application_id"] == body["id"] and voucher["programme_id"] == programme.id

    committed, usage, vouchers = books(vouchers_app, programme.id)
    assert committed == FACE and usage == {USCC: FACE} and len(vouchers) == 1
    assert events(vouchers_app, "voucher.issued") == [
        {
            "id": voucher["id"],
            "uscc": USCC,
            "programme_id": programme.id,
            "application_id": body["id"],
            "face_value_fen": FACE,
            "expires_on": voucher["expires_on"],
        }
    ]


def test_a_portal_applies_on_behalf_and_is_recorded_as_actor(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    seed_enterprise: SeedEnterprise,
    seed_programme: SeedProgramme,
) -> None:
    seed_enterprise(USCC, is_tech_sme=True)
    programme = seed_programme()
    portal = vouchers_headers(kind="portal", client_id="cli_portal", actor="cli_portal")
    answer = apply(vouchers_client, portal, programme.id)
    assert answer.status_code == 201, answer.text
    assert answer.json()["actor"] == "cli_portal" and answer.json()["uscc"] == USCC
    assert events(vouchers_app, "voucher.issued")[0]["actor"] == "cli_portal"
    # a portal's own token (no `act`: not on behalf) applies for nobody
    alone = vouchers_headers(kind="portal", client_id="cli_portal")
    refused = apply(vouchers_client, alone, programme.id)
    assert refused.status_code == 403 and refused.json()["code"] == "not_your_enterprise"
    assert books(vouchers_app, programme.id)[0] == FACE


def test_admin_approves_a_pending_application_with_if_match(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    enterprise: dict[str, str],
    admin: dict[str, str],
    seed_enterprise: SeedEnterprise,
    seed_programme: SeedProgramme,
) -> None:
    seed_enterprise(USCC, is_tech_sme=True)
    programme = seed_programme(auto_approve=False)
    applied = apply(vouchers_client, enterprise, programme.id)
    assert applied.status_code == 201 and applied.json()["status"] == "pending", applied.text
    assert books(vouchers_app, programme.id)[:2] == (0, {})
    url = f"/v1/applications/{applied.json()['id']}/decision"
    approve = {"decision": "approve"}

    missing = vouchers_client.post(url, json=approve, headers=admin)
    assert missing.status_code == 428 and missing.json()["code"] == "if_match_required"
    stale = vouchers_client.post(url, json=approve, headers={**admin, "If-Match": '"x.9"'})
    assert stale.status_code == 412 and stale.json()["code"] == "stale_etag"
    forbidden = vouchers_client.post(
        url, json=approve, headers={**enterprise, "If-Match": applied.headers["ETag"]}
    )
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden_client_kind"
    assert books(vouchers_app, programme.id)[:2] == (0, {})

    decided = vouchers_client.post(
        url, json=approve, headers={**admin, "If-Match": applied.headers["ETag"]}
    )
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert body["status"] == "approved" and body["decided_by"] == "cli_test_admin"
    assert body["voucher_id"] and decided.headers["ETag"] == f'"{body["id"]}.2"'
    assert books(vouchers_app, programme.id)[:2] == (FACE, {USCC: FACE})

    again = vouchers_client.post(
        url, json=approve, headers={**admin, "If-Match": decided.headers["ETag"]}
    )
    assert again.status_code == 409 and again.json()["code"] == "application_already_decided"
    assert books(vouchers_app, programme.id)[:2] == (FACE, {USCC: FACE})


def test_admin_refuses_with_a_reason_and_nothing_is_issued(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    enterprise: dict[str, str],
    admin: dict[str, str],
    seed_enterprise: SeedEnterprise,
    seed_programme: SeedProgramme,
) -> None:
    seed_enterprise(USCC, is_tech_sme=True)
    programme = seed_programme(auto_approve=False)
    applied = apply(vouchers_client, enterprise, programme.id)
    url = f"/v1/applications/{applied.json()['id']}/decision"
    etag = {**admin, "If-Match": applied.headers["ETag"]}
    bare = vouchers_client.post(url, json={"decision": "refuse"}, headers=etag)
    assert bare.status_code == 422 and bare.json()["code"] == "decision_reason_required"
    assert bare.json()["errors"][0]["field"] == "body.reason"
    refused = vouchers_client.post(
        url, json={"decision": "refuse", "reason": "Purpose not covered."}, headers=etag
    )
    assert refused.status_code == 200, refused.text
    assert refused.json()["status"] == "refused"
    assert refused.json()["decision_reason"] == "Purpose not covered."
    assert refused.json()["voucher_id"] is None
    assert books(vouchers_app, programme.id)[:2] == (0, {})
    assert events(vouchers_app, "voucher.issued") == []


def test_an_ineligible_application_is_refused_with_the_rule_trace(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    enterprise: dict[str, str],
    seed_enterprise: SeedEnterprise,
    seed_programme: SeedProgramme,
) -> None:
    seed_enterprise(USCC, founded_on=date(2015, 1, 1))  # older than 3 years
    programme = seed_programme(kind="startup")
    answer = apply(vouchers_client, enterprise, programme.id)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["status"] == "refused" and body["eligible"] is False
    assert body["decided_by"] == "eligibility" and body["voucher_id"] is None
    assert body["reasons"] == ["Founded within the last 3 years."]
    assert body["decision_reason"] == "Not eligible: Founded within the last 3 years."
    assert body["eligibility"]["family"] == "vouchers.eligibility.startup"
    assert body["eligibility"]["inputs"]["years_since_founding"] >= 10
    steps = {step["rule"]: step["value"] for step in body["eligibility"]["steps"]}
    assert steps["founded_recently"] is False and steps["eligible"] is False
    assert books(vouchers_app, programme.id)[:2] == (0, {})


# --- failure codes, each leaving budget and usage untouched ------------------------------------


def _assert_untouched(app: FastAPI, programme_id: str, committed: int = 0) -> None:
    got_committed, usage, vouchers = books(app, programme_id)
    assert got_committed == committed and len(vouchers) == committed // FACE
    assert sum(usage.values()) == committed


def test_failure_codes_when_applying(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    enterprise: dict[str, str],
    seed_enterprise: SeedEnterprise,
    seed_programme: SeedProgramme,
) -> None:
    seed_enterprise(USCC, is_tech_sme=True)
    programme = seed_programme()
    draft = seed_programme(status="draft")

    def code_of(answer: Any, status: int) -> str:
        assert answer.status_code == status, answer.text
        return str(answer.json()["code"])

    assert code_of(apply(vouchers_client, enterprise, "vpg_nope"), 422) == "unknown_programme"
    assert code_of(apply(vouchers_client, enterprise, draft.id), 409) == "programme_not_open"
    wrong = apply(vouchers_client, enterprise, programme.id, categories=["testing", "catering"])
    assert code_of(wrong, 422) == "category_not_covered"
    assert wrong.json()["errors"][0]["field"] == "body.categories"
    stranger = vouchers_headers(kind="enterprise", org=OTHER)
    assert code_of(apply(vouchers_client, stranger, programme.id), 422) == "unknown_enterprise"
    no_key = vouchers_client.post(
        "/v1/applications",
        json={"programme_id": programme.id, "categories": ["testing"], "purpose": "x"},
        headers=enterprise,
    )
    assert code_of(no_key, 400) == "idempotency_key_required"
    provider = vouchers_headers(kind="provider")
    assert code_of(apply(vouchers_client, provider, programme.id), 403) == "forbidden_client_kind"
    reader = vouchers_headers(kind="enterprise", scopes=("vouchers:read",))
    assert code_of(apply(vouchers_client, reader, programme.id), 403) == "insufficient_scope"
    for uscc, fields, code in (
        ("91140100MA0K000033", {"status": "deregistered"}, "enterprise_deregistered"),
        ("91140100MA0K000041", {"on_dishonesty_list": True}, "enterprise_on_dishonesty_list"),
    ):
        seed_enterprise(uscc, is_tech_sme=True, **fields)
        headers = vouchers_headers(kind="enterprise", org=uscc)
        assert code_of(apply(vouchers_client, headers, programme.id), 409) == code
    # Not open is refused before anything, also where no voucher would be issued at once.
    for status in ("draft", "closed"):
        held = seed_programme(status=status, auto_approve=False)
        assert code_of(apply(vouchers_client, enterprise, held.id), 409) == "programme_not_open"
    _assert_untouched(vouchers_app, programme.id)
    _assert_untouched(vouchers_app, draft.id)
    # nothing was recorded for any of them
    admin = vouchers_headers(kind="admin", org=None, scopes=("vouchers:read",))
    assert vouchers_client.get("/v1/applications", headers=admin).json()["items"] == []


def test_budget_exhausted_and_cap_reached_leave_books_untouched(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    enterprise: dict[str, str],
    seed_enterprise: SeedEnterprise,
    seed_programme: SeedProgramme,
) -> None:
    seed_enterprise(USCC, is_tech_sme=True)
    seed_enterprise(OTHER, is_tech_sme=True)
    # the budget covers two vouchers and a half; each enterprise's cap one voucher
    programme = seed_programme(budget_fen=FACE * 5 // 2, yearly_cap_fen=FACE)
    assert apply(vouchers_client, enterprise, programme.id).status_code == 201
    capped = apply(vouchers_client, enterprise, programme.id)
    assert capped.status_code == 409 and capped.json()["code"] == "yearly_cap_reached"
    _assert_untouched(vouchers_app, programme.id, committed=FACE)
    other = vouchers_headers(kind="enterprise", org=OTHER)
    assert apply(vouchers_client, other, programme.id).status_code == 201
    third = "91140100MA0K00005X"
    seed_enterprise(third, is_tech_sme=True)
    exhausted = apply(vouchers_client, vouchers_headers(kind="enterprise", org=third), programme.id)
    assert exhausted.status_code == 409, exhausted.text
    assert exhausted.json()["code"] == "programme_budget_exhausted"
    _assert_untouched(vouchers_app, programme.id, committed=2 * FACE)
    _, usage, _ = books(vouchers_app, programme.id)
    assert usage == {USCC: FACE, OTHER: FACE}  # the refused issuance left no usage row behind
    assert len(events(vouchers_app, "voucher.issued")) == 2


def test_the_budget_and_each_cap_are_used_to_their_last_fen(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    enterprise: dict[str, str],
    seed_enterprise: SeedEnterprise,
    seed_programme: SeedProgramme,
) -> None:
    """A budget of exactly three vouchers and a cap of exactly two: the larger USCC takes one,
    the smaller one takes one without touching the other's usage, the larger its second (its
    cap and the budget to the fen); the fourth is refused as exhausted, naming this programme
    while an earlier and a later one are open. Each programme's usage is its own."""
    seed_enterprise(USCC, is_tech_sme=True)
    seed_enterprise(OTHER, is_tech_sme=True)
    assert OTHER > USCC
    earlier = seed_programme(budget_fen=3 * FACE)
    programme = seed_programme(budget_fen=3 * FACE, yearly_cap_fen=2 * FACE)
    later = seed_programme(budget_fen=3 * FACE)
    assert earlier.id < programme.id < later.id
    # the smaller USCC holds a voucher of the later programme, its cap there not reached
    assert apply(vouchers_client, enterprise, later.id).status_code == 201
    other = vouchers_headers(kind="enterprise", org=OTHER)
    issued = []
    for headers in (other, enterprise, other):  # the smaller USCC while the other has room
        answer = apply(vouchers_client, headers, programme.id)
        assert answer.status_code == 201, answer.text
        issued.append(answer.json()["voucher_id"])
    voucher_id = issued[1]
    shown = vouchers_client.get(f"/v1/vouchers/{voucher_id}", headers=enterprise)
    assert shown.json()["version"] == 1 and shown.headers["ETag"] == f'"{voucher_id}.1"'
    _, usage, _ = books(vouchers_app, programme.id)
    assert usage == {OTHER: 2 * FACE, USCC: FACE}
    exhausted = apply(vouchers_client, enterprise, programme.id)
    assert exhausted.status_code == 409, exhausted.text
    assert exhausted.json()["code"] == "programme_budget_exhausted"
    assert programme.id in exhausted.json()["detail"]
    _assert_untouched(vouchers_app, programme.id, committed=3 * FACE)
    _assert_untouched(vouchers_app, earlier.id)
    _assert_untouched(vouchers_app, later.id, committed=FACE)


def test_failure_codes_when_approving(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    enterprise: dict[str, str],
    admin: dict[str, str],
    seed_enterprise: SeedEnterprise,
    seed_programme: SeedProgramme,
) -> None:
    seed_enterprise(USCC, is_tech_sme=True)
    programme = seed_programme(auto_approve=False, yearly_cap_fen=FACE)
    database: Database = vouchers_app.state.database
    applied = [apply(vouchers_client, enterprise, programme.id) for _ in range(2)]
    assert [a.json()["status"] for a in applied] == ["pending", "pending"]

    def decide(answer: Any) -> Any:
        return vouchers_client.post(
            f"/v1/applications/{answer.json()['id']}/decision",
            json={"decision": "approve"},
            headers={**admin, "If-Match": answer.headers["ETag"]},
        )

    def replica(**fields: Any) -> None:
        from services.vouchers.enterprises.models import VoucherEnterprise

        with database.transaction() as session:
            row = session.get(VoucherEnterprise, USCC)
            assert row is not None
            for name, value in fields.items():
                setattr(row, name, value)

    replica(is_tech_sme=False)
    assert decide(applied[0]).json()["code"] == "application_ineligible"
    replica(is_tech_sme=True, on_dishonesty_list=True)
    assert decide(applied[0]).json()["code"] == "enterprise_on_dishonesty_list"
    replica(on_dishonesty_list=False, status="deregistered")
    assert decide(applied[0]).json()["code"] == "enterprise_deregistered"
    replica(status="active")
    _assert_untouched(vouchers_app, programme.id)
    assert decide(applied[0]).status_code == 200
    capped = decide(applied[1])
    assert capped.status_code == 409 and capped.json()["code"] == "yearly_cap_reached"
    admin_close = vouchers_client.post(f"/v1/programmes/{programme.id}/closing", headers=admin)
    assert admin_close.status_code == 200, admin_close.text
    closed = decide(applied[1])
    assert closed.status_code == 409 and closed.json()["code"] == "programme_not_open"
    _assert_untouched(vouchers_app, programme.id, committed=FACE)
    # the failed approvals left the application pending and unchanged
    still = vouchers_client.get(f"/v1/applications/{applied[1].json()['id']}", headers=admin)
    assert (
        still.json()["status"] == "pending" and still.headers["ETag"] == applied[1].headers["ETag"]
    )
    missing = vouchers_client.post(
        "/v1/applications/vap_nope/decision",
        json={"decision": "approve"},
        headers={**admin, "If-Match": '"vap_nope.1"'},
    )
    assert missing.status_code == 404 and missing.json()["code"] == "application_not_found"


# --- reads ---------------------------------------------------------------------------------------


def test_holders_see_their_own_vouchers_admin_all_without_codes_providers_none(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    enterprise: dict[str, str],
    admin: dict[str, str],
    seed_enterprise: SeedEnterprise,
    seed_programme: SeedProgramme,
) -> None:
    seed_enterprise(USCC, is_tech_sme=True)
    seed_enterprise(OTHER, is_tech_sme=True)
    programme = seed_programme()
    other = vouchers_headers(kind="enterprise", org=OTHER)
    mine = apply(vouchers_client, enterprise, programme.id).json()["voucher_id"]
    theirs = apply(vouchers_client, other, programme.id).json()["voucher_id"]

    own = vouchers_client.get("/v1/vouchers", headers=enterprise).json()["items"]
    assert [v["id"] for v in own] == [mine] and own[0]["code"]
    assert vouchers_client.get(f"/v1/vouchers/{theirs}", headers=enterprise).status_code == 404
    everything = vouchers_client.get("/v1/vouchers", headers=admin).json()["items"]
    assert sorted(v["id"] for v in everything) == sorted([mine, theirs])
    assert all(v["code"] is None for v in everything)
    assert vouchers_client.get(f"/v1/vouchers/{mine}", headers=admin).json()["code"] is None
    for kind in ("provider", "department"):
        refused = vouchers_client.get("/v1/vouchers", headers=vouchers_headers(kind=kind))
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden_client_kind"
    # applications: own for the enterprise, all for the administration
    listed = vouchers_client.get("/v1/applications", headers=other).json()["items"]
    assert [a["voucher_id"] for a in listed] == [theirs]
    assert len(vouchers_client.get("/v1/applications", headers=admin).json()["items"]) == 2


def test_a_code_is_found_by_its_holder_and_a_typo_is_refused_before_any_lookup(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    enterprise: dict[str, str],
    seed_enterprise: SeedEnterprise,
    seed_programme: SeedProgramme,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from services.vouchers.vouchers import service

    seed_enterprise(USCC, is_tech_sme=True)
    programme = seed_programme()
    voucher_id = apply(vouchers_client, enterprise, programme.id).json()["voucher_id"]
    code = vouchers_client.get(f"/v1/vouchers/{voucher_id}", headers=enterprise).json()["code"]
    typed = "-".join(code[i : i + 4] for i in range(0, 17, 4)).lower()
    found = vouchers_client.get("/v1/vouchers", params={"code": typed}, headers=enterprise)
    assert [v["id"] for v in found.json()["items"]] == [voucher_id]

    def no_lookup(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the database was asked")

    monkeypatch.setattr(service, "paginate", no_lookup)
    wrong_check = code[:-1] + ("0" if code[-1] != "0" else "1")
    typo = code[:3] + ("X" if code[3] != "X" else "Y") + code[4:]
    for bad in (wrong_check, typo, code[:-2], "U" + code[1:]):
        answer = vouchers_client.get("/v1/vouchers", params={"code": bad}, headers=enterprise)
        assert answer.status_code == 422, (bad, answer.text)
        assert answer.json()["code"] == "voucher_code_invalid"
        assert answer.json()["errors"][0]["field"] == "query.code"


def test_a_token_acting_for_no_enterprise_applies_for_nobody(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    admin: dict[str, str],
    seed_enterprise: SeedEnterprise,
    seed_programme: SeedProgramme,
) -> None:
    seed_enterprise(USCC, is_tech_sme=True)
    programme = seed_programme()
    for kind in ("enterprise", "portal"):
        nobody = vouchers_headers(kind=kind, org=None, client_id=f"cli_{kind}", actor="cli_x")
        refused = apply(vouchers_client, nobody, programme.id)
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "not_your_enterprise"
    assert vouchers_client.get("/v1/applications", headers=admin).json()["items"] == []
    assert books(vouchers_app, programme.id) == (0, {}, [])
    assert events(vouchers_app, "voucher.issued") == []


def test_lists_filter_by_programme_status_and_holder_within_what_the_caller_sees(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    enterprise: dict[str, str],
    admin: dict[str, str],
    seed_enterprise: SeedEnterprise,
    seed_programme: SeedProgramme,
) -> None:
    seed_enterprise(USCC, is_tech_sme=True)
    seed_enterprise(OTHER, is_tech_sme=True)
    long = seed_programme()
    short = seed_programme(validity_days=30)
    manual = seed_programme(auto_approve=False)
    other = vouchers_headers(kind="enterprise", org=OTHER)
    mine_long = apply(vouchers_client, enterprise, long.id).json()
    mine_short = apply(vouchers_client, enterprise, short.id).json()
    theirs_long = apply(vouchers_client, other, long.id).json()
    theirs_pending = apply(vouchers_client, other, manual.id).json()
    assert theirs_pending["status"] == "pending"

    def ids(path: str, headers: dict[str, str], **params: str) -> list[str]:
        answer = vouchers_client.get(path, params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        return sorted(item["id"] for item in answer.json()["items"])

    applications = "/v1/applications"
    assert ids(applications, admin, programme_id=long.id) == sorted(
        [mine_long["id"], theirs_long["id"]]
    )
    assert ids(applications, admin, status="pending") == [theirs_pending["id"]]
    assert ids(applications, admin, uscc=OTHER) == sorted([theirs_long["id"], theirs_pending["id"]])
    assert ids(applications, admin, uscc=OTHER, status="approved") == [theirs_long["id"]]
    assert ids(applications, enterprise, status="approved") == sorted(
        [mine_long["id"], mine_short["id"]]
    )
    assert ids(applications, enterprise, uscc=OTHER) == []  # a filter never widens

    # 40 days on, the expiry job's round expires the 30-day voucher
    with vouchers_app.state.database.transaction() as session:
        assert expire_due(session, now=utcnow() + timedelta(days=40)) == 1
    vouchers = "/v1/vouchers"
    assert ids(vouchers, admin, status="expired") == [mine_short["voucher_id"]]
    assert ids(vouchers, admin, status="active") == sorted(
        [mine_long["voucher_id"], theirs_long["voucher_id"]]
    )
    assert ids(vouchers, admin, uscc=OTHER) == [theirs_long["voucher_id"]]
    assert ids(vouchers, admin, uscc=USCC, status="active") == [mine_long["voucher_id"]]
    assert ids(vouchers, enterprise, status="expired") == [mine_short["voucher_id"]]
    assert ids(vouchers, other, status="expired") == []
    assert ids(vouchers, enterprise, uscc=OTHER) == []  # a filter never widens


def test_an_approval_that_loses_the_race_to_a_refusal_issues_nothing(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    enterprise: dict[str, str],
    admin: dict[str, str],
    seed_enterprise: SeedEnterprise,
    seed_programme: SeedProgramme,
    postgres_database: str | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both read the application pending; the refusal commits while the approval checks the
    rules; the approval's guarded update then finds it decided: 409, its voucher rolled back."""
    if postgres_database is None:
        pytest.skip("two writers at once are PostgreSQL's; SQLite's BEGIN IMMEDIATE queues them")
    seed_enterprise(USCC, is_tech_sme=True)
    programme = seed_programme(auto_approve=False)
    answer = apply(vouchers_client, enterprise, programme.id)
    applied, if_match = answer.json(), {"If-Match": answer.headers["ETag"]}
    decision = f"/v1/applications/{applied['id']}/decision"
    checking, refused = threading.Event(), threading.Event()
    evaluate = applications_service.evaluate_eligibility

    def slow_rules(**kwargs: Any) -> Any:
        checking.set()  # the approval read the application pending
        assert refused.wait(30)
        return evaluate(**kwargs)

    monkeypatch.setattr(applications_service, "evaluate_eligibility", slow_rules)
    approver = {**vouchers_headers(kind="admin", org=None, client_id="cli_admin_a"), **if_match}
    with ThreadPoolExecutor(1) as pool:
        approval = pool.submit(
            vouchers_client.post, decision, json={"decision": "approve"}, headers=approver
        )
        try:
            assert checking.wait(30)
            refusal = vouchers_client.post(
                decision,
                json={"decision": "refuse", "reason": "Duplicate of an earlier application."},
                headers={
                    **vouchers_headers(kind="admin", org=None, client_id="cli_admin_b"),
                    **if_match,
                },
            )
        finally:
            refused.set()
        lost = approval.result(timeout=60)
    assert refusal.status_code == 200, refusal.text
    assert lost.status_code == 409 and lost.json()["code"] == "application_already_decided"
    shown = vouchers_client.get(f"/v1/applications/{applied['id']}", headers=admin).json()
    assert (shown["status"], shown["decided_by"], shown["voucher_id"]) == (
        "refused",
        "cli_admin_b",
        None,
    )
    assert books(vouchers_app, programme.id) == (0, {}, [])
    assert events(vouchers_app, "voucher.issued") == []


def _years_back(day: date, years: int) -> date:
    """The same month and day `years` earlier (29 February: the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@pytest.mark.parametrize(
    ("founded", "years", "days", "eligible"),
    [
        # A founding date after the day (a replica ahead of the register) counts as none passed.
        (lambda today: today + timedelta(days=1), 0, 0, True),
        (lambda today: today, 0, 0, True),
        (lambda today: today - timedelta(days=1), 0, 1, True),
        # The third anniversary completes the third year: no longer "within 3 years".
        (lambda today: _years_back(today, 3) + timedelta(days=1), 2, None, True),
        (lambda today: _years_back(today, 3), 3, None, False),
    ],
    ids=["tomorrow", "today", "yesterday", "a-day-short-of-3-years", "3-years-to-the-day"],
)
def test_the_founding_inputs_count_whole_years_and_days_on_the_application_day(
    vouchers_client: TestClient,
    enterprise: dict[str, str],
    seed_enterprise: SeedEnterprise,
    seed_programme: SeedProgramme,
    founded: Any,
    years: int,
    days: int | None,
    eligible: bool,
) -> None:
    today = shanghai_date(utcnow())
    seed_enterprise(USCC, founded_on=founded(today))
    programme = seed_programme(kind="startup")
    answer = apply(vouchers_client, enterprise, programme.id)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    inputs = body["eligibility"]["inputs"]
    assert inputs["years_since_founding"] == years
    if days is not None:
        assert inputs["days_since_founding"] == days
    assert body["eligible"] is eligible
    assert body["status"] == ("approved" if eligible else "refused")
