"""The complaint centre through HTTP: routing by class, working-day deadlines, the state machine,
overdue lists, per-department on-time rates, and the public ticket lookup."""

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.registry.complaints import service as complaints_service
from tests.registry.conftest import RegistryHeaders
from tests.registry.factories import make_uscc

RW = ("registry:read", "registry:write")
ME = make_uscc(500)
OTHER = make_uscc(501)


class Clock:
    """A settable 'now' for the complaint service."""

    def __init__(self) -> None:
        self.now = datetime(2015, 9, 30, 2, 0, tzinfo=UTC)  # 10:00 in Taiyuan, a Wednesday

    def set(self, text: str) -> None:
        self.now = datetime.fromisoformat(text).astimezone(UTC)


@pytest.fixture
def cmp_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Freezes the complaint service's clock (Asia/Shanghai dates follow it)."""
    clock = Clock()
    monkeypatch.setattr(complaints_service, "utcnow", lambda: clock.now)
    return clock


def _me(headers: RegistryHeaders, kind: str = "enterprise", org: str = ME) -> dict[str, str]:
    return headers(kind=kind, org=org, scopes=RW, client_id=f"cli_{kind}_{org[-4:]}")


def _dept(headers: RegistryHeaders, org: str) -> dict[str, str]:
    return headers(kind="department", org=org, scopes=RW, client_id=f"cli_{org}")


def _complain(
    client: TestClient, h: dict[str, str], status: int = 201, **body: Any
) -> dict[str, Any]:
    payload = {
        "category": "fees",
        "subject": "Fee on the exempt list",
        "description": "Charged a fee in March.",
        **body,
    }
    response = client.post("/v1/complaints", json=payload, headers=h)
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


def _act(
    client: TestClient,
    h: dict[str, str],
    complaint_id: str,
    action: str,
    status: int = 200,
    **body: Any,
) -> dict[str, Any]:
    response = client.post(
        f"/v1/complaints/{complaint_id}/transitions", json={"action": action, **body}, headers=h
    )
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


def test_ordinary_complaint_goes_to_the_responsible_department_with_ten_working_days(
    registry_client: TestClient, registry_headers: RegistryHeaders, cmp_clock: Clock
) -> None:
    body = _complain(
        registry_client,
        _me(registry_headers),
        contact={"name": "Wang Li", "phone": "+86 351 1234567", "email": "wl@example.cn"},
    )
    assert body["state"] == "assigned" and body["department"] == "finance"
    assert body["complaint_class"] == "ordinary"
    assert body["received_on"] == "2015-09-30"
    # National Day (1–7 Oct) off, Saturday 10 Oct a make-up working day: 8, 9, 10, 12–16, 19, 20.
    assert body["deadline"] == "2015-10-20"
    assert body["ticket"].startswith("TS-") and len(body["ticket"]) == 13
    assert len(body["access_code"]) == 14
    assert body["complainant_uscc"] == ME and body["anonymous"] is False
    assert body["contact"]["phone"] == "+86 351 1234567"
    assert body["allowed_actions"] == ["start", "reassign", "escalate", "reject"]
    assert [(h["action"], h["to_state"]) for h in body["history"]] == [("file", "assigned")]

    chosen = _complain(
        registry_client, _me(registry_headers, "portal"), category="other", department="commerce"
    )
    assert chosen["department"] == "commerce"
    tax = _complain(registry_client, _me(registry_headers), category="tax")
    assert tax["department"] == "tax"


def test_policy_and_urgent_complaints_are_routed_by_class(
    registry_client: TestClient, registry_headers: RegistryHeaders, cmp_clock: Clock
) -> None:
    policy = _complain(registry_client, _me(registry_headers), complaint_class="policy")
    assert (policy["state"], policy["department"]) == ("investigating", "sme_bureau")
    assert policy["escalated_at"] is None
    urgent = _complain(registry_client, _me(registry_headers), complaint_class="urgent")
    assert (urgent["state"], urgent["department"]) == ("escalated", "mayor_office")
    assert urgent["escalated_at"] == "2015-09-30T02:00:00Z"
    assert urgent["deadline"] == "2015-10-08"  # one working day, after the holiday
    problem = _complain(
        registry_client, _me(registry_headers), 422, complaint_class="policy", department="tax"
    )
    assert problem["code"] == "department_not_applicable"


