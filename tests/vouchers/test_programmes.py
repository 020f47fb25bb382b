"""Voucher programmes through HTTP: drafts, opening and closing, budgets, eligibility by rules."""

from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.vouchers.programmes import service
from services.vouchers.programmes.models import Programme
from tests.vouchers.conftest import SeedEnterprise, VouchersHeaders

TERMS: dict[str, Any] = {
    "kind": "innovation",
    "year": 2026,
    "name": "2026 科技创新券",
    "budget_fen": 1_000_000,
    "face_value_fen": 50_000,
    "coverage_bp": 2000,
    "yearly_cap_fen": 100_000,
    "validity_days": 365,
    "categories": ["testing", "rnd", "testing"],
}


def create(client: TestClient, headers: VouchersHeaders, **changes: Any) -> dict[str, Any]:
    answer = client.post("/v1/programmes", json={**TERMS, **changes}, headers=headers(kind="admin"))
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_create_read_and_list(
    vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    made = create(vouchers_client, vouchers_headers)
    assert made["status"] == "draft"
    assert made["categories"] == ["testing", "rnd"]
    assert made["remaining_fen"] == 1_000_000 and made["committed_fen"] == 0
    assert made["created_by"]
    read = vouchers_client.get(
        f"/v1/programmes/{made['id']}", headers=vouchers_headers(kind="admin")
    )
    assert read.status_code == 200 and read.json() == made
    assert read.headers["ETag"]
    # A draft is unpublished: others get 404, the lists hide it.
    hidden = vouchers_client.get(
        f"/v1/programmes/{made['id']}", headers=vouchers_headers(kind="enterprise")
    )
    assert hidden.status_code == 404 and hidden.json()["code"] == "programme_not_found"
    assert vouchers_client.get("/v1/public/programmes").json()["items"] == []
    listed = vouchers_client.get("/v1/programmes", headers=vouchers_headers(kind="admin")).json()
    assert [p["id"] for p in listed["items"]] == [made["id"]]


def _evaluate(app: FastAPI, programme_id: str, uscc: str, on: date) -> tuple[bool, dict[str, Any]]:
    with app.state.database.transaction() as session:
        programme = session.get(Programme, programme_id)
        assert programme is not None
        return service.evaluate_eligibility(session=session, programme=programme, uscc=uscc, on=on)


def test_default_eligibility_per_kind(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    seed_enterprise: SeedEnterprise,
) -> None:
    startup = create(vouchers_client, vouchers_headers, kind="startup", name="创业券")
    innovation = create(vouchers_client, vouchers_headers)
    young = seed_enterprise("91140100MA0K000017", founded_on=date(2024, 6, 1))
    tech = seed_enterprise("91140100MA0K000025", founded_on=date(2010, 1, 1), is_tech_sme=True)
    listed = seed_enterprise(
        "91140100MA0K000033",
        founded_on=date(2025, 1, 1),
        is_tech_sme=True,
        on_dishonesty_list=True,
    )
    on = date(2026, 5, 31)
    ok, trace = _evaluate(vouchers_app, startup["id"], young.uscc, on)
    assert ok and trace["reasons"] == [] and trace["family"] == "vouchers.eligibility.startup"
    assert trace["inputs"]["years_since_founding"] == 1
    assert [s["rule"] for s in trace["steps"]][-1] == "eligible"
    ok, trace = _evaluate(vouchers_app, startup["id"], young.uscc, date(2027, 6, 1))
    assert not ok and trace["reasons"] == ["Founded within the last 3 years."]
    ok, trace = _evaluate(vouchers_app, innovation["id"], young.uscc, on)
    assert not ok and trace["reasons"] == ["A technology-based SME (科技型中小企业)."]
    ok, trace = _evaluate(vouchers_app, innovation["id"], tech.uscc, on)
    assert ok and trace["rule_set_id"] == "rls_vouchers_innovation_v1"
    ok, trace = _evaluate(vouchers_app, innovation["id"], listed.uscc, on)
    assert not ok and trace["reasons"] == ["Not on the serious-dishonesty list."]


def test_years_since_founding_are_whole_years_counted_to_the_anniversary(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    seed_enterprise: SeedEnterprise,
) -> None:
    startup = create(vouchers_client, vouchers_headers, kind="startup", name="创业券")
    founded = seed_enterprise("91140100MA0K000017", founded_on=date(2019, 6, 1))
    expected = {
        date(2018, 12, 31): 0,  # before it was founded: none, not a negative count
        date(2026, 5, 31): 6,  # the day before the seventh anniversary
        date(2026, 6, 1): 7,  # the anniversary itself
        date(2026, 6, 2): 7,
        date(2026, 12, 31): 7,
    }
    for on, years in expected.items():
        _, trace = _evaluate(vouchers_app, startup["id"], founded.uscc, on)
        assert trace["inputs"]["years_since_founding"] == years, on


def test_days_since_founding_count_from_the_founding_day_and_never_below_zero(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    seed_enterprise: SeedEnterprise,
) -> None:
    startup = create(vouchers_client, vouchers_headers, kind="startup", name="创业券")
    founded = seed_enterprise("91140100MA0K000017", founded_on=date(2019, 6, 1))
    expected = {
        date(2019, 5, 31): 0,  # the day before it was founded: none, not a negative count
        date(2019, 6, 1): 0,  # the founding day itself
        date(2019, 6, 2): 1,
        date(2020, 6, 1): 366,  # across 29 February 2020
    }
    for on, days in expected.items():
        _, trace = _evaluate(vouchers_app, startup["id"], founded.uscc, on)
        assert trace["inputs"]["days_since_founding"] == days, on


# --- Failure paths: each answers its problem code and changes nothing ----------------------


def admin(headers: VouchersHeaders) -> dict[str, str]:
    return headers(kind="admin")


def event_types(client: TestClient, headers: VouchersHeaders) -> list[str]:
    answer = client.get(
        "/v1/events?limit=1000", headers=headers(kind="service", scopes=("events:read",))
    )
    assert answer.status_code == 200, answer.text
    return [event["type"] for event in answer.json()["items"]]


def state(client: TestClient, headers: VouchersHeaders, programme_id: str) -> dict[str, Any]:
    """What a refusal must leave as it was: the programme, its ETag, and the event feed."""
    read = client.get(f"/v1/programmes/{programme_id}", headers=admin(headers))
    assert read.status_code == 200, read.text
    return {
        "programme": read.json(),
        "etag": read.headers["ETag"],
        "events": event_types(client, headers),
    }


def refused(answer: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = answer.json()
    assert problem["code"] == code, problem
    if field is not None:
        assert [(e["field"], e["code"]) for e in problem["errors"]] == [(field, code)], problem
    return problem


def move(
    client: TestClient, headers: VouchersHeaders, programme_id: str, step: str
) -> dict[str, Any]:
    answer = client.post(f"/v1/programmes/{programme_id}/{step}", headers=admin(headers))
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def patch(
    client: TestClient,
    headers: VouchersHeaders,
    programme_id: str,
    body: dict[str, Any],
    etag: str | None,
) -> Any:
    extra = {"If-Match": etag} if etag is not None else {}
    return client.patch(
        f"/v1/programmes/{programme_id}", json=body, headers={**admin(headers), **extra}
    )


def set_committed(app: FastAPI, programme_id: str, committed_fen: int) -> None:
    """Set-up: what issuance would have committed (issuance lives on another branch)."""
    with app.state.database.transaction() as session:
        programme = session.get(Programme, programme_id)
        assert programme is not None
        programme.committed_fen = committed_fen
        session.add(programme)


def test_an_open_programme_changes_only_its_budget_and_approval(
    vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    made = create(vouchers_client, vouchers_headers)
    opened = move(vouchers_client, vouchers_headers, made["id"], "opening")
    assert opened["status"] == "open" and opened["version"] == made["version"] + 1
    before = state(vouchers_client, vouchers_headers, made["id"])
    for body, field in (
        ({"name": "改名"}, "body.name"),
        ({"face_value_fen": 40_000}, "body.face_value_fen"),
        ({"budget_fen": 2_000_000, "coverage_bp": 5000}, "body.coverage_bp"),
        (
            {"validity_days": 30, "coverage_bp": 5000, "name": "改名"},
            "body.coverage_bp",
        ),  # the first
    ):
        answer = patch(vouchers_client, vouchers_headers, made["id"], body, before["etag"])
        problem = refused(answer, 409, "programme_not_draft", field)
        assert problem["errors"][0]["message"] == (
            f"{field[5:]} changes only while the programme is a draft; an open programme changes "
            "only budget_fen and auto_approve"
        )
    assert state(vouchers_client, vouchers_headers, made["id"]) == before
    # What an open programme may change, it changes.
    raised = patch(
        vouchers_client,
        vouchers_headers,
        made["id"],
        {"budget_fen": 2_000_000, "auto_approve": True},
        before["etag"],
    )
    assert raised.status_code == 200, raised.text
    assert (raised.json()["budget_fen"], raised.json()["remaining_fen"]) == (2_000_000, 2_000_000)
    assert raised.json()["auto_approve"] is True
    assert event_types(vouchers_client, vouchers_headers)[-1] == "programme.updated"


def test_an_update_naming_nothing_or_a_null_is_refused_and_a_name_is_trimmed(
    vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    made = create(vouchers_client, vouchers_headers)
    before = state(vouchers_client, vouchers_headers, made["id"])
    empty = patch(vouchers_client, vouchers_headers, made["id"], {}, before["etag"])
    assert (
        refused(empty, 422, "nothing_to_update")["detail"] == "Name at least one field to change."
    )
    for name in ("name", "budget_fen", "categories", "validity_days", "yearly_cap_fen"):
        nulled = patch(vouchers_client, vouchers_headers, made["id"], {name: None}, before["etag"])
        problem = refused(nulled, 422, "field_not_nullable", f"body.{name}")
        assert problem["errors"][0]["message"] == f"{name} may not be null"
    assert state(vouchers_client, vouchers_headers, made["id"]) == before
    renamed = patch(
        vouchers_client, vouchers_headers, made["id"], {"name": "  新名  "}, before["etag"]
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "新名", renamed.text
    # categories keep their first order, each once, as on creation
    listed = patch(
        vouchers_client,
        vouchers_headers,
        made["id"],
        {"categories": ["rnd", "testing", "rnd"]},
        renamed.headers["ETag"],
    )
    assert listed.status_code == 200 and listed.json()["categories"] == ["rnd", "testing"]
    # numbers are taken as given (a name is trimmed, nothing else is)
    terms = patch(
        vouchers_client,
        vouchers_headers,
        made["id"],
        {"validity_days": 180, "yearly_cap_fen": 150_000},
        listed.headers["ETag"],
    )
    assert terms.status_code == 200, terms.text
    assert (terms.json()["validity_days"], terms.json()["yearly_cap_fen"]) == (180, 150_000)


def test_a_closed_programme_never_changes(
    vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    made = create(vouchers_client, vouchers_headers)
    move(vouchers_client, vouchers_headers, made["id"], "opening")
    closed = move(vouchers_client, vouchers_headers, made["id"], "closing")
    assert closed["status"] == "closed"
    before = state(vouchers_client, vouchers_headers, made["id"])
    assert before["events"][-3:] == ["programme.created", "programme.opened", "programme.closed"]
    for body in ({"budget_fen": 2_000_000}, {"auto_approve": True}, {"name": "改名"}):
        answer = patch(vouchers_client, vouchers_headers, made["id"], body, before["etag"])
        refused(answer, 409, "programme_closed")
    # Neither opened nor closed again.
    for step in ("opening", "closing"):
        answer = vouchers_client.post(
            f"/v1/programmes/{made['id']}/{step}", headers=admin(vouchers_headers)
        )
        refused(answer, 409, "programme_transition_invalid")
    assert state(vouchers_client, vouchers_headers, made["id"]) == before


def test_transitions_only_go_draft_open_closed(
    vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    made = create(vouchers_client, vouchers_headers)
    before = state(vouchers_client, vouchers_headers, made["id"])
    closing = vouchers_client.post(
        f"/v1/programmes/{made['id']}/closing", headers=admin(vouchers_headers)
    )
    problem = refused(closing, 409, "programme_transition_invalid")
    assert "draft" in problem["detail"]
    assert state(vouchers_client, vouchers_headers, made["id"]) == before
    move(vouchers_client, vouchers_headers, made["id"], "opening")
    opened = state(vouchers_client, vouchers_headers, made["id"])
    again = vouchers_client.post(
        f"/v1/programmes/{made['id']}/opening", headers=admin(vouchers_headers)
    )
    refused(again, 409, "programme_transition_invalid")
    assert state(vouchers_client, vouchers_headers, made["id"]) == opened
    # A stale If-Match on a transition is 412 too, and moves nothing.
    stale = vouchers_client.post(
        f"/v1/programmes/{made['id']}/closing",
        headers={**admin(vouchers_headers), "If-Match": before["etag"]},
    )
    refused(stale, 412, "stale_etag")
    assert state(vouchers_client, vouchers_headers, made["id"]) == opened


def test_a_programme_closes_on_a_day_no_default_rules_are_in_force(
    vouchers_client: TestClient, vouchers_headers: VouchersHeaders, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening needs the kind's default rules in force that day; closing needs none (a
    programme ends after the rules of its time have lapsed)."""
    made = create(vouchers_client, vouchers_headers)
    move(vouchers_client, vouchers_headers, made["id"], "opening")
    monkeypatch.setattr(service, "_today", lambda: date(2000, 1, 3))  # before any rule set
    closed = move(vouchers_client, vouchers_headers, made["id"], "closing")
    assert (closed["status"], closed["version"]) == ("closed", 3)
    other = create(vouchers_client, vouchers_headers, name="2026 科技创新券（二期）")
    opening = vouchers_client.post(
        f"/v1/programmes/{other['id']}/opening", headers=admin(vouchers_headers)
    )
    refused(opening, 409, "no_rule_set_in_force")


def test_an_update_changes_its_own_programme_only(
    vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    """Three drafts at the same version: changing the middle one leaves the ones made before
    and after it as they were."""
    first, middle, last = (
        create(vouchers_client, vouchers_headers, name=f"2026 科技创新券（{n}期）")
        for n in "一二三"
    )
    untouched = [
        state(vouchers_client, vouchers_headers, p["id"])["programme"] for p in (first, last)
    ]
    changed = patch(
        vouchers_client,
        vouchers_headers,
        middle["id"],
        {"budget_fen": 2_000_000},
        f'"{middle["id"]}.1"',
    )
    assert changed.status_code == 200 and changed.json()["budget_fen"] == 2_000_000
    assert [
        state(vouchers_client, vouchers_headers, p["id"])["programme"] for p in (first, last)
    ] == untouched


def test_a_published_programme_is_read_by_anyone_a_draft_by_the_office_only(
    vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    draft = create(vouchers_client, vouchers_headers, name="草稿")
    opened = create(vouchers_client, vouchers_headers, name="开放")
    closed = create(vouchers_client, vouchers_headers, name="已关闭")
    for made in (opened, closed):
        move(vouchers_client, vouchers_headers, made["id"], "opening")
    move(vouchers_client, vouchers_headers, closed["id"], "closing")
    for kind in ("enterprise", "bank", "department"):
        headers = vouchers_headers(kind=kind)
        for made, status in ((opened, "open"), (closed, "closed")):
            read = vouchers_client.get(f"/v1/programmes/{made['id']}", headers=headers)
            assert read.status_code == 200 and read.json()["status"] == status, (kind, read.text)
        hidden = vouchers_client.get(f"/v1/programmes/{draft['id']}", headers=headers)
        refused(hidden, 404, "programme_not_found")
    office = vouchers_client.get(f"/v1/programmes/{draft['id']}", headers=admin(vouchers_headers))
    assert office.status_code == 200 and office.json()["status"] == "draft"


def test_the_budget_never_goes_below_what_is_committed(
    vouchers_app: FastAPI, vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    made = create(vouchers_client, vouchers_headers)
    move(vouchers_client, vouchers_headers, made["id"], "opening")
    set_committed(vouchers_app, made["id"], 600_000)
    before = state(vouchers_client, vouchers_headers, made["id"])
    assert (before["programme"]["committed_fen"], before["programme"]["remaining_fen"]) == (
        600_000,
        400_000,
    )
    answer = patch(
        vouchers_client, vouchers_headers, made["id"], {"budget_fen": 599_999}, before["etag"]
    )
    problem = refused(answer, 409, "budget_below_committed", "body.budget_fen")
    assert "600000" in problem["errors"][0]["message"]
    assert state(vouchers_client, vouchers_headers, made["id"]) == before
    # Down to exactly what is committed is allowed: nothing remains.
    exact = patch(
        vouchers_client, vouchers_headers, made["id"], {"budget_fen": 600_000}, before["etag"]
    )
    assert exact.status_code == 200, exact.text
    assert (exact.json()["budget_fen"], exact.json()["remaining_fen"]) == (600_000, 0)


def test_updates_need_a_current_if_match(
    vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    made = create(vouchers_client, vouchers_headers)
    before = state(vouchers_client, vouchers_headers, made["id"])
    missing = patch(vouchers_client, vouchers_headers, made["id"], {"name": "新名"}, None)
    refused(missing, 428, "if_match_required")
    assert state(vouchers_client, vouchers_headers, made["id"]) == before
    changed = patch(vouchers_client, vouchers_headers, made["id"], {"name": "新名"}, before["etag"])
    assert changed.status_code == 200 and changed.json()["name"] == "新名"
    assert changed.headers["ETag"] != before["etag"]
    after = state(vouchers_client, vouchers_headers, made["id"])
    stale = patch(vouchers_client, vouchers_headers, made["id"], {"name": "旧名"}, before["etag"])
    refused(stale, 412, "stale_etag")
    assert state(vouchers_client, vouchers_headers, made["id"]) == after


def _programmes(client: TestClient, headers: VouchersHeaders) -> list[dict[str, Any]]:
    return list(client.get("/v1/programmes", headers=admin(headers)).json()["items"])


def test_terms_that_could_never_issue_are_refused(
    vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    events = event_types(vouchers_client, vouchers_headers)
    for changes, code, field in (
        ({"face_value_fen": 1_000_001}, "face_value_exceeds_budget", "body.face_value_fen"),
        ({"yearly_cap_fen": 49_999}, "cap_below_face_value", "body.yearly_cap_fen"),
        ({"rule_set_id": "rls_nonexistent"}, "unknown_rule_set", "body.rule_set_id"),
    ):
        answer = vouchers_client.post(
            "/v1/programmes", json={**TERMS, **changes}, headers=admin(vouchers_headers)
        )
        refused(answer, 422, code, field)
    assert _programmes(vouchers_client, vouchers_headers) == []
    assert event_types(vouchers_client, vouchers_headers) == events
    # At the bounds: one voucher may take the whole budget, a cap may be one voucher.
    whole = create(
        vouchers_client,
        vouchers_headers,
        name="整额",
        face_value_fen=1_000_000,
        yearly_cap_fen=1_000_000,
    )
    assert (whole["face_value_fen"], whole["yearly_cap_fen"]) == (1_000_000, 1_000_000)
    # The same rules on a draft's update, against its current terms.
    made = create(vouchers_client, vouchers_headers)
    before = state(vouchers_client, vouchers_headers, made["id"])
    for body, code, field in (
        ({"budget_fen": 49_999}, "face_value_exceeds_budget", "body.face_value_fen"),
        ({"face_value_fen": 100_001}, "cap_below_face_value", "body.yearly_cap_fen"),
        ({"rule_set_id": "rls_nonexistent"}, "unknown_rule_set", "body.rule_set_id"),
    ):
        answer = patch(vouchers_client, vouchers_headers, made["id"], body, before["etag"])
        refused(answer, 422, code, field)
    assert state(vouchers_client, vouchers_headers, made["id"]) == before


def test_a_name_is_unique_per_kind_and_year(
    vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    made = create(vouchers_client, vouchers_headers)
    events = event_types(vouchers_client, vouchers_headers)
    taken = vouchers_client.post("/v1/programmes", json=TERMS, headers=admin(vouchers_headers))
    refused(taken, 409, "programme_name_taken", "body.name")
    assert [p["id"] for p in _programmes(vouchers_client, vouchers_headers)] == [made["id"]]
    assert event_types(vouchers_client, vouchers_headers) == events
    # The same name in another year or of another kind is another programme.
    other_year = create(vouchers_client, vouchers_headers, year=2027)
    other_kind = create(vouchers_client, vouchers_headers, kind="startup")
    # Renaming a draft onto a taken name is refused too.
    clash = create(vouchers_client, vouchers_headers, year=2027, name="另一个")
    before = state(vouchers_client, vouchers_headers, clash["id"])
    renamed = patch(
        vouchers_client, vouchers_headers, clash["id"], {"name": TERMS["name"]}, before["etag"]
    )
    refused(renamed, 409, "programme_name_taken", "body.name")
    assert state(vouchers_client, vouchers_headers, clash["id"]) == before
    names = {p["id"]: p["name"] for p in _programmes(vouchers_client, vouchers_headers)}
    assert names == {
        made["id"]: TERMS["name"],
        other_year["id"]: TERMS["name"],
        other_kind["id"]: TERMS["name"],
        clash["id"]: "另一个",
    }


# --- A programme's own eligibility rules ----------------------------------------------------

OWN_RULES: dict[str, Any] = {
    "family": "vouchers.eligibility",
    "effective_from": "2026-01-01",
    "description": "小店区 2026: small firms of the district, any age, tech or not",
    "inputs": {"district": "string", "size_class": "string", "on_dishonesty_list": "bool"},
    "parameters": {"district_code": {"type": "string", "value": "xiaodian"}},
    "rules": [
        {
            "name": "in_district",
            "expression": "district == district_code",
            "description": "Registered in 小店区.",
        },
        {
            "name": "small",
            "expression": "size_class in ['small', 'micro']",
            "description": "A small or micro enterprise.",
        },
        {
            "name": "eligible",
            "expression": "in_district && small && !on_dishonesty_list",
        },
    ],
}


def save_rule_set(client: TestClient, headers: VouchersHeaders) -> dict[str, Any]:
    answer = client.post("/v1/rule-sets", json=OWN_RULES, headers=admin(headers))
    assert answer.status_code == 201, answer.text
    saved: dict[str, Any] = answer.json()
    assert (saved["family"], saved["version"], saved["in_use"]) == (
        "vouchers.eligibility",
        1,
        False,
    )
    return saved


def test_a_programme_with_its_own_rule_set(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    seed_enterprise: SeedEnterprise,
) -> None:
    saved = save_rule_set(vouchers_client, vouchers_headers)
    made = create(vouchers_client, vouchers_headers, rule_set_id=saved["id"])
    assert made["rule_set_id"] == saved["id"]
    opened = move(vouchers_client, vouchers_headers, made["id"], "opening")
    assert opened["status"] == "open"
    # Not a technology SME and founded long ago: the innovation default would refuse it.
    local = seed_enterprise("91140100MA0K000017", founded_on=date(2001, 1, 1), district="xiaodian")
    away = seed_enterprise("91140100MA0K000025", district="yingze", size_class="medium")
    on = date(2026, 5, 31)
    ok, trace = _evaluate(vouchers_app, made["id"], local.uscc, on)
    assert ok and trace["reasons"] == []
    assert (trace["rule_set_id"], trace["family"], trace["version"]) == (
        saved["id"],
        "vouchers.eligibility",
        1,
    )
    assert [step["rule"] for step in trace["steps"]] == ["in_district", "small", "eligible"]
    ok, trace = _evaluate(vouchers_app, made["id"], away.uscc, on)
    assert not ok
    assert trace["reasons"] == ["Registered in 小店区.", "A small or micro enterprise."]
    # Evaluated (and recorded) once, the version is in use and never changes afterwards.
    read = vouchers_client.get(f"/v1/rule-sets/{saved['id']}", headers=admin(vouchers_headers))
    assert read.status_code == 200 and read.json()["in_use"] is True


def test_a_number_that_comes_out_zero_is_no_failed_check(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    seed_enterprise: SeedEnterprise,
) -> None:
    """Only a bool rule that is false is a reason: a numeric rule worth 0 is not one."""
    counted = {
        **OWN_RULES,
        "rules": [
            {"name": "strikes", "expression": "on_dishonesty_list ? 1 : 0"},
            *OWN_RULES["rules"],
        ],
    }
    answer = vouchers_client.post("/v1/rule-sets", json=counted, headers=admin(vouchers_headers))
    assert answer.status_code == 201, answer.text
    made = create(vouchers_client, vouchers_headers, rule_set_id=answer.json()["id"])
    away = seed_enterprise("91140100MA0K000025", district="yingze", size_class="medium")
    ok, trace = _evaluate(vouchers_app, made["id"], away.uscc, date(2026, 5, 31))
    assert not ok
    assert {step["rule"]: step["value"] for step in trace["steps"]}["strikes"] == 0
    assert trace["reasons"] == ["Registered in 小店区.", "A small or micro enterprise."]


def test_a_rule_set_giving_its_own_reasons_is_quoted_as_it_gives_them(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    seed_enterprise: SeedEnterprise,
) -> None:
    """A `reasons` result replaces the failed checks' descriptions, in its own words."""
    worded = {
        **OWN_RULES,
        "rules": [
            *OWN_RULES["rules"],
            {
                "name": "reasons",
                "expression": "(in_district ? [] : ['须在小店区注册，而非 ' + district])"
                " + (small ? [] : ['规模为 ' + size_class + '，非小微'])",
            },
        ],
    }
    answer = vouchers_client.post("/v1/rule-sets", json=worded, headers=admin(vouchers_headers))
    assert answer.status_code == 201, answer.text
    made = create(vouchers_client, vouchers_headers, rule_set_id=answer.json()["id"])
    away = seed_enterprise("91140100MA0K000025", district="yingze", size_class="medium")
    ok, trace = _evaluate(vouchers_app, made["id"], away.uscc, date(2026, 5, 31))
    assert not ok
    assert trace["reasons"] == ["须在小店区注册，而非 yingze", "规模为 medium，非小微"]
    local = seed_enterprise("91140100MA0K000017", district="xiaodian")
    ok, trace = _evaluate(vouchers_app, made["id"], local.uscc, date(2026, 5, 31))
    assert ok and trace["reasons"] == []


def test_the_public_list_shows_open_programmes_only(
    vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    draft = create(vouchers_client, vouchers_headers, name="草稿")
    opened = create(vouchers_client, vouchers_headers, name="开放")
    closed = create(vouchers_client, vouchers_headers, name="已关闭")
    startup = create(vouchers_client, vouchers_headers, kind="startup", name="创业券开放")
    for made in (opened, closed, startup):
        move(vouchers_client, vouchers_headers, made["id"], "opening")
    move(vouchers_client, vouchers_headers, closed["id"], "closing")
    public = vouchers_client.get("/v1/public/programmes")  # no credentials
    assert public.status_code == 200, public.text
    items = public.json()["items"]
    assert sorted(p["id"] for p in items) == sorted([opened["id"], startup["id"]])
    assert {p["status"] for p in items} == {"open"}
    shown = next(p for p in items if p["id"] == opened["id"])
    assert (shown["name"], shown["budget_fen"], shown["remaining_fen"]) == (
        "开放",
        1_000_000,
        1_000_000,
    )
    assert shown["categories"] == ["testing", "rnd"]
    filtered = vouchers_client.get("/v1/public/programmes?kind=startup").json()["items"]
    assert [p["id"] for p in filtered] == [startup["id"]]
    # An enterprise sees open and closed ones, never the draft.
    seen = vouchers_client.get("/v1/programmes", headers=vouchers_headers(kind="enterprise"))
    assert sorted(p["id"] for p in seen.json()["items"]) == sorted(
        [opened["id"], closed["id"], startup["id"]]
    )
    assert draft["id"] not in public.text


def test_the_list_filters_by_kind_year_and_status_together(
    vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    draft = create(vouchers_client, vouchers_headers, year=2025, name="2025 草稿")
    opened = create(vouchers_client, vouchers_headers, name="2026 开放")
    closed = create(vouchers_client, vouchers_headers, kind="startup", name="2026 创业券")
    later = create(vouchers_client, vouchers_headers, year=2027, name="2027 开放")
    for made in (opened, closed, later):
        move(vouchers_client, vouchers_headers, made["id"], "opening")
    move(vouchers_client, vouchers_headers, closed["id"], "closing")

    def ids(headers: dict[str, str], **params: Any) -> list[str]:
        answer = vouchers_client.get("/v1/programmes", params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        return [p["id"] for p in answer.json()["items"]]

    def made(*programmes: dict[str, Any]) -> list[str]:
        return sorted(p["id"] for p in programmes)

    office, enterprise = admin(vouchers_headers), vouchers_headers(kind="enterprise")
    assert ids(office, year=2026) == made(opened, closed)
    assert ids(office, year=2025) == made(draft)
    assert ids(office, status="open") == made(opened, later)
    assert ids(office, status="draft") == made(draft)
    assert ids(office, status="closed") == made(closed)
    assert ids(office, kind="innovation", year=2026) == made(opened)
    assert ids(office, kind="startup", status="open") == []
    assert ids(enterprise, year=2025) == []  # the draft stays hidden under any filter
    assert ids(enterprise, status="draft") == []
    assert ids(enterprise, year=2027, status="open") == made(later)
