"""Consents through HTTP: who grants, for how long, who sees them, revocation, `active_consent`."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.clock import utcnow
from services.common.dates import shanghai_date
from services.common.etag import Precondition
from services.common.identity import ClientKind, Principal
from services.credit.consents import service as consents_service
from services.credit.consents.models import GRANTED, REVOKED, Consent
from services.credit.consents.service import active_consent, state_of
from tests.credit.conftest import CreditHeaders, SeedEnterprise
from tests.locks import waits_then_answers

USCC = "91140100MA0K000017"
OTHER = "91140100MA0K000025"
LOWER = "91140100MA0K000009"  # sorts before USCC
PORTAL = "cli_portal_jin"


def today() -> date:
    return shanghai_date(utcnow())


def grant(
    client: TestClient, headers: dict[str, str], status: int = 201, **body: Any
) -> dict[str, Any]:
    payload = {"bank": "JSB", "purpose": "pre_loan_review", **body}
    response = client.post("/v1/consents", json=payload, headers=headers)
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


def events(client: TestClient, headers: CreditHeaders) -> list[dict[str, Any]]:
    response = client.get("/v1/events", headers=headers(kind="service", scopes=["events:read"]))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@pytest.fixture
def enterprise(seed_enterprise: SeedEnterprise) -> str:
    seed_enterprise(USCC)
    return USCC


def test_enterprise_grants_a_bank_consent_with_the_default_term(
    credit_client: TestClient, credit_headers: CreditHeaders, enterprise: str
) -> None:
    headers = credit_headers(kind="enterprise", client_id="cli_ent")
    response = credit_client.post(
        "/v1/consents", json={"bank": "JSB", "purpose": "pre_loan_review"}, headers=headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"].startswith("cns_")
    assert response.headers["location"] == f"/v1/consents/{body['id']}"
    assert response.headers["etag"] == f'"{body["id"]}.1"'
    assert body["uscc"] == USCC and body["bank"] == "JSB"
    assert body["purpose"] == "pre_loan_review" and body["state"] == "active"
    assert body["granted_on"] == today().isoformat()
    assert body["expires_on"] == (today() + timedelta(days=90)).isoformat()
    assert body["granted_by"] == "cli_ent" and body["granted_by_kind"] == "enterprise"
    assert body["actor"] is None
    assert credit_client.get(f"/v1/consents/{body['id']}", headers=headers).json() == body
    granted = [e for e in events(credit_client, credit_headers) if e["type"] == "consent.granted"]
    assert [e["payload"] for e in granted] == [
        {
            "id": body["id"],
            "uscc": USCC,
            "bank": "JSB",
            "purpose": "pre_loan_review",
            "expires_on": body["expires_on"],
        }
    ]


def test_a_portal_grants_on_behalf_and_the_actor_is_recorded(
    credit_client: TestClient, credit_headers: CreditHeaders, enterprise: str
) -> None:
    portal = credit_headers(kind="portal", client_id=PORTAL, actor=PORTAL)
    body = grant(credit_client, portal, purpose="guarantee_review")
    assert body["granted_by"] == PORTAL and body["granted_by_kind"] == "portal"
    assert body["actor"] == PORTAL
    granted = [e for e in events(credit_client, credit_headers) if e["type"] == "consent.granted"]
    assert granted[0]["payload"]["actor"] == PORTAL
    # the enterprise sees the consent its portal granted
    listed = credit_client.get("/v1/consents", headers=credit_headers(kind="enterprise"))
    assert [(c["id"], c["actor"]) for c in listed.json()["items"]] == [(body["id"], PORTAL)]


def test_a_portal_without_a_delegation_cannot_grant(
    credit_client: TestClient, credit_headers: CreditHeaders, enterprise: str
) -> None:
    # a portal's own token (no `act`, no enterprise) acts for nobody
    response = credit_client.post(
        "/v1/consents",
        json={"bank": "JSB", "purpose": "pre_loan_review"},
        headers=credit_headers(kind="portal", org=None),
    )
    assert response.status_code == 403 and response.json()["code"] == "not_your_enterprise"
    # nor does one naming the enterprise without acting for it (no `act`: no delegation)
    problem = grant(credit_client, credit_headers(kind="portal", org=USCC), 403)
    assert problem["code"] == "not_your_enterprise"
    listed = credit_client.get("/v1/consents", headers=credit_headers(kind="enterprise"))
    assert listed.json()["items"] == []


@pytest.mark.parametrize("kind", ["bank", "admin", "department", "provider"])
def test_only_the_enterprise_or_its_portal_grants(
    credit_client: TestClient, credit_headers: CreditHeaders, enterprise: str, kind: str
) -> None:
    response = credit_client.post(
        "/v1/consents",
        json={"uscc": USCC, "bank": "JSB", "purpose": "pre_loan_review"},
        headers=credit_headers(kind=kind, org=USCC),
    )
    assert response.status_code == 403, response.text
    assert response.json()["code"] in {"forbidden_client_kind", "insufficient_scope"}
    assert (
        credit_client.get("/v1/consents", headers=credit_headers(kind="enterprise")).json()["items"]
        == []
    )


def test_an_enterprise_grants_only_for_itself(
    credit_client: TestClient, credit_headers: CreditHeaders, enterprise: str
) -> None:
    for uscc in (OTHER, LOWER):  # one sorting after it, one before
        problem = grant(credit_client, credit_headers(kind="enterprise"), 403, uscc=uscc)
        assert problem["code"] == "not_your_enterprise"
        assert problem["errors"][0]["field"] == "body.uscc"
    # naming itself is fine
    assert grant(credit_client, credit_headers(kind="enterprise"), uscc=USCC)["uscc"] == USCC


def test_an_unknown_enterprise_cannot_grant(
    credit_client: TestClient, credit_headers: CreditHeaders
) -> None:
    problem = grant(credit_client, credit_headers(kind="enterprise", org=OTHER), 422)
    assert problem["code"] == "unknown_enterprise"
    assert problem["errors"] == [
        {"field": "body.uscc", "code": "unknown_enterprise", "message": problem["detail"]}
    ]


@pytest.mark.parametrize(
    ("offset", "code"),
    [(-1, "expires_in_past"), (366, "consent_too_long"), (3650, "consent_too_long")],
)
def test_the_term_is_today_to_one_year(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    enterprise: str,
    offset: int,
    code: str,
) -> None:
    expires = (today() + timedelta(days=offset)).isoformat()
    problem = grant(credit_client, credit_headers(kind="enterprise"), 422, expires_on=expires)
    assert problem["code"] == code
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("body.expires_on", code)]
    if code == "consent_too_long":  # it names the last day allowed
        assert f"on or before {today() + timedelta(days=365)}." in problem["detail"]
    listed = credit_client.get("/v1/consents", headers=credit_headers(kind="enterprise"))
    assert listed.json()["items"] == []


@pytest.mark.parametrize("offset", [0, 1, 365])
def test_the_term_bounds_are_accepted(
    credit_client: TestClient, credit_headers: CreditHeaders, enterprise: str, offset: int
) -> None:
    expires = (today() + timedelta(days=offset)).isoformat()
    body = grant(credit_client, credit_headers(kind="enterprise"), expires_on=expires)
    assert body["expires_on"] == expires and body["state"] == "active"


@pytest.mark.parametrize(
    ("field", "value"),
    [("purpose", "marketing"), ("bank", ""), ("bank", "J S B"), ("expires_on", "soon")],
)
def test_bad_input_names_the_field(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    enterprise: str,
    field: str,
    value: str,
) -> None:
    problem = grant(credit_client, credit_headers(kind="enterprise"), 422, **{field: value})
    assert problem["code"] == "validation_failed"
    assert [e["field"] for e in problem["errors"]] == [f"body.{field}"]


def test_idempotency_key_replays_the_grant(
    credit_client: TestClient, credit_headers: CreditHeaders, enterprise: str
) -> None:
    headers = {**credit_headers(kind="enterprise"), "Idempotency-Key": "grant-1"}
    first = grant(credit_client, headers)
    again = credit_client.post(
        "/v1/consents", json={"bank": "JSB", "purpose": "pre_loan_review"}, headers=headers
    )
    assert again.status_code == 201 and again.json() == first
    assert again.headers["idempotent-replayed"] == "true"
    other = credit_client.post(
        "/v1/consents", json={"bank": "ABC", "purpose": "pre_loan_review"}, headers=headers
    )
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    listed = credit_client.get("/v1/consents", headers=credit_headers(kind="enterprise"))
    assert [c["id"] for c in listed.json()["items"]] == [first["id"]]


def test_who_sees_which_consents(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    enterprise: str,
) -> None:
    seed_enterprise(OTHER)
    mine = grant(credit_client, credit_headers(kind="enterprise"))
    other_bank = grant(credit_client, credit_headers(kind="enterprise"), bank="ABC")
    theirs = grant(credit_client, credit_headers(kind="enterprise", org=OTHER))

    def ids(headers: dict[str, str], **params: str) -> list[str]:
        response = credit_client.get("/v1/consents", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()["items"]]

    assert ids(credit_headers(kind="enterprise")) == [mine["id"], other_bank["id"]]
    assert ids(credit_headers(kind="enterprise", org=OTHER)) == [theirs["id"]]
    assert ids(credit_headers(kind="bank")) == [mine["id"], theirs["id"]]  # JSB
    assert ids(credit_headers(kind="bank"), uscc=OTHER) == [theirs["id"]]
    assert ids(credit_headers(kind="bank"), uscc=USCC) == [mine["id"]]
    assert ids(credit_headers(kind="bank", org="ABC")) == [other_bank["id"]]
    assert ids(credit_headers(kind="bank", org="XYZ")) == []
    # one consent: its enterprise and its bank; everyone else 404
    path = f"/v1/consents/{mine['id']}"
    assert credit_client.get(path, headers=credit_headers(kind="bank")).json() == mine
    for headers in (  # others sorting before and after its bank and its enterprise
        credit_headers(kind="bank", org="ABC"),
        credit_headers(kind="bank", org="XYZ"),
        credit_headers(kind="enterprise", org=OTHER),
        credit_headers(kind="enterprise", org=LOWER),
    ):
        response = credit_client.get(path, headers=headers)
        assert response.status_code == 404 and response.json()["code"] == "consent_not_found"
    admin = credit_client.get("/v1/consents", headers=credit_headers(kind="admin"))
    assert admin.status_code == 403 and admin.json()["code"] == "forbidden_client_kind"


def test_pages_follow_the_cursor(
    credit_client: TestClient, credit_headers: CreditHeaders, enterprise: str
) -> None:
    granted = [grant(credit_client, credit_headers(kind="enterprise"))["id"] for _ in range(3)]
    headers = credit_headers(kind="enterprise")
    first = credit_client.get("/v1/consents", params={"limit": 2}, headers=headers).json()
    second = credit_client.get(
        "/v1/consents", params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers
    ).json()
    assert [c["id"] for c in first["items"] + second["items"]] == granted
    assert second["next_cursor"] is None


def test_revocation_is_immediate_recorded_and_final(
    credit_client: TestClient, credit_headers: CreditHeaders, enterprise: str
) -> None:
    consent = grant(credit_client, credit_headers(kind="enterprise"))
    path = f"/v1/consents/{consent['id']}/revocation"
    bank = credit_client.post(path, headers=credit_headers(kind="bank"))
    assert bank.status_code == 403 and bank.json()["code"] == "forbidden_client_kind"
    stale = credit_client.post(
        path, headers={**credit_headers(kind="enterprise"), "If-Match": f'"{consent["id"]}.9"'}
    )
    assert stale.status_code == 412 and stale.json()["code"] == "stale_etag"
    portal = credit_headers(kind="portal", client_id=PORTAL, actor=PORTAL)
    response = credit_client.post(path, headers={**portal, "If-Match": f'"{consent["id"]}.1"'})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["state"] == "revoked" and body["version"] == 2
    assert body["revoked_by"] == PORTAL and body["revoked_actor"] == PORTAL
    assert body["revoked_at"] is not None
    assert response.headers["etag"] == f'"{consent["id"]}.2"'
    again = credit_client.post(path, headers=credit_headers(kind="enterprise"))
    assert again.status_code == 409 and again.json()["code"] == "consent_already_revoked"
    seen = credit_client.get(f"/v1/consents/{consent['id']}", headers=credit_headers(kind="bank"))
    assert seen.json()["state"] == "revoked"
    revoked = [e for e in events(credit_client, credit_headers) if e["type"] == "consent.revoked"]
    assert [e["payload"]["id"] for e in revoked] == [consent["id"]]
    filtered = credit_client.get(
        "/v1/consents", params={"state": "active"}, headers=credit_headers(kind="bank")
    )
    assert filtered.json()["items"] == []


def test_another_enterprise_cannot_revoke(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
    enterprise: str,
) -> None:
    seed_enterprise(OTHER)
    consent = grant(credit_client, credit_headers(kind="enterprise"))
    for org in (OTHER, LOWER):  # one sorting after it, one before
        response = credit_client.post(
            f"/v1/consents/{consent['id']}/revocation",
            headers=credit_headers(kind="enterprise", org=org),
        )
        assert response.status_code == 404 and response.json()["code"] == "consent_not_found"
    still = credit_client.get(f"/v1/consents/{consent['id']}", headers=credit_headers(kind="bank"))
    assert still.json()["state"] == "active"


def test_a_consent_expires_after_its_last_day(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    enterprise: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tomorrow = (today() + timedelta(days=1)).isoformat()
    consent = grant(credit_client, credit_headers(kind="enterprise"), expires_on=tomorrow)
    withdrawn = grant(credit_client, credit_headers(kind="enterprise"), expires_on=tomorrow)
    revoked = credit_client.post(
        f"/v1/consents/{withdrawn['id']}/revocation", headers=credit_headers(kind="enterprise")
    )
    assert revoked.status_code == 200, revoked.text
    # two days on (Asia/Shanghai), the consent reads as expired; the revoked one stays revoked
    later = utcnow() + timedelta(days=2)
    monkeypatch.setattr(consents_service, "utcnow", lambda: later)
    seen = credit_client.get(f"/v1/consents/{consent['id']}", headers=credit_headers(kind="bank"))
    assert seen.json()["state"] == "expired"
    still = credit_client.get(
        f"/v1/consents/{withdrawn['id']}", headers=credit_headers(kind="bank")
    )
    assert still.json()["state"] == "revoked"

    def ids(state: str) -> list[str]:
        listed = credit_client.get(
            "/v1/consents", params={"state": state}, headers=credit_headers(kind="bank")
        )
        return [c["id"] for c in listed.json()["items"]]

    assert (ids("expired"), ids("revoked"), ids("active")) == (
        [consent["id"]],
        [withdrawn["id"]],
        [],
    )


def test_a_consent_is_active_through_its_last_day(
    credit_client: TestClient, credit_headers: CreditHeaders, enterprise: str
) -> None:
    consent = grant(credit_client, credit_headers(kind="enterprise"), expires_on=str(today()))
    bank = credit_headers(kind="bank")
    assert credit_client.get(f"/v1/consents/{consent['id']}", headers=bank).json()["state"] == (
        "active"
    )

    def ids(state: str) -> list[str]:
        listed = credit_client.get("/v1/consents", params={"state": state}, headers=bank)
        return [c["id"] for c in listed.json()["items"]]

    assert (ids("active"), ids("expired")) == ([consent["id"]], [])


def test_active_consent_at_a_moment(
    credit_app: FastAPI, credit_client: TestClient, credit_headers: CreditHeaders, enterprise: str
) -> None:
    last_day = today() + timedelta(days=1)
    consent = grant(credit_client, credit_headers(kind="enterprise"), expires_on=str(last_day))
    granted_at = datetime.fromisoformat(consent["granted_at"])
    # the last moment of the last day, Asia/Shanghai (UTC+8)
    end = datetime(last_day.year, last_day.month, last_day.day, 15, 59, 59, tzinfo=UTC)

    def found(**overrides: Any) -> str | None:
        args: dict[str, Any] = {
            "uscc": USCC,
            "bank": "JSB",
            "purpose": "pre_loan_review",
            "at": granted_at,
            **overrides,
        }
        with credit_app.state.database.session() as session:
            hit = active_consent(session=session, **args)
            return hit.id if hit is not None else None

    assert found() == consent["id"]
    assert found(at=end) == consent["id"]
    assert found(at=end + timedelta(seconds=1)) is None
    assert found(at=granted_at - timedelta(seconds=1)) is None
    assert found(bank="ABC") is None
    assert found(purpose="guarantee_review") is None
    assert found(uscc=OTHER) is None
    revoked = credit_client.post(
        f"/v1/consents/{consent['id']}/revocation", headers=credit_headers(kind="enterprise")
    )
    revoked_at = datetime.fromisoformat(revoked.json()["revoked_at"])
    assert found(at=revoked_at) is None
    assert found(at=revoked_at + timedelta(seconds=1)) is None
    assert found(at=revoked_at - timedelta(microseconds=1)) == consent["id"]


def test_active_consent_matches_its_enterprise_bank_and_purpose_exactly(
    credit_app: FastAPI, credit_client: TestClient, credit_headers: CreditHeaders, enterprise: str
) -> None:
    # the middle purpose, so that there is one sorting before it and one after
    consent = grant(
        credit_client, credit_headers(kind="enterprise"), purpose="post_loan_management"
    )
    asked = {"uscc": USCC, "bank": "JSB", "purpose": "post_loan_management"}

    def found(**overrides: str) -> str | None:
        with credit_app.state.database.session() as session:
            hit = active_consent(session=session, at=utcnow(), **{**asked, **overrides})
            return hit.id if hit is not None else None

    assert found() == consent["id"]
    # a neighbour on either side of each value finds nothing
    for field, below, above in [
        ("uscc", LOWER, OTHER),
        ("bank", "ABC", "XYZ"),
        ("purpose", "guarantee_review", "pre_loan_review"),
    ]:
        assert (found(**{field: below}), found(**{field: above})) == (None, None), field


def test_the_list_filters_by_purpose_and_state(
    credit_client: TestClient, credit_headers: CreditHeaders, enterprise: str
) -> None:
    headers = credit_headers(kind="enterprise")
    review = grant(credit_client, headers)
    guarantee = grant(credit_client, headers, purpose="guarantee_review")
    later = grant(credit_client, headers, purpose="guarantee_review")
    revoked = credit_client.post(f"/v1/consents/{later['id']}/revocation", headers=headers)
    assert revoked.status_code == 200, revoked.text

    def ids(reader: dict[str, str], **params: str) -> list[str]:
        response = credit_client.get("/v1/consents", params=params, headers=reader)
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()["items"]]

    bank = credit_headers(kind="bank")
    for reader in (headers, bank):
        assert ids(reader, purpose="guarantee_review") == [guarantee["id"], later["id"]]
        assert ids(reader, purpose="pre_loan_review") == [review["id"]]
        assert ids(reader, state="revoked") == [later["id"]]
        assert ids(reader, state="active") == [review["id"], guarantee["id"]]
        assert ids(reader, state="expired") == []
        assert ids(reader, purpose="guarantee_review", state="active") == [guarantee["id"]]
        assert ids(reader, purpose="post_loan_management") == []
    # a filter never widens what the caller sees: another bank names this enterprise in vain
    assert ids(credit_headers(kind="bank", org="ABC"), uscc=USCC, state="revoked") == []
    bad = credit_client.get("/v1/consents", params={"state": "lapsed"}, headers=bank)
    assert bad.status_code == 422 and bad.json()["code"] == "validation_failed"
    assert [e["field"] for e in bad.json()["errors"]] == ["query.state"]


def test_the_bank_a_consent_names_cannot_revoke_it(
    credit_client: TestClient, credit_headers: CreditHeaders, enterprise: str
) -> None:
    consent = grant(credit_client, credit_headers(kind="enterprise"))
    # a bank's token with the consent scope: refused by kind before anything is looked up
    response = credit_client.post(
        f"/v1/consents/{consent['id']}/revocation",
        headers=credit_headers(kind="bank", scopes=["credit:consent", "credit:read"]),
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden_client_kind"
    still = credit_client.get(f"/v1/consents/{consent['id']}", headers=credit_headers(kind="bank"))
    assert still.json()["state"] == "active" and still.json()["version"] == 1
    assert [
        e for e in events(credit_client, credit_headers) if e["type"] == "consent.revoked"
    ] == []


def test_a_revocation_holds_from_its_own_moment(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    enterprise: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    consent = grant(credit_client, credit_headers(kind="enterprise"))
    # the clock stands still: the revocation and every read after it fall on one moment
    moment = utcnow() + timedelta(seconds=1)
    monkeypatch.setattr(consents_service, "utcnow", lambda: moment)
    path = f"/v1/consents/{consent['id']}"
    revoked = credit_client.post(f"{path}/revocation", headers=credit_headers(kind="enterprise"))
    assert revoked.status_code == 200, revoked.text
    assert datetime.fromisoformat(revoked.json()["revoked_at"]) == moment
    assert revoked.json()["state"] == "revoked"
    assert credit_client.get(path, headers=credit_headers(kind="bank")).json()["state"] == "revoked"
    listed = credit_client.get("/v1/consents", headers=credit_headers(kind="bank"))
    assert [(c["id"], c["state"]) for c in listed.json()["items"]] == [(consent["id"], "revoked")]


def consent_row(status: str, revoked_at: datetime | None) -> Consent:
    return Consent(
        id="cns_state",
        uscc=USCC,
        bank="JSB",
        purpose="pre_loan_review",
        granted_on=date(2026, 3, 2),
        expires_on=date(2026, 5, 31),
        status=status,
        granted_by="cli_ent",
        granted_by_kind="enterprise",
        granted_at=datetime(2026, 3, 2, 1, tzinfo=UTC),
        revoked_at=revoked_at,
    )


def test_the_state_is_read_at_the_moment_asked() -> None:
    revoked_at = datetime(2026, 4, 1, 2, 30, tzinfo=UTC)
    revoked = consent_row(REVOKED, revoked_at)
    # active up to its revocation, revoked from that moment on
    assert state_of(revoked, revoked_at - timedelta(microseconds=1)) == "active"
    assert state_of(revoked, revoked_at) == "revoked"
    assert state_of(revoked, revoked_at + timedelta(days=1)) == "revoked"
    # revoked stays revoked after its last day; only a granted one expires
    last_moment = datetime(2026, 5, 31, 15, 59, 59, tzinfo=UTC)  # 23:59:59 in Shanghai
    assert state_of(revoked, last_moment + timedelta(seconds=1)) == "revoked"
    granted = consent_row(GRANTED, None)
    assert state_of(granted, last_moment) == "active"
    assert state_of(granted, last_moment + timedelta(seconds=1)) == "expired"
    # a revocation whose moment is not on record holds at every moment
    assert state_of(consent_row(REVOKED, None), revoked_at - timedelta(days=1)) == "revoked"


def test_two_revocations_at_once_record_and_announce_one(
    credit_app: FastAPI,
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    enterprise: str,
    postgres_database: str | None,
) -> None:
    """The enterprise's portal revokes while the enterprise itself does: the second waits for
    the first's transaction (a row lock, PostgreSQL), then finds the consent revoked (409). Had
    it read the row without waiting, it would revoke it again over the first: a second
    `consent.revoked`, and the first revoker's name overwritten. The first is held mid-request
    here (its transaction open) until the second is seen waiting on a lock."""
    if postgres_database is None:
        pytest.skip("SQLite's BEGIN IMMEDIATE queues the second writer on its busy timeout")
    consent = grant(credit_client, credit_headers(kind="enterprise"))
    database = credit_app.state.database

    def second_revoker() -> Any:
        return credit_client.post(
            f"/v1/consents/{consent['id']}/revocation", headers=credit_headers(kind="enterprise")
        )

    portal = Principal(
        client_id=PORTAL, kind=ClientKind.PORTAL, org=USCC, scopes=frozenset(), actor=PORTAL
    )
    holder = database.session()
    try:
        consents_service.revoke_consent(  # the first revoker, its transaction left open
            session=holder,
            client=portal,
            consent_id=consent["id"],
            precondition=Precondition(None, required=False),
        )
        answer = waits_then_answers(
            holder, second_revoker, database, table="credit_consents", what="the second revoker"
        )
    finally:
        holder.close()
    assert answer.status_code == 409 and answer.json()["code"] == "consent_already_revoked"
    seen = credit_client.get(f"/v1/consents/{consent['id']}", headers=credit_headers(kind="bank"))
    assert seen.json()["state"] == "revoked" and seen.json()["version"] == 2
    assert seen.json()["revoked_by"] == PORTAL and seen.json()["revoked_actor"] == PORTAL
    revoked = [e for e in events(credit_client, credit_headers) if e["type"] == "consent.revoked"]
    assert [(e["payload"]["id"], e["payload"]["actor"]) for e in revoked] == [
        (consent["id"], PORTAL)
    ]