def test_ordinary_life_cycle_and_illegal_transitions(
    registry_client: TestClient, registry_headers: RegistryHeaders, cmp_clock: Clock
) -> None:
    me, finance = _me(registry_headers), _dept(registry_headers, "finance")
    cid = _complain(registry_client, me)["id"]

    early = _act(registry_client, finance, cid, "resolve", 409)
    assert early["code"] == "illegal_transition"
    assert early["type"].endswith("illegal_transition")
    assert _act(registry_client, me, cid, "start", 403)["code"] == "not_allowed_to_act"
    assert _act(registry_client, _dept(registry_headers, "tax"), cid, "start", 404)["code"] == (
        "complaint_not_found"
    )

    started = _act(registry_client, finance, cid, "start", note="internal: check their invoices")
    assert started["state"] == "in_progress"
    # The complainant follows its complaint but never reads the departments' working notes.
    mine = registry_client.get(f"/v1/complaints/{cid}", headers=me).json()
    assert "internal" not in str(mine["history"])
    theirs = registry_client.get(f"/v1/complaints/{cid}", headers=finance).json()
    assert "internal: check their invoices" in str(theirs["history"])
    cmp_clock.set("2015-10-12T09:00:00+08:00")
    resolved = _act(registry_client, finance, cid, "resolve", note="Refunded.")
    assert resolved["state"] == "resolved" and resolved["resolution"] == "Refunded."
    assert resolved["answered_at"] == "2015-10-12T01:00:00Z"
    reopened = _act(registry_client, me, cid, "reopen")
    assert reopened["state"] == "in_progress" and reopened["answered_at"] is None
    assert reopened["resolution"] is None  # the old answer is history, not the current one
    _act(registry_client, finance, cid, "resolve", note="Refunded in full.")
    closed = _act(registry_client, me, cid, "close")
    assert closed["state"] == "closed" and closed["closed_at"] is not None
    assert closed["allowed_actions"] == []
    assert _act(registry_client, me, cid, "reopen", 409)["code"] == "illegal_transition"
    assert [h["action"] for h in closed["history"]] == [
        "file",
        "start",
        "resolve",
        "reopen",
        "resolve",
        "close",
    ]
    assert closed["history"][2]["from_state"] == "in_progress"
    assert closed["version"] == 6


def test_reassign_escalate_and_policy_report(
    registry_client: TestClient, registry_headers: RegistryHeaders, cmp_clock: Clock
) -> None:
    admin = registry_headers(kind="admin")
    me, finance = _me(registry_headers), _dept(registry_headers, "finance")
    cid = _complain(registry_client, me)["id"]
    assert _act(registry_client, finance, cid, "reassign", 403, department="tax")["code"] == (
        "not_allowed_to_act"
    )
    assert _act(registry_client, admin, cid, "reassign", 422)["code"] == "department_required"
    moved = _act(registry_client, admin, cid, "reassign", department="tax", note="A tax matter.")
    assert moved["department"] == "tax" and moved["state"] == "assigned"
    assert registry_client.get(f"/v1/complaints/{cid}", headers=finance).status_code == 404
    tax = _dept(registry_headers, "tax")
    assert _act(registry_client, tax, cid, "start", 422, department="hr")["code"] == (
        "department_not_applicable"
    )
    up = _act(registry_client, tax, cid, "escalate", note="Needs the mayor.")
    assert up["state"] == "escalated" and up["department"] == "mayor_office"
    assert up["deadline"] == "2015-10-08"
    _act(registry_client, admin, cid, "resolve", note="Settled by the mayor's office.")

    pid = _complain(registry_client, me, complaint_class="policy")["id"]
    sme = _dept(registry_headers, "sme_bureau")
    reported = _act(registry_client, sme, pid, "report", note="Policy gap reported upwards.")
    assert reported["state"] == "reported" and reported["answered_at"] is not None
    assert _act(registry_client, me, pid, "close", 403)["code"] == "not_allowed_to_act"
    assert _act(registry_client, sme, pid, "close")["state"] == "closed"


