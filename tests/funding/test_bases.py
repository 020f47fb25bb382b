"""Demonstration bases through the API: kinds and standards, filing by a district, admission or
refusal by the responsible department, corrections, KPI reports, exit by decision, history."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.db import Database
from services.common.etag import Precondition
from services.common.identity import ClientKind, Principal
from services.funding.bases import service as bases_service
from services.funding.bases.errors import NotADistrict, NotResponsibleDepartment
from services.funding.bases.schemas import BaseCreate, BaseDecisionCreate
from services.funding.bases.service import admitted_bases
from tests.funding.bases_support import (
    OTHER_USCC,
    STARTUP_CRITERIA,
    USCC,
    admitted_base,
    all_met,
    department,
    district,
    events,
    file_base,
    filing,
    history,
    kpis,
    read,
    report,
    shanghai_today,
)
from tests.funding.conftest import FundingHeaders


def _problem(answer: Any, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = dict(answer.json())
    assert body["code"] == code, body
    return body


def _count(client: TestClient, headers: FundingHeaders) -> int:
    answer = client.get("/v1/bases", params={"limit": 500}, headers=headers())
    assert answer.status_code == 200
    return len(answer.json()["items"])


# --- kinds ---------------------------------------------------------------------------------


def test_the_five_kinds_with_their_departments_and_the_plans_standards(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    answer = funding_client.get("/v1/base-kinds", headers=department(funding_headers))
    assert answer.status_code == 200
    kinds = {kind["code"]: kind for kind in answer.json()}
    assert {code: (k["name_zh"], k["department"]) for code, k in kinds.items()} == {
        "maker_space": ("众创空间", "science"),
        "startup_base": ("小企业创业基地", "sme_bureau"),
        "tech_incubator": ("科技孵化器", "science"),
        "commerce_cluster": ("商贸企业集聚区", "commerce"),
        "micro_incubation_park": ("微型企业孵化园", "business_registration"),
    }
    startup = kinds["startup_base"]
    assert [c["code"] for c in startup["criteria"]] == STARTUP_CRITERIA
    assert startup["criteria"][4]["text"] == "创业辅导服务体系健全"
    # the plan sets no minimum area
    assert all(kind["min_area_m2"] is None and kind["version"] == 1 for kind in kinds.values())
    one = funding_client.get("/v1/base-kinds/maker_space", headers=funding_headers())
    assert one.status_code == 200 and one.headers["ETag"] == '"maker_space.1"'
    _problem(funding_client.get("/v1/base-kinds/bakery", headers=funding_headers()), 422,
             "validation_failed")  # fmt: skip


def test_the_office_sets_a_kinds_standards_with_if_match(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    url = "/v1/base-kinds/startup_base"
    body = {"criteria": [{"code": "mentoring_system", "text": "创业辅导服务体系健全"}],
            "min_area_m2": 5000}  # fmt: skip
    _problem(funding_client.put(url, json=body, headers=funding_headers()), 428,
             "if_match_required")  # fmt: skip
    stale = {**funding_headers(), "If-Match": '"startup_base.7"'}
    _problem(funding_client.put(url, json=body, headers=stale), 412, "stale_etag")
    by_department = {**department(funding_headers), "If-Match": '"startup_base.1"'}
    _problem(funding_client.put(url, json=body, headers=by_department), 403,
             "forbidden_client_kind")  # fmt: skip
    twice = {"criteria": body["criteria"] * 2}
    fresh = {**funding_headers(), "If-Match": '"startup_base.1"'}
    invalid = funding_client.put(url, json=twice, headers=fresh)
    _problem(invalid, 422, "validation_failed")
    unchanged = funding_client.get(url, headers=funding_headers()).json()
    assert unchanged["version"] == 1 and len(unchanged["criteria"]) == 5

    answer = funding_client.put(url, json=body, headers=fresh)
    assert answer.status_code == 200, answer.text
    assert answer.headers["ETag"] == '"startup_base.2"'
    assert answer.json()["min_area_m2"] == 5000 and answer.json()["version"] == 2
    assert answer.json()["department"] == "sme_bureau"
    assert events(funding_client, funding_headers, "base_kind.updated") == [
        {"code": "startup_base", "version": 2, "min_area_m2": 5000}
    ]


# --- filing --------------------------------------------------------------------------------


def test_a_district_files_a_base(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    answer = funding_client.post(
        "/v1/bases", json=filing(), headers=district(funding_headers, "xiaodian")
    )
    assert answer.status_code == 201, answer.text
    base = answer.json()
    assert base["id"].startswith("bas_")
    assert answer.headers["Location"] == f"/v1/bases/{base['id']}"
    assert answer.headers["ETag"] == f'"{base["id"]}.1"'
    assert {k: base[k] for k in ("operator_uscc", "district", "kind", "area_m2", "opened_on",
                                  "status", "department", "filed_by", "version")} == {
        "operator_uscc": USCC, "district": "xiaodian", "kind": "startup_base", "area_m2": 12000,
        "opened_on": "2014-09-01", "status": "filed", "department": "sme_bureau",
        "filed_by": "cli_xiaodian", "version": 1,
    }  # fmt: skip
    assert read(funding_client, funding_headers, base["id"]) == base
    assert (base["decided_at"], base["decided_by"]) == (None, None)
    [filed] = history(funding_client, funding_headers, base["id"])
    assert filed["seq"] == 1 and filed["action"] == "filed" and filed["status"] == "filed"
    assert filed["actor"] == "cli_xiaodian" and filed["details"]["area_m2"] == 12000
    assert events(funding_client, funding_headers, "base.filed") == [
        {"id": base["id"], "operator_uscc": USCC, "district": "xiaodian",
         "kind": "startup_base", "area_m2": 12000, "status": "filed", "version": 1}
    ]  # fmt: skip


def test_filing_refusals_change_nothing(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    file_base(funding_client, funding_headers)
    xiaodian = district(funding_headers, "xiaodian")
    tomorrow = shanghai_today().toordinal() + 1
    from datetime import date

    cases = [
        # a responsible department is not a district
        (filing(), department(funding_headers, "science"), 403, "not_a_district"),
        # a district files only in its own district
        (filing(district="yingze"), xiaodian, 403, "not_your_district"),
        (filing(district="wanbailin"), xiaodian, 403, "not_your_district"),  # sorting before
        # the office and enterprises file no base
        (filing(), funding_headers(), 403, "forbidden_client_kind"),
        (filing(), funding_headers(kind="enterprise"), 403, "forbidden_client_kind"),
        # a department without funding:accept
        (filing(), funding_headers(kind="department", org="xiaodian", scopes=["funding:read"]),
         403, "insufficient_scope"),
        (filing(opened_on=date.fromordinal(tomorrow).isoformat()), xiaodian, 422,
         "opening_in_future"),
        # one live base per operator and kind
        (filing(name="Another name"), xiaodian, 409, "base_already_filed"),
        (filing(operator_uscc="9114010"), xiaodian, 422, "validation_failed"),
        (filing(area_m2=0), xiaodian, 422, "validation_failed"),
        (filing(kind="bakery"), xiaodian, 422, "validation_failed"),
        (filing(extra="x"), xiaodian, 422, "validation_failed"),
    ]  # fmt: skip
    for body, headers, status, code in cases:
        problem = _problem(funding_client.post("/v1/bases", json=body, headers=headers), status,
                           code)  # fmt: skip
        if code == "opening_in_future":
            assert problem["errors"][0]["field"] == "body.opened_on"
        if code == "validation_failed":
            assert problem["errors"], problem
    assert _count(funding_client, funding_headers) == 1
    assert len(events(funding_client, funding_headers, "base.filed")) == 1
    # a base opened today is filed today
    opened_today = file_base(
        funding_client,
        funding_headers,
        operator_uscc="91140100MA0K000001",
        opened_on=shanghai_today().isoformat(),
    )
    assert opened_today["opened_on"] == shanghai_today().isoformat()
    # another operator, or another kind for the same operator (sorting before or after the
    # live one's), is a new base
    file_base(funding_client, funding_headers, operator_uscc=OTHER_USCC)
    file_base(funding_client, funding_headers, kind="maker_space")
    file_base(funding_client, funding_headers, kind="tech_incubator")
    assert _count(funding_client, funding_headers) == 5


def test_a_filing_retried_with_its_idempotency_key_files_one_base(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    headers = {**district(funding_headers), "Idempotency-Key": "filing-0001"}
    first = funding_client.post("/v1/bases", json=filing(), headers=headers)
    again = funding_client.post("/v1/bases", json=filing(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    other = funding_client.post("/v1/bases", json=filing(area_m2=1), headers=headers)
    _problem(other, 422, "idempotency_key_reused")
    assert _count(funding_client, funding_headers) == 1


# --- decisions -----------------------------------------------------------------------------


def test_the_responsible_department_admits_against_the_standards(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    base = file_base(funding_client, funding_headers)
    answer = funding_client.post(
        f"/v1/bases/{base['id']}/decision",
        json={"decision": "admit", "assessment": all_met(), "reasons": ["Strong mentoring."]},
        headers={**department(funding_headers), "If-Match": f'"{base["id"]}.1"'},
    )
    assert answer.status_code == 200, answer.text
    admitted = answer.json()
    assert admitted["status"] == "admitted" and admitted["version"] == 2
    assert admitted["standards_version"] == 1 and admitted["decided_by"] == "cli_sme_bureau"
    decided_at = datetime.fromisoformat(admitted["decided_at"])
    assert decided_at.tzinfo is not None
    assert abs(datetime.now(UTC) - decided_at) < timedelta(minutes=5)
    assert admitted["admitted_on"] == shanghai_today().isoformat()
    assert admitted["decision_reasons"] == ["Strong mentoring."]
    assert answer.headers["ETag"] == f'"{base["id"]}.2"'
    entry = history(funding_client, funding_headers, base["id"])[-1]
    assert entry["action"] == "admitted" and entry["status"] == "admitted"
    assert entry["details"]["standards_version"] == 1
    assert [a["criterion"] for a in entry["details"]["assessment"]] == STARTUP_CRITERIA
    [event] = events(funding_client, funding_headers, "base.admitted")
    assert event["id"] == base["id"] and event["status"] == "admitted"
    # decided once
    again = funding_client.post(
        f"/v1/bases/{base['id']}/decision",
        json={"decision": "refuse", "reasons": ["Changed our mind."]},
        headers=department(funding_headers),
    )
    _problem(again, 409, "base_status_conflict")
    assert read(funding_client, funding_headers, base["id"]) == admitted


def test_only_the_responsible_department_decides(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    base = file_base(funding_client, funding_headers)
    body = {"decision": "admit", "assessment": all_met()}
    url = f"/v1/bases/{base['id']}/decision"
    for headers, status, code in [
        (department(funding_headers, "science"), 403, "not_responsible_department"),
        (district(funding_headers, "xiaodian"), 403, "not_responsible_department"),
        (funding_headers(), 403, "forbidden_client_kind"),
        ({**department(funding_headers), "If-Match": '"stale.1"'}, 412, "stale_etag"),
    ]:
        _problem(funding_client.post(url, json=body, headers=headers), status, code)
    _problem(funding_client.post("/v1/bases/bas_nope/decision", json=body,
                                 headers=department(funding_headers)), 404, "base_not_found")  # fmt: skip
    assert read(funding_client, funding_headers, base["id"]) == base
    assert len(history(funding_client, funding_headers, base["id"])) == 1
    # a maker space is the science bureau's
    maker = file_base(funding_client, funding_headers, kind="maker_space")
    _problem(funding_client.post(f"/v1/bases/{maker['id']}/decision", json=body,
                                 headers=department(funding_headers)), 403,
             "not_responsible_department")  # fmt: skip


def test_admission_needs_every_criterion_assessed_and_met(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    base = file_base(funding_client, funding_headers)
    url = f"/v1/bases/{base['id']}/decision"
    headers = department(funding_headers)
    partial = {"decision": "admit", "assessment": all_met()[:3]}
    problem = _problem(funding_client.post(url, json=partial, headers=headers), 422,
                       "criteria_incomplete")  # fmt: skip
    assert "incubation_capacity, mentoring_system" in problem["errors"][0]["message"]
    unmet = all_met()
    unmet[4] = {"criterion": "mentoring_system", "met": False, "note": "no mentors"}
    problem = _problem(funding_client.post(url, json={"decision": "admit", "assessment": unmet},
                                           headers=headers), 422, "standards_not_met")  # fmt: skip
    assert "mentoring_system: 创业辅导服务体系健全 (no mentors)" in problem["errors"][0]["message"]
    unknown = [*all_met(), {"criterion": "open_services", "met": True}]
    problem = _problem(funding_client.post(url, json={"decision": "admit", "assessment": unknown},
                                           headers=headers), 422, "criterion_unknown")  # fmt: skip
    assert problem["errors"][0]["field"] == "body.assessment[5].criterion"
    twice = [*all_met(), {"criterion": "reused_space", "met": True}]
    _problem(funding_client.post(url, json={"decision": "admit", "assessment": twice},
                                 headers=headers), 422, "validation_failed")  # fmt: skip
    assert read(funding_client, funding_headers, base["id"]) == base
    assert events(funding_client, funding_headers, "base.admitted") == []


def test_a_refusal_states_its_reasons(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    base = file_base(funding_client, funding_headers)
    url = f"/v1/bases/{base['id']}/decision"
    headers = department(funding_headers)
    nothing = {"decision": "refuse", "assessment": all_met()}
    _problem(funding_client.post(url, json=nothing, headers=headers), 422,
             "refusal_reason_required")  # fmt: skip
    _problem(funding_client.post(url, json={"decision": "refuse", "reasons": ["  "]},
                                 headers=headers), 422, "validation_failed")  # fmt: skip
    assert read(funding_client, funding_headers, base["id"])["status"] == "filed"
    body = {
        "decision": "refuse",
        "assessment": [{"criterion": "reused_space", "met": False}],
        "reasons": ["The building is a new lease, not a conversion."],
    }
    answer = funding_client.post(url, json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    refused = answer.json()
    assert refused["status"] == "refused"
    assert refused["decision_reasons"] == [
        "reused_space: 通过利用对闲置土地、厂房、楼宇等资源的改造,打造新的物理空间",
        "The building is a new lease, not a conversion.",
    ]
    [event] = events(funding_client, funding_headers, "base.refused")
    assert event["reasons"] == refused["decision_reasons"]
    # a refused base changes no more; the operator may be filed again
    patch = funding_client.patch(f"/v1/bases/{base['id']}", json={"area_m2": 9000},
                                 headers={**district(funding_headers),
                                          "If-Match": f'"{base["id"]}.2"'})  # fmt: skip
    _problem(patch, 409, "base_status_conflict")
    again = funding_client.post(
        url, json={"decision": "admit", "assessment": all_met()}, headers=headers
    )
    assert "was decided already" in _problem(again, 409, "base_status_conflict")["detail"]
    assert read(funding_client, funding_headers, base["id"])["status"] == "refused"
    file_base(funding_client, funding_headers)


def test_a_minimum_area_set_by_the_office_is_part_of_the_standards(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    kind = funding_client.get("/v1/base-kinds/startup_base", headers=funding_headers()).json()
    answer = funding_client.put(
        "/v1/base-kinds/startup_base",
        json={"criteria": kind["criteria"], "min_area_m2": 5000},
        headers={**funding_headers(), "If-Match": '"startup_base.1"'},
    )
    assert answer.status_code == 200
    small = file_base(funding_client, funding_headers, area_m2=3000)
    url = f"/v1/bases/{small['id']}/decision"
    problem = _problem(funding_client.post(url, json={"decision": "admit", "assessment": all_met()},
                                           headers=department(funding_headers)), 422,
                       "standards_not_met")  # fmt: skip
    assert "area: 3000 m² is below the minimum of 5000 m²" in problem["errors"][0]["message"]
    refused = funding_client.post(url, json={"decision": "refuse"},
                                  headers=department(funding_headers))  # fmt: skip
    assert refused.status_code == 200, refused.text
    assert refused.json()["decision_reasons"] == ["area: 3000 m² is below the minimum of 5000 m²"]
    assert refused.json()["standards_version"] == 2
    large = admitted_base(funding_client, funding_headers, operator_uscc=OTHER_USCC, area_m2=5000)
    assert large["status"] == "admitted" and large["standards_version"] == 2
    larger = admitted_base(
        funding_client, funding_headers, operator_uscc="91140100MA0K000001", area_m2=8000
    )
    assert larger["status"] == "admitted" and larger["decision_reasons"] == []


# --- corrections ---------------------------------------------------------------------------


def test_the_district_corrects_a_base_with_if_match_and_the_history_keeps_both_values(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    base = admitted_base(funding_client, funding_headers)
    url = f"/v1/bases/{base['id']}"
    own = district(funding_headers)
    body = {"area_m2": 15000, "name": "小店区青年创业园(二期)"}
    _problem(funding_client.patch(url, json=body, headers=own), 428, "if_match_required")
    _problem(funding_client.patch(url, json=body, headers={**own, "If-Match": f'"{base["id"]}.1"'}),
             412, "stale_etag")  # fmt: skip
    current = {"If-Match": f'"{base["id"]}.2"'}
    _problem(funding_client.patch(url, json=body, headers={**district(funding_headers, "yingze"),
                                                           **current}), 403,
             "not_your_district")  # fmt: skip
    _problem(funding_client.patch(url, json=body, headers={**district(funding_headers, "wanbailin"),
                                                           **current}), 403,
             "not_your_district")  # fmt: skip
    _problem(funding_client.patch(url, json=body, headers={**department(funding_headers),
                                                           **current}), 403,
             "not_a_district")  # fmt: skip
    _problem(funding_client.patch(url, json={}, headers={**own, **current}), 422,
             "validation_failed")  # fmt: skip
    _problem(funding_client.patch(url, json={"area_m2": None}, headers={**own, **current}), 422,
             "validation_failed")  # fmt: skip
    _problem(funding_client.patch(url, json={"kind": "maker_space"}, headers={**own, **current}),
             422, "validation_failed")  # fmt: skip
    assert read(funding_client, funding_headers, base["id"]) == base

    answer = funding_client.patch(url, json=body, headers={**own, **current})
    assert answer.status_code == 200, answer.text
    assert answer.json()["area_m2"] == 15000 and answer.json()["version"] == 3
    assert answer.headers["ETag"] == f'"{base["id"]}.3"'
    entry = history(funding_client, funding_headers, base["id"])[-1]
    assert entry["action"] == "updated" and entry["status"] == "admitted"
    assert entry["details"] == {
        "area_m2": {"from": 12000, "to": 15000},
        "name": {"from": "小店区青年创业园", "to": "小店区青年创业园(二期)"},
    }
    [event] = events(funding_client, funding_headers, "base.updated")
    assert event["fields"] == ["area_m2", "name"] and event["area_m2"] == 15000
    # another operator's live base of the kind is not taken over
    other = file_base(funding_client, funding_headers, operator_uscc=OTHER_USCC)
    taken = funding_client.patch(url, json={"operator_uscc": OTHER_USCC},
                                 headers={**own, "If-Match": f'"{base["id"]}.3"'})  # fmt: skip
    assert _problem(taken, 409, "base_already_filed")["errors"][0]["field"] == "body.operator_uscc"
    assert other["status"] == "filed"
    earlier = file_base(funding_client, funding_headers, operator_uscc="91140100MA0K000001")
    assert USCC > "91140100MA0K000001"  # an operator sorting before is no more free
    taken = funding_client.patch(url, json={"operator_uscc": "91140100MA0K000001"},
                                 headers={**own, "If-Match": f'"{base["id"]}.3"'})  # fmt: skip
    assert _problem(taken, 409, "base_already_filed")["errors"][0]["field"] == "body.operator_uscc"
    assert earlier["status"] == "filed"
    # naming the operator it has is no take-over: only the other field changes
    renamed = funding_client.patch(
        url,
        json={"operator_uscc": USCC, "name": "小店区青年创业园"},
        headers={**own, "If-Match": f'"{base["id"]}.3"'},
    )
    assert renamed.status_code == 200 and renamed.json()["version"] == 4, renamed.text
    assert history(funding_client, funding_headers, base["id"])[-1]["details"] == {
        "name": {"from": "小店区青年创业园(二期)", "to": "小店区青年创业园"}
    }
    body = {**body, "name": "小店区青年创业园"}
    # the same values again change nothing
    same = funding_client.patch(url, json=body, headers={**own, "If-Match": f'"{base["id"]}.4"'})
    assert same.status_code == 200 and same.json()["version"] == 4
    assert len(history(funding_client, funding_headers, base["id"])) == 4
    # a smaller value is a change like a larger one
    smaller = funding_client.patch(
        url, json={"area_m2": 11000}, headers={**own, "If-Match": f'"{base["id"]}.4"'}
    )
    assert smaller.status_code == 200 and smaller.json()["version"] == 5
    entry = history(funding_client, funding_headers, base["id"])[-1]
    assert entry["details"] == {"area_m2": {"from": 15000, "to": 11000}}


# --- lists ---------------------------------------------------------------------------------


def test_the_list_filters_by_district_kind_and_status_and_pages(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    first = admitted_base(funding_client, funding_headers)
    second = file_base(funding_client, funding_headers, kind="maker_space")
    third = file_base(funding_client, funding_headers, district="yingze", operator_uscc=OTHER_USCC)

    def ids(**params: Any) -> list[str]:
        answer = funding_client.get(
            "/v1/bases", params=params, headers=funding_headers(kind="bank")
        )
        assert answer.status_code == 200, answer.text
        return [item["id"] for item in answer.json()["items"]]

    assert ids() == [first["id"], second["id"], third["id"]]
    assert ids(district="xiaodian") == [first["id"], second["id"]]
    assert ids(kind="maker_space") == [second["id"]]
    assert ids(status="filed") == [second["id"], third["id"]]
    assert ids(status="filed", district="yingze") == [third["id"]]
    assert ids(department="science") == [second["id"]]
    assert ids(operator_uscc=OTHER_USCC) == [third["id"]]
    assert ids(status="exited") == []
    # what a block allocation reads: the bases in the programme now
    database: Database = funding_app.state.database
    with database.session() as session:
        assert [b.id for b in admitted_bases(session=session)] == [first["id"]]
        assert admitted_bases(session=session, district="yingze") == []  # sorts after
        assert admitted_bases(session=session, district="wanbailin") == []  # sorts before
        assert [b.id for b in admitted_bases(session=session, district="xiaodian")] == [first["id"]]
    page = funding_client.get("/v1/bases", params={"limit": 2}, headers=funding_headers()).json()
    assert [item["id"] for item in page["items"]] == [first["id"], second["id"]]
    rest = funding_client.get("/v1/bases", params={"limit": 2, "cursor": page["next_cursor"]},
                              headers=funding_headers()).json()  # fmt: skip
    assert [item["id"] for item in rest["items"]] == [third["id"]] and rest["next_cursor"] is None
    for params in ({"status": "closed"}, {"kind": "bakery"}, {"cursor": "!!"}, {"limit": 0}):
        _problem(funding_client.get("/v1/bases", params=params, headers=funding_headers()), 422,
                 "invalid_cursor" if "cursor" in params else "validation_failed")  # fmt: skip
    _problem(funding_client.get("/v1/bases", headers=funding_headers(scopes=[])), 403,
             "insufficient_scope")  # fmt: skip
    _problem(funding_client.get("/v1/bases/bas_nope", headers=funding_headers()), 404,
             "base_not_found")  # fmt: skip
    _problem(funding_client.get("/v1/bases/bas_nope/history", headers=funding_headers()), 404,
             "base_not_found")  # fmt: skip


def test_the_history_pages(funding_client: TestClient, funding_headers: FundingHeaders) -> None:
    base = admitted_base(funding_client, funding_headers)
    report(funding_client, funding_headers, base, 2024)
    url = f"/v1/bases/{base['id']}/history"
    first = funding_client.get(url, params={"limit": 2}, headers=funding_headers()).json()
    assert [entry["seq"] for entry in first["items"]] == [1, 2]
    rest = funding_client.get(url, params={"limit": 2, "cursor": first["next_cursor"]},
                              headers=funding_headers()).json()  # fmt: skip
    assert [(e["seq"], e["action"]) for e in rest["items"]] == [(3, "kpi_reported")]
    assert rest["next_cursor"] is None


# --- KPIs ----------------------------------------------------------------------------------


def test_kpi_reports_one_per_year_corrected_with_if_match(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    base = admitted_base(funding_client, funding_headers)
    url = f"/v1/bases/{base['id']}/kpis/2025"
    own = district(funding_headers)
    first = funding_client.put(url, json=kpis(), headers=own)
    assert first.status_code == 201, first.text
    assert first.headers["Location"] == url
    assert first.headers["ETag"] == f'"{base["id"]}.2025.1"'
    assert first.json() | {"created_at": None, "updated_at": None} == {
        "base_id": base["id"], "year": 2025, **kpis(), "version": 1,
        "reported_by": "cli_xiaodian", "created_at": None, "updated_at": None,
    }  # fmt: skip
    corrected = kpis(jobs_created=290)
    _problem(funding_client.put(url, json=corrected, headers=own), 428, "if_match_required")
    _problem(funding_client.put(url, json=corrected,
                                headers={**own, "If-Match": f'"{base["id"]}.2025.7"'}), 412,
             "stale_etag")  # fmt: skip
    assert funding_client.get(url, headers=funding_headers()).json()["jobs_created"] == 310

    answer = funding_client.put(
        url, json=corrected, headers={**own, "If-Match": first.headers["ETag"]}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["jobs_created"] == 290 and answer.json()["version"] == 2
    assert "Location" not in answer.headers
    got = funding_client.get(url, headers=funding_headers())
    assert got.headers["ETag"] == f'"{base["id"]}.2025.2"' and got.json() == answer.json()
    report(funding_client, funding_headers, base, 2024, jobs_created=12)
    listed = funding_client.get(f"/v1/bases/{base['id']}/kpis", headers=funding_headers()).json()
    assert [(k["year"], k["jobs_created"]) for k in listed] == [(2024, 12), (2025, 290)]
    actions = [(e["action"], e["details"].get("year")) for e in
               history(funding_client, funding_headers, base["id"])]  # fmt: skip
    assert actions[2:] == [("kpi_reported", 2025), ("kpi_corrected", 2025), ("kpi_reported", 2024)]
    correction = history(funding_client, funding_headers, base["id"])[3]["details"]
    assert correction["previous"] == kpis() and correction["figures"] == corrected
    assert correction["version"] == 2
    reported = events(funding_client, funding_headers, "base.kpi_reported")
    assert [(e["year"], e["version"], e["jobs_created"]) for e in reported] == [
        (2025, 1, 310), (2025, 2, 290), (2024, 1, 12)
    ]  # fmt: skip


def test_kpi_refusals_change_nothing(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    filed = file_base(funding_client, funding_headers)
    base = admitted_base(
        funding_client, funding_headers, operator_uscc=OTHER_USCC, opened_on="2016-03-01"
    )
    own = district(funding_headers)
    next_year = shanghai_today().year + 1

    def put(base_id: str, year: int, headers: dict[str, str], **body: Any) -> Any:
        return funding_client.put(f"/v1/bases/{base_id}/kpis/{year}", json=kpis() | body,
                                  headers=headers)  # fmt: skip

    _problem(put(filed["id"], 2025, own), 409, "base_status_conflict")
    _problem(put(base["id"], next_year, own), 422, "future_period")
    problem = _problem(put(base["id"], 2015, own), 422, "kpi_year_invalid")
    assert problem["errors"][0]["field"] == "path.year"
    _problem(put(base["id"], 2016, own, jobs_created=-1), 422, "validation_failed")
    _problem(put(base["id"], 2016, own, private_money_fen=10**16), 422, "validation_failed")
    _problem(put(base["id"], 2016, district(funding_headers, "yingze")), 403, "not_your_district")
    _problem(put(base["id"], 2016, department(funding_headers)), 403, "not_a_district")
    _problem(put(base["id"], 2016, funding_headers()), 403, "forbidden_client_kind")
    _problem(put(base["id"], 2016, {**own, "If-Match": '"x.1"'}), 412, "stale_etag")
    # No report yet: no tag matches it, `*` included (RFC 9110 13.1.1), the "version 0" neither.
    for tag in ("*", f'"{base["id"]}.2016.0"', f'"{base["id"]}.2016.1"'):
        _problem(put(base["id"], 2016, {**own, "If-Match": tag}), 412, "stale_etag")
    _problem(put("bas_nope", 2016, own), 404, "base_not_found")
    _problem(put(base["id"], 1999, own), 422, "validation_failed")
    assert (
        funding_client.get(f"/v1/bases/{base['id']}/kpis", headers=funding_headers()).json() == []
    )
    _problem(funding_client.get(f"/v1/bases/{base['id']}/kpis/2016", headers=funding_headers()),
             404, "kpi_not_found")  # fmt: skip
    assert events(funding_client, funding_headers, "base.kpi_reported") == []
    # the opening year is the first a base reports for
    assert report(funding_client, funding_headers, base, 2016)["year"] == 2016


def test_a_report_whose_year_was_filled_unseen_is_refused_by_the_database(
    funding_client: TestClient, funding_headers: FundingHeaders, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard behind the base's row lock: a report that did not see its year's report (as
    if written at the same moment) meets the unique (base, year) key: 409 `kpi_exists`, and
    the first report, the history and the feed stay as they were."""
    base = admitted_base(funding_client, funding_headers)
    first = report(funding_client, funding_headers, base, 2016)
    monkeypatch.setattr(bases_service, "kpi_for", lambda **_: None)
    second = funding_client.put(
        f"/v1/bases/{base['id']}/kpis/2016",
        json=kpis(jobs_created=1),
        headers=district(funding_headers),
    )
    monkeypatch.undo()
    problem = _problem(second, 409, "kpi_exists")
    assert problem["detail"] == f"Base {base['id']} has a report for 2016 already."
    kept = funding_client.get(f"/v1/bases/{base['id']}/kpis/2016", headers=funding_headers())
    assert kept.json() == first
    assert [e["action"] for e in history(funding_client, funding_headers, base["id"])] == [
        "filed",
        "admitted",
        "kpi_reported",
    ]
    assert len(events(funding_client, funding_headers, "base.kpi_reported")) == 1


