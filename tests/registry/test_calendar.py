"""The working-day calendar through HTTP: every programme year known (the State Council's
holidays and make-up days), a year without data reported in the calendar and in `/readyz`,
and deadlines that reach such a year refused with a problem instead of counted as weekdays."""

from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.common.calendar import WorkingCalendar
from services.registry.calendar import service as calendar_service
from services.registry.complaints import service as complaints_service
from tests.common.test_errors import assert_problem
from tests.registry.conftest import RegistryHeaders
from tests.registry.factories import make_uscc

ME = make_uscc(600)
RW = ("registry:read", "registry:write")


def _now(monkeypatch: pytest.MonkeyPatch, moment: str) -> None:
    """Freeze the clock of deadlines and of readiness at an Asia/Shanghai moment."""
    at = datetime.fromisoformat(moment).astimezone(UTC)
    monkeypatch.setattr(complaints_service, "utcnow", lambda: at)
    monkeypatch.setattr(calendar_service, "utcnow", lambda: at)


def _days(client: TestClient, headers: dict[str, str], year: int) -> dict[str, Any]:
    response = client.get(f"/v1/calendar/{year}", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _file(client: TestClient, headers: RegistryHeaders) -> Any:
    h = headers(kind="enterprise", org=ME, scopes=RW, client_id="cli_enterprise_0600")
    body = {"category": "fees", "subject": "Fee on the exempt list", "description": "Charged."}
    return client.post("/v1/complaints", json=body, headers=h)


NOTICE_2027 = {
    "source": "test notice for 2027",
    "days": [
        {"day": "2027-01-01", "working": False, "name": "New Year's Day 元旦"},
        {"day": "2027-01-04", "working": False, "name": "test holiday"},
        {"day": "2027-01-09", "working": True, "name": "make-up working day 调休 (test)"},
    ],
}


def test_every_year_of_the_platform_is_known_with_the_state_councils_days(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    h = registry_headers()
    for year in range(2015, 2027):
        body = _days(registry_client, h, year)
        assert body["known"] is True, year
        assert body["source"] and body["days"], year
    off = {
        y: {d["day"] for d in _days(registry_client, h, y)["days"] if not d["working"]}
        for y in (2015, 2020, 2026)
    }
    work = {
        y: {d["day"] for d in _days(registry_client, h, y)["days"] if d["working"]}
        for y in (2015, 2020, 2026)
    }
    # National Day 2015: 1–7 October off, Saturday 10 October worked.
    assert {f"2015-10-0{n}" for n in range(1, 8)} <= off[2015]
    assert "2015-10-10" in work[2015]
    # 2020: Spring Festival extended to 2 February (国办发明电〔2020〕1号); 1 February no longer
    # a make-up working day; Sunday 19 January worked.
    assert {"2020-01-31", "2020-02-01", "2020-02-02"} <= off[2020]
    assert "2020-02-01" not in work[2020] and "2020-01-19" in work[2020]
    # 2026: Spring Festival 15–23 February; Saturdays 14 and 28 February worked.
    assert {f"2026-02-{n}" for n in range(15, 24)} <= off[2026]
    assert {"2026-02-14", "2026-02-28"} <= work[2026]


def test_a_year_without_holiday_data_is_reported_not_empty(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    body = _days(registry_client, registry_headers(), 2027)
    assert body == {"year": 2027, "known": False, "source": None, "days": []}


def test_a_deadline_reaching_an_unknown_year_is_a_problem_until_the_notice_is_recorded(
    registry_client: TestClient, registry_headers: RegistryHeaders, monkeypatch: pytest.MonkeyPatch
) -> None:
    _now(monkeypatch, "2026-12-28T10:00:00+08:00")  # a Monday; 10 working days reach 2027
    body = assert_problem(_file(registry_client, registry_headers), 503, "calendar_year_unknown")
    assert "2027" in body["detail"]
    admin = registry_headers(kind="admin")
    assert registry_client.get("/v1/complaints", headers=admin).json()["items"] == []

    recorded = registry_client.put("/v1/calendar/2027", json=NOTICE_2027, headers=admin)
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["known"] is True and recorded.json()["source"] == NOTICE_2027["source"]
    filed = _file(registry_client, registry_headers)
    assert filed.status_code == 201, filed.text
    # 29–31 Dec (3); 1 and 4 Jan off; 5–8 Jan (7); Saturday 9 Jan worked (8); 11, 12 Jan (10).
    assert filed.json()["deadline"] == "2027-01-12"
    assert counted_in_the_kernel() == date(2027, 1, 12)


def counted_in_the_kernel() -> date:
    """The same count with 2027 recorded in the kernel's calendar directly (a cross-check)."""
    recorded = {date(2027, 1, 1): False, date(2027, 1, 4): False, date(2027, 1, 9): True}
    calendar = WorkingCalendar(recorded=recorded, recorded_years=frozenset({2027}))
    return calendar.add_working_days(date(2026, 12, 28), 10)


def test_within_known_years_deadlines_count_weekdays_and_the_official_days() -> None:
    calendar = WorkingCalendar()
    assert calendar.add_working_days(date(2015, 9, 25), 1) == date(2015, 9, 28)  # Fri → Mon
    # National Day 2015 off, Saturday 10 October worked.
    assert calendar.add_working_days(date(2015, 9, 30), 10) == date(2015, 10, 20)
    # 2020's extended Spring Festival: the first working day after 23 January is 3 February.
    assert calendar.add_working_days(date(2020, 1, 23), 1) == date(2020, 2, 3)


def test_recording_a_year_checks_every_day_and_changes_nothing_on_error(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    admin = registry_headers(kind="admin")
    outside = {**NOTICE_2027, "days": [{"day": "2028-01-01", "working": False, "name": "x"}]}
    body = assert_problem(
        registry_client.put("/v1/calendar/2027", json=outside, headers=admin),
        422,
        "outside_year",
    )
    assert body["errors"][0]["field"] == "body.days.0.day"
    assert body["errors"][0]["code"] == "outside_year"
    twice = {**NOTICE_2027, "days": [NOTICE_2027["days"][0]] * 2}
    body = assert_problem(
        registry_client.put("/v1/calendar/2027", json=twice, headers=admin),
        422,
        "duplicate_day",
    )
    assert body["errors"][0] == {
        "field": "body.days.1.day",
        "code": "duplicate_day",
        "message": "listed twice",
    }
    department = registry_headers(kind="department", org="sme_bureau")
    assert_problem(
        registry_client.put("/v1/calendar/2027", json=NOTICE_2027, headers=department),
        403,
        "forbidden_client_kind",
    )
    assert_problem(
        registry_client.get("/v1/calendar/1999", headers=admin), 422, "validation_failed"
    )
    assert _days(registry_client, admin, 2027)["known"] is False


def test_readyz_warns_of_a_coming_year_without_holidays_and_stays_ready(
    registry_client: TestClient, registry_headers: RegistryHeaders, monkeypatch: pytest.MonkeyPatch
) -> None:
    _now(monkeypatch, "2026-06-01T10:00:00+08:00")
    ready = registry_client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["degraded"] is False and ready.json()["warnings"] == {}

    _now(monkeypatch, "2026-11-30T10:00:00+08:00")  # today: 2027's notice is not shipped
    ready = registry_client.get("/readyz")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ready" and body["degraded"] is True
    assert "2027" in body["warnings"]["calendar"]

    admin = registry_headers(kind="admin")
    assert registry_client.put("/v1/calendar/2027", json=NOTICE_2027, headers=admin).is_success
    body = registry_client.get("/readyz").json()
    assert body["degraded"] is False and body["warnings"] == {}