def test_if_match_is_checked_when_sent(
    registry_client: TestClient, registry_headers: RegistryHeaders, cmp_clock: Clock
) -> None:
    finance = _dept(registry_headers, "finance")
    cid = _complain(registry_client, _me(registry_headers))["id"]
    got = registry_client.get(f"/v1/complaints/{cid}", headers=finance)
    etag = got.headers["etag"]
    assert etag == f'"{cid}.1"'
    ok = registry_client.post(
        f"/v1/complaints/{cid}/transitions",
        json={"action": "start"},
        headers={**finance, "If-Match": etag},
    )
    assert ok.status_code == 200 and ok.headers["etag"] == f'"{cid}.2"'
    stale = registry_client.post(
        f"/v1/complaints/{cid}/transitions",
        json={"action": "resolve"},
        headers={**finance, "If-Match": etag},
    )
    assert stale.status_code == 412 and stale.json()["code"] == "stale_etag"


def test_anonymous_complaints_are_followed_by_ticket_only(
    registry_app, registry_client: TestClient, registry_headers: RegistryHeaders, cmp_clock: Clock
) -> None:
    me = _me(registry_headers)
    body = _complain(registry_client, me, anonymous=True, contact={"phone": "13800000000"})
    assert body["complainant_uscc"] is None and body["anonymous"] is True
    assert registry_client.get(f"/v1/complaints/{body['id']}", headers=me).status_code == 404
    assert registry_client.get("/v1/complaints", headers=me).json()["items"] == []
    finance = _dept(registry_headers, "finance")
    seen = registry_client.get(f"/v1/complaints/{body['id']}", headers=finance).json()
    assert seen["contact"]["phone"] == "13800000000" and "access_code" not in seen
    _act(registry_client, finance, body["id"], "start", note="internal: call them")

    lookup = {"ticket": body["ticket"].lower(), "access_code": body["access_code"]}
    tracked = registry_client.post("/v1/public/complaints/lookup", json=lookup)
    assert tracked.status_code == 200, tracked.text
    status = tracked.json()
    assert status["state"] == "in_progress" and status["deadline"] == "2015-10-20"
    assert [s["to_state"] for s in status["steps"]] == ["assigned", "in_progress"]
    for hidden in ("13800000000", "internal", "description", ME, body["id"]):
        assert hidden not in tracked.text

    # Nothing stored names who filed it: not the complaint row, not its first history step.
    from sqlalchemy import text

    with registry_app.state.database.session() as session:
        filed_by = session.execute(
            text("SELECT filed_by FROM complaints WHERE id = :id"), {"id": body["id"]}
        ).scalar_one()
        actors = (
            session.execute(
                text(
                    "SELECT actor FROM complaint_events WHERE complaint_id = :id AND action = 'file'"
                ),
                {"id": body["id"]},
            )
            .scalars()
            .all()
        )
    assert filed_by == "anonymous" and actors == ["anonymous"]

    wrong = registry_client.post(
        "/v1/public/complaints/lookup", json={**lookup, "access_code": "AAAA-BBBB-CCCC"}
    )
    unknown = registry_client.post(
        "/v1/public/complaints/lookup", json={"ticket": "TS-0000000000", "access_code": "x"}
    )
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json()["code"] == unknown.json()["code"] == "ticket_not_found"
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_overdue_list_and_on_time_rate(
    registry_client: TestClient, registry_headers: RegistryHeaders, cmp_clock: Clock
) -> None:
    me, finance = _me(registry_headers), _dept(registry_headers, "finance")
    on_time, late, still_open = (_complain(registry_client, me)["id"] for _ in range(3))
    _complain(registry_client, me, category="tax")
    for cid in (on_time, late):
        _act(registry_client, finance, cid, "start")
    cmp_clock.set("2015-10-20T17:00:00+08:00")  # the deadline day itself is on time
    _act(registry_client, finance, on_time, "resolve", note="done")
    assert registry_client.get("/v1/complaints/overdue", headers=finance).json()["items"] == []
    cmp_clock.set("2015-10-22T09:00:00+08:00")
    _act(registry_client, finance, late, "resolve", note="done late")
    cmp_clock.set("2015-10-23T09:00:00+08:00")

    overdue = registry_client.get("/v1/complaints/overdue", headers=finance)
    assert overdue.status_code == 200, overdue.text
    assert [c["id"] for c in overdue.json()["items"]] == [still_open]
    assert overdue.json()["items"][0]["overdue"] is True
    admin_view = registry_client.get(
        "/v1/complaints/overdue", headers=registry_headers(kind="admin")
    )
    assert len(admin_view.json()["items"]) == 2  # the tax complaint is overdue too

    stats = registry_client.get(
        "/v1/complaints/stats", headers=registry_headers(kind="admin")
    ).json()
    assert stats["as_of"] == "2015-10-23"
    by_dept = {d["department"]: d for d in stats["departments"]}
    assert by_dept["finance"] == {
        "department": "finance",
        "total": 3,
        "open": 1,
        "overdue": 1,
        "answered": 2,
        "answered_on_time": 1,
        "on_time_percent": "33.33",
        "on_time_bp": 3333,
    }
    assert by_dept["tax"]["on_time_percent"] == "0.00"
    own = registry_client.get("/v1/complaints/stats", headers=finance).json()
    assert [d["department"] for d in own["departments"]] == ["finance"]
    assert registry_client.get("/v1/complaints/stats", headers=me).status_code == 403
    assert registry_client.get("/v1/complaints/overdue", headers=me).status_code == 403
    assert (
        registry_client.get(
            "/v1/complaints/overdue", params={"department": "tax"}, headers=finance
        ).status_code
        == 403
    )