def test_an_exited_base_reports_up_to_its_exit_year_only(
    funding_client: TestClient, funding_headers: FundingHeaders, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A base that left the programme in 2024 reports for 2024 and earlier, not for the later
    years that have begun since."""
    base = admitted_base(funding_client, funding_headers)
    monkeypatch.setattr(bases_service, "today", lambda: date(2024, 6, 30))
    exited = funding_client.post(
        f"/v1/bases/{base['id']}/exit",
        json={"reason": "Closed its premises."},
        headers=department(funding_headers),
    )
    monkeypatch.undo()
    assert exited.status_code == 200 and exited.json()["exited_on"] == "2024-06-30"
    own = district(funding_headers)
    after = funding_client.put(f"/v1/bases/{base['id']}/kpis/2025", json=kpis(), headers=own)
    problem = _problem(after, 422, "kpi_year_invalid")
    assert problem["errors"][0]["message"] == f"base {base['id']} reports for 2014 to 2024"
    assert report(funding_client, funding_headers, base, 2024)["year"] == 2024
    assert [
        k["year"]
        for k in funding_client.get(
            f"/v1/bases/{base['id']}/kpis", headers=funding_headers()
        ).json()
    ] == [2024]


def test_only_the_responsible_department_decides_even_behind_the_routes(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """The decision route admits only department clients; the service holds the line on its
    own too: another kind whose org happens to be the responsible department's decides
    nothing."""
    base = file_base(funding_client, funding_headers)
    data = BaseDecisionCreate.model_validate({"decision": "admit", "assessment": all_met()})
    for kind, org in (
        (ClientKind.ADMIN, "sme_bureau"),
        (ClientKind.BANK, "sme_bureau"),
        (ClientKind.SERVICE, "sme_bureau"),
        (ClientKind.SERVICE, None),
    ):
        caller = Principal(client_id="cli_x", kind=kind, org=org, scopes=frozenset())
        refused = pytest.raises(
            NotResponsibleDepartment,
            match=f"^Bases of kind startup_base are the sme_bureau department's; this client acts "
            f"for {org or 'no department'}\\.$",
        )
        with funding_app.state.database.transaction() as session, refused:
            bases_service.decide(
                session=session,
                principal=caller,
                base_id=base["id"],
                data=data,
                precondition=Precondition(None, required=False),
            )
    assert read(funding_client, funding_headers, base["id"])["status"] == "filed"


def test_only_a_department_client_acts_as_a_district_even_behind_the_routes(
    funding_app: FastAPI,
) -> None:
    """The routes admit only department clients to filing; the service holds the line on its
    own too: another kind whose org happens to be a district code is no district."""
    data = BaseCreate.model_validate(filing())
    for kind in (ClientKind.ADMIN, ClientKind.BANK, ClientKind.SERVICE):
        caller = Principal(client_id="cli_x", kind=kind, org="xiaodian", scopes=frozenset())
        refused = pytest.raises(NotADistrict, match="a department client whose org is a district")
        with funding_app.state.database.transaction() as session, refused:
            bases_service.file_base(session=session, principal=caller, data=data)
    caller = Principal(
        client_id="cli_x", kind=ClientKind.DEPARTMENT, org="xiaodian", scopes=frozenset()
    )
    with funding_app.state.database.transaction() as session:
        assert bases_service.file_base(session=session, principal=caller, data=data).district == (
            "xiaodian"
        )


# --- exit by decision ----------------------------------------------------------------------


def test_exit_by_decision(funding_client: TestClient, funding_headers: FundingHeaders) -> None:
    base = admitted_base(funding_client, funding_headers)
    filed = file_base(funding_client, funding_headers, operator_uscc=OTHER_USCC)
    url = f"/v1/bases/{base['id']}/exit"
    body = {"reason": "The operator stopped incubation services."}
    _problem(funding_client.post(url, json=body, headers=department(funding_headers, "science")),
             403, "not_responsible_department")  # fmt: skip
    _problem(funding_client.post(url, json=body, headers=district(funding_headers)), 403,
             "not_responsible_department")  # fmt: skip
    _problem(funding_client.post(url, json={"reason": ""}, headers=department(funding_headers)),
             422, "validation_failed")  # fmt: skip
    _problem(funding_client.post(f"/v1/bases/{filed['id']}/exit", json=body,
                                 headers=department(funding_headers)), 409,
             "base_status_conflict")  # fmt: skip
    assert read(funding_client, funding_headers, base["id"]) == base

    answer = funding_client.post(url, json=body, headers=department(funding_headers))
    assert answer.status_code == 200, answer.text
    exited = answer.json()
    assert exited["status"] == "exited" and exited["exit_kind"] == "decision"
    assert exited["exit_reason"] == body["reason"]
    assert exited["exited_on"] == shanghai_today().isoformat()
    entry = history(funding_client, funding_headers, base["id"])[-1]
    assert entry["action"] == "exited" and entry["details"]["exit_kind"] == "decision"
    [event] = events(funding_client, funding_headers, "base.exited")
    assert event["id"] == base["id"] and event["exit_kind"] == "decision"
    _problem(funding_client.post(url, json=body, headers=department(funding_headers)), 409,
             "base_status_conflict")  # fmt: skip
    # the operator may have a new base of the kind once the old one is out
    replacement = admitted_base(funding_client, funding_headers)
    # the demonstration office may decide an exit too
    by_office = funding_client.post(f"/v1/bases/{replacement['id']}/exit", json=body,
                                    headers=funding_headers())  # fmt: skip
    assert by_office.status_code == 200 and by_office.json()["status"] == "exited"
    # an exited base still reports the years up to its exit, and no later
    report(funding_client, funding_headers, exited, shanghai_today().year)


# --- the gateway's route table -------------------------------------------------------------


def test_the_gateway_lets_departments_through_to_every_base_and_acceptance_write() -> None:
    from gateway.auth.scopes import DEFAULT_SCOPES, rule_for
    from services.common.identity import ClientKind

    department_scopes = set(DEFAULT_SCOPES[ClientKind.DEPARTMENT])
    assert {"funding:read", "funding:accept"} <= department_scopes
    assert "funding:admin" not in department_scopes
    writes = {
        ("POST", "/v1/bases"): "funding:accept",
        ("PATCH", "/v1/bases/bas_1"): "funding:accept",
        ("POST", "/v1/bases/bas_1/decision"): "funding:accept",
        ("POST", "/v1/bases/bas_1/exit"): "funding:accept",
        ("PUT", "/v1/bases/bas_1/kpis/2025"): "funding:accept",
        ("POST", "/v1/bases/bas_1/acceptance"): "funding:accept",
        ("PUT", "/v1/base-kinds/maker_space"): "funding:admin",  # the office's alone
        ("GET", "/v1/bases/bas_1/history"): "funding:read",
        ("GET", "/v1/acceptances"): "funding:read",
    }
    got = {}
    for method, path in writes:
        rule = rule_for("funding", path)
        assert rule is not None
        got[(method, path)] = rule.scope_for(method)
    assert got == writes


def test_two_bases_keep_their_own_history_kpis_and_district_listing(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """The first base's id sorts before the second's: each reads only its own rows."""
    first = file_base(funding_client, funding_headers)
    second = admitted_base(
        funding_client,
        funding_headers,
        name="迎泽区创业大厦",
        district="yingze",
        operator_uscc=OTHER_USCC,
    )
    assert first["id"] < second["id"]
    report(funding_client, funding_headers, second, 2025, jobs_created=22)
    # the first base's history goes on from its own last entry, not the second's
    admitted = funding_client.post(
        f"/v1/bases/{first['id']}/decision",
        json={"decision": "admit", "assessment": all_met()},
        headers=department(funding_headers),
    )
    assert admitted.status_code == 200, admitted.text
    report(funding_client, funding_headers, first, 2024, jobs_created=11)
    for base, year, jobs in ((first, 2024, 11), (second, 2025, 22)):
        entries = history(funding_client, funding_headers, base["id"])
        assert [(e["seq"], e["action"]) for e in entries] == [
            (1, "filed"),
            (2, "admitted"),
            (3, "kpi_reported"),
        ]
        listed = funding_client.get(f"/v1/bases/{base['id']}/kpis", headers=funding_headers())
        assert [(k["year"], k["jobs_created"]) for k in listed.json()] == [(year, jobs)]
    # a year the base has not reported is not found, though the other base reported it
    for base, year in ((first, 2025), (second, 2024), (first, 2026)):
        missing = funding_client.get(
            f"/v1/bases/{base['id']}/kpis/{year}", headers=funding_headers()
        )
        _problem(missing, 404, "kpi_not_found")
    for code, base in (("xiaodian", first), ("yingze", second)):
        page = funding_client.get(
            "/v1/bases", params={"district": code}, headers=funding_headers()
        ).json()
        assert [b["id"] for b in page["items"]] == [base["id"]]