def test_listing_who_sees_what(
    registry_client: TestClient, registry_headers: RegistryHeaders, cmp_clock: Clock
) -> None:
    mine = _complain(registry_client, _me(registry_headers))["id"]
    theirs = _complain(registry_client, _me(registry_headers, org=OTHER), category="tax")["id"]
    me_list = registry_client.get("/v1/complaints", headers=_me(registry_headers)).json()
    assert [c["id"] for c in me_list["items"]] == [mine]
    assert (
        registry_client.get(f"/v1/complaints/{theirs}", headers=_me(registry_headers)).status_code
        == 404
    )
    admin = registry_headers(kind="admin")
    everything = registry_client.get("/v1/complaints", params={"limit": 1}, headers=admin).json()
    assert len(everything["items"]) == 1 and everything["next_cursor"]
    tax_only = registry_client.get(
        "/v1/complaints", params={"department": "tax"}, headers=admin
    ).json()
    assert [c["id"] for c in tax_only["items"]] == [theirs]
    by_state = registry_client.get(
        "/v1/complaints", params={"state": "closed", "complaint_class": "ordinary"}, headers=admin
    ).json()
    assert by_state["items"] == []
    assert (
        registry_client.get(
            "/v1/complaints", headers=registry_headers(kind="bank", org="B")
        ).status_code
        == 403
    )
    assert registry_client.get("/v1/complaints").status_code == 401


def test_bad_complaints_are_problems(
    registry_client: TestClient, registry_headers: RegistryHeaders, cmp_clock: Clock
) -> None:
    me = _me(registry_headers)
    for bad in (
        {"category": "weather"},
        {"complaint_class": "secret"},
        {"subject": ""},
        {"description": "x" * 5001},
        {"contact": {"email": "not-an-email"}},
        {"department": "army"},
        {"unknown": 1},
    ):
        assert _complain(registry_client, me, 422, **bad)["code"] == "validation_failed", bad
    for kind in ("department", "bank", "provider", "admin"):
        problem = _complain(registry_client, registry_headers(kind=kind, org="X", scopes=RW), 403)
        assert problem["code"] == "forbidden_client_kind", kind
    orphan = registry_headers(kind="portal", org=None, scopes=RW)
    assert _complain(registry_client, orphan, 403)["code"] == "no_enterprise"
    read_only = registry_headers(kind="enterprise", org=ME, scopes=["registry:read"])
    assert _complain(registry_client, read_only, 403)["code"] == "insufficient_scope"
    assert registry_client.post("/v1/complaints", json={}).status_code == 401
    cid = _complain(registry_client, me)["id"]
    assert _act(registry_client, me, cid, "fly", 422)["code"] == "validation_failed"
    assert _act(registry_client, me, "cmp_missing", "close", 404)["code"] == "complaint_not_found"


def test_idempotent_filing_returns_the_same_ticket(
    registry_client: TestClient, registry_headers: RegistryHeaders, cmp_clock: Clock
) -> None:
    h = {**_me(registry_headers), "Idempotency-Key": "cmp-1"}
    body = {"category": "fees", "subject": "s", "description": "d"}
    first = registry_client.post("/v1/complaints", json=body, headers=h)
    again = registry_client.post("/v1/complaints", json=body, headers=h)
    assert first.status_code == again.status_code == 201
    assert again.json()["ticket"] == first.json()["ticket"]
    listed = registry_client.get("/v1/complaints", headers=_me(registry_headers)).json()
    assert len(listed["items"]) == 1


def test_state_machine_and_calendar_are_data(
    registry_client: TestClient, registry_headers: RegistryHeaders, cmp_clock: Clock
) -> None:
    h = registry_headers()
    machine = registry_client.get("/v1/complaints/state-machine", headers=h).json()
    assert machine["initial"] == {
        "ordinary": "assigned",
        "policy": "investigating",
        "urgent": "escalated",
    }
    assert machine["deadline_working_days"]["ordinary"] == 10
    assert {
        "from_state": "resolved",
        "action": "reopen",
        "to_state": "in_progress",
        "who": ["admin", "complainant"],
    } in machine["transitions"]

    days = registry_client.get("/v1/calendar/2015", headers=h).json()["days"]
    by_day = {d["day"]: d for d in days}
    assert by_day["2015-10-01"]["working"] is False
    assert by_day["2015-10-10"]["working"] is True

    admin = registry_headers(kind="admin")
    cmp_clock.set("2015-11-30T10:00:00+08:00")  # a Monday
    before = _complain(registry_client, _me(registry_headers))
    assert before["deadline"] == "2015-12-14"
    put = registry_client.put(
        "/v1/calendar/days/2015-12-01",
        json={"working": False, "name": "Test holiday"},
        headers=admin,
    )
    assert put.status_code == 200, put.text
    after = _complain(registry_client, _me(registry_headers))
    assert after["deadline"] == "2015-12-15"
    dept = registry_headers(kind="department", org="sme_bureau")
    assert (
        registry_client.put(
            "/v1/calendar/days/2015-12-02", json={"working": False, "name": "x"}, headers=dept
        ).status_code
        == 403
    )
    assert (
        registry_client.put(
            "/v1/calendar/days/not-a-day", json={"working": False, "name": "x"}, headers=admin
        ).status_code
        == 422
    )


def test_the_same_calendar_day_recorded_twice_at_once(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    import threading

    admin = registry_headers(kind="admin")
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def put(name: str) -> None:
        barrier.wait()
        response = registry_client.put(
            "/v1/calendar/days/2030-03-04",
            json={"working": False, "name": name},
            headers=admin,
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=put, args=(name,)) for name in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200, 200]
    items = registry_client.get("/v1/calendar/2030", headers=admin).json()["days"]
    assert [(d["day"], d["name"] in ("A", "B")) for d in items] == [("2030-03-04", True)]


def test_a_complaint_changed_concurrently_takes_one_action_and_refuses_the_other(
    registry_client: TestClient,
    registry_headers: RegistryHeaders,
    cmp_clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    from tests.conftest import POSTGRES_URL

    me, finance = _me(registry_headers), _dept(registry_headers, "finance")
    cid = _complain(registry_client, me)["id"]
    # On PostgreSQL both requests read the complaint (version 1, filed) before either writes;
    # SQLite serialises writers, so there the second reads what the first wrote.
    overlap = POSTGRES_URL is not None
    barrier = threading.Barrier(2 if overlap else 1, timeout=10)
    calls: list[int] = []

    def after_reading() -> datetime:
        calls.append(1)
        if len(calls) <= 2:
            barrier.wait()
        return cmp_clock.now

    monkeypatch.setattr(complaints_service, "utcnow", after_reading)
    answers: list[Any] = []

    def start() -> None:
        answers.append(
            registry_client.post(
                f"/v1/complaints/{cid}/transitions", json={"action": "start"}, headers=finance
            )
        )

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not barrier.broken
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    refused = next(a for a in answers if a.status_code == 409).json()
    assert refused["code"] == ("concurrent_update" if overlap else "illegal_transition")
    after = registry_client.get(f"/v1/complaints/{cid}", headers=finance).json()
    assert after["state"] == "in_progress" and after["version"] == 2
    assert [h["action"] for h in after["history"]] == ["file", "start"]
