"""The credit service's rule sets through its API: checked on save, never changed once used,
in force from their date, dry-run with a trace.

The migrations load version 1 of each family (`LOADED`, in force from 2015-01-01): versions
saved here are numbered after it.
"""

import threading
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.db import Database
from services.common.etag import Precondition
from services.common.identity import ClientKind, Principal
from services.common.rules import errors as rule_errors
from services.common.rules import evaluate_in_force, get_rule_set, mark_used
from services.common.rules.schemas import RuleSetUpdate
from services.common.rules.service import replace_rule_set
from services.credit.rulesets.families import FAMILIES
from tests.credit.conftest import CreditHeaders

SCORECARD: dict[str, Any] = {
    "family": "credit.scorecard",
    "effective_from": "2026-01-01",
    "description": "2026 scorecard",
    "inputs": {"years_operating": "int", "negative_records": "int", "on_time_loans": "int"},
    "parameters": {"max_score": {"type": "int", "value": 1000}, "penalty": {"type": "int", "value": 120}},
    "rules": [
        {"name": "base", "expression": "600 + math.least(years_operating, 10) * 20"},
        {"name": "loans", "expression": "on_time_loans * 15"},
        {"name": "negatives", "expression": "negative_records * penalty"},
        {"name": "total", "expression": "math.least(max_score, base + loans - negatives)"},
        {"name": "score", "expression": "math.greatest(0, total)"},
        {"name": "grade", "expression": 'score >= 650 ? "A" : "B"'},
        {"name": "reason_codes", "expression": '{"negatives": "R02_NEGATIVE_RECORDS"}'},
    ],
}  # fmt: skip
LOADED = 1  # the family's version loaded by the migration (credit_0008)
INPUTS = {"years_operating": 6, "negative_records": 1, "on_time_loans": 4}


@pytest.fixture
def admin(credit_headers: CreditHeaders) -> dict[str, str]:
    return credit_headers(kind="admin", org=None, client_id="cli_rules_admin")


def create(client: TestClient, headers: dict[str, str], **changes: Any) -> Any:
    answer = client.post("/v1/rule-sets", json={**SCORECARD, **changes}, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer


def with_rule(index: int, expression: str) -> list[dict[str, str]]:
    rules = [dict(rule) for rule in SCORECARD["rules"]]
    rules[index]["expression"] = expression
    return rules


def test_an_admin_saves_a_version_checked_and_typed(
    credit_client: TestClient, admin: dict[str, str]
) -> None:
    answer = create(credit_client, admin)
    body = answer.json()
    assert body["family"] == "credit.scorecard" and body["version"] == LOADED + 1
    assert body["id"].startswith("rls_")
    assert body["created_by"] == "cli_rules_admin"
    assert body["in_use"] is False and body["used_at"] is None
    assert [(r["name"], r["type"], r["references"]) for r in body["rules"]] == [
        ("base", "int", ["years_operating"]),
        ("loans", "int", ["on_time_loans"]),
        ("negatives", "int", ["negative_records", "penalty"]),
        ("total", "int", ["base", "loans", "max_score", "negatives"]),
        ("score", "int", ["total"]),
        ("grade", "string", ["score"]),
        ("reason_codes", "map<string, string>", []),
    ]
    assert answer.headers["ETag"] == f'"{body["id"]}.1"'
    assert answer.headers["Location"].endswith(f"/v1/rule-sets/{body['id']}")
    read = credit_client.get(f"/v1/rule-sets/{body['id']}", headers=admin)
    assert read.status_code == 200 and read.json() == body
    second = create(credit_client, admin, effective_from="2027-01-01")
    assert second.json()["version"] == LOADED + 2
    events = credit_client.get("/v1/events", headers=admin).json()["items"]
    assert [(e["type"], e["payload"]["version"]) for e in events] == [
        ("rule_set.created", LOADED + 1),
        ("rule_set.created", LOADED + 2),
    ]


@pytest.mark.parametrize(
    ("expression", "code", "message"),
    [
        ("base + loans - fooo", "rule_unknown_variable", "rule 'total': undeclared reference to 'fooo' at 1:16"),
        ("base > \"x\"", "rule_type_error", "rule 'total': no matching overload for '>' applied to (int, string) at 1:6"),
        ('"a" + 1', "rule_type_error", "rule 'total': no matching overload for '+' applied to (string, int) at 1:5"),
        ("base +", "rule_syntax_error", "rule 'total': syntax error: mismatched input '<EOF>'"),
        ("employees * 2", "rule_unknown_variable", "rule 'total': undeclared reference to 'employees' at 1:1"),
    ],
)  # fmt: skip
def test_a_broken_rule_is_refused_naming_the_rule_and_position(
    credit_client: TestClient, admin: dict[str, str], expression: str, code: str, message: str
) -> None:
    loaded = credit_client.get("/v1/rule-sets", headers=admin).json()["items"]
    answer = credit_client.post(
        "/v1/rule-sets", json={**SCORECARD, "rules": with_rule(3, expression)}, headers=admin
    )
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["code"] == code
    [error] = problem["errors"]
    assert error["field"] == "body.rules[3].expression" and error["code"] == code
    assert error["message"].startswith(message), error["message"]
    listed = credit_client.get("/v1/rule-sets", headers=admin).json()["items"]
    assert listed == loaded  # nothing saved


def test_a_rule_set_declares_only_inputs_the_service_supplies(
    credit_client: TestClient, admin: dict[str, str]
) -> None:
    inputs = {**SCORECARD["inputs"], "bribes": "int", "employees": "double"}
    answer = credit_client.post(
        "/v1/rule-sets", json={**SCORECARD, "inputs": inputs}, headers=admin
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "rule_input_not_supplied"
    assert [(e["field"], e["message"]) for e in answer.json()["errors"]] == [
        ("body.inputs.bribes", answer.json()["errors"][0]["message"]),
        ("body.inputs.employees", "input 'employees' is supplied as int, not double"),
    ]
    assert answer.json()["errors"][0]["message"].startswith(
        "input 'bribes' is not supplied by the service"
    )
    unknown = credit_client.post(
        "/v1/rule-sets", json={**SCORECARD, "family": "vouchers.eligibility"}, headers=admin
    )
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "rule_family_unknown"
    assert unknown.json()["errors"][0]["field"] == "body.family"
    listing = credit_client.get("/v1/rule-sets", params={"family": "x.y"}, headers=admin)
    assert listing.status_code == 422 and listing.json()["code"] == "rule_family_unknown"
    assert listing.json()["errors"][0]["field"] == "query.family"
    no_total = credit_client.post(
        "/v1/rule-sets", json={**SCORECARD, "rules": SCORECARD["rules"][:3]}, headers=admin
    )
    assert no_total.status_code == 422 and no_total.json()["code"] == "rule_result_missing"


def test_only_admins_write_and_admins_or_departments_read(
    credit_client: TestClient, credit_headers: CreditHeaders, admin: dict[str, str]
) -> None:
    department = credit_headers(kind="department")
    refused = credit_client.post("/v1/rule-sets", json=SCORECARD, headers=department)
    assert refused.status_code == 403
    assert refused.json()["code"] in ("insufficient_scope", "forbidden_client_kind")
    no_scope = credit_client.post(
        "/v1/rule-sets",
        json=SCORECARD,
        headers=credit_headers(kind="admin", org=None, scopes=["credit:read"]),
    )
    assert no_scope.status_code == 403 and no_scope.json()["code"] == "insufficient_scope"
    rule_set = create(credit_client, admin).json()
    assert rule_set in credit_client.get("/v1/rule-sets", headers=department).json()["items"]
    bank = credit_client.get("/v1/rule-sets", headers=credit_headers(kind="bank"))
    assert bank.status_code == 403 and bank.json()["code"] == "forbidden_client_kind"
    dry = credit_client.post(
        f"/v1/rule-sets/{rule_set['id']}/evaluation", json={"inputs": INPUTS}, headers=department
    )
    assert dry.status_code == 403 and dry.json()["code"] == "forbidden_client_kind"


def test_a_retried_save_with_the_same_key_saves_once(
    credit_client: TestClient, admin: dict[str, str]
) -> None:
    headers = {**admin, "Idempotency-Key": "rules-1"}
    first = create(credit_client, headers)
    again = credit_client.post("/v1/rule-sets", json=SCORECARD, headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    saved = credit_client.get(
        "/v1/rule-sets", params={"family": "credit.scorecard"}, headers=admin
    ).json()["items"]
    assert [item["version"] for item in saved] == [1, LOADED + 1]


def test_an_unused_draft_is_replaced_with_if_match(
    credit_client: TestClient, admin: dict[str, str]
) -> None:
    saved = create(credit_client, admin)
    rule_set, etag = saved.json(), saved.headers["ETag"]
    url = f"/v1/rule-sets/{rule_set['id']}"
    change = {k: v for k, v in SCORECARD.items() if k != "family"}
    change["parameters"] = {**SCORECARD["parameters"], "penalty": {"type": "int", "value": 200}}
    assert credit_client.put(url, json=change, headers=admin).status_code == 428
    stale = credit_client.put(url, json=change, headers={**admin, "If-Match": '"x.1"'})
    assert stale.status_code == 412 and stale.json()["code"] == "stale_etag"
    replaced = credit_client.put(url, json=change, headers={**admin, "If-Match": etag})
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["parameters"]["penalty"] == {"type": "int", "value": 200}
    assert replaced.json()["version"] == LOADED + 1
    assert replaced.headers["ETag"] == f'"{rule_set["id"]}.2"'
    broken = {**change, "rules": with_rule(3, "total + 1")}
    refused = credit_client.put(
        url, json=broken, headers={**admin, "If-Match": replaced.headers["ETag"]}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["message"] == (
        "rule 'total': undeclared reference to 'total' at 1:1"
    )


def test_a_used_version_never_changes(
    credit_app: FastAPI, credit_client: TestClient, admin: dict[str, str]
) -> None:
    saved = create(credit_client, admin)
    rule_set, etag = saved.json(), saved.headers["ETag"]
    database: Database = credit_app.state.database
    with database.transaction() as session:  # what the rating does when it records a score
        used = evaluate_in_force(
            session, family="credit.scorecard", on=date(2026, 5, 1), inputs=INPUTS
        )
    assert (used.rule_set_id, used.results["total"]) == (rule_set["id"], 660)
    change = {k: v for k, v in SCORECARD.items() if k != "family"}
    change["description"] = "edited"
    url = f"/v1/rule-sets/{rule_set['id']}"
    refused = credit_client.put(url, json=change, headers={**admin, "If-Match": etag})
    assert refused.status_code == 409
    assert refused.json()["code"] == "rule_set_in_use"
    after = credit_client.get(url, headers=admin).json()
    assert after["in_use"] is True and after["used_at"] is not None
    assert after["description"] == "2026 scorecard"
    newer = create(credit_client, admin, effective_from="2026-06-01", description="edited")
    assert newer.json()["version"] == LOADED + 2


def test_a_new_version_takes_effect_on_its_date(
    credit_app: FastAPI, credit_client: TestClient, admin: dict[str, str]
) -> None:
    first = create(credit_client, admin, effective_to="2026-12-31").json()
    penalty = {**SCORECARD["parameters"], "penalty": {"type": "int", "value": 300}}
    second = create(credit_client, admin, effective_from="2027-01-01", parameters=penalty).json()

    def in_force(day: str) -> list[int]:
        answer = credit_client.get(
            "/v1/rule-sets", params={"family": "credit.scorecard", "on": day}, headers=admin
        )
        assert answer.status_code == 200, answer.text
        return [item["version"] for item in answer.json()["items"]]

    assert in_force("2025-12-31") == [LOADED]  # the loaded version, from 2015
    assert in_force("2026-01-01") == [LOADED + 1]
    assert in_force("2026-12-31") == [LOADED + 1]
    assert in_force("2027-01-01") == [LOADED + 2]
    database: Database = credit_app.state.database
    with database.transaction() as session:
        before = evaluate_in_force(
            session, family="credit.scorecard", on=date(2026, 12, 31), inputs=INPUTS, record=False
        )
        after = evaluate_in_force(
            session, family="credit.scorecard", on=date(2027, 1, 1), inputs=INPUTS, record=False
        )
    assert (before.rule_set_id, before.results["negatives"]) == (first["id"], 120)
    assert (after.rule_set_id, after.results["negatives"]) == (second["id"], 300)
    everything = credit_client.get(
        "/v1/rule-sets", params={"family": "credit.scorecard"}, headers=admin
    ).json()["items"]
    assert [item["version"] for item in everything] == [1, LOADED + 1, LOADED + 2]


def test_the_dry_run_returns_the_trace_and_records_nothing(
    credit_client: TestClient, admin: dict[str, str]
) -> None:
    saved = create(credit_client, admin)
    rule_set = saved.json()
    url = f"/v1/rule-sets/{rule_set['id']}/evaluation"
    answer = credit_client.post(url, json={"inputs": INPUTS}, headers=admin)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["rule_set_id"], body["family"], body["version"]) == (
        rule_set["id"],
        "credit.scorecard",
        LOADED + 1,
    )
    assert body["results"] == {
        "base": 720, "loans": 60, "negatives": 120, "total": 660, "score": 660, "grade": "A",
        "reason_codes": {"negatives": "R02_NEGATIVE_RECORDS"},
    }  # fmt: skip
    assert body["trace"] == [
        {"rule": "base", "expression": "600 + math.least(years_operating, 10) * 20", "type": "int",
         "value": 720, "inputs_used": {"years_operating": 6}},
        {"rule": "loans", "expression": "on_time_loans * 15", "type": "int", "value": 60,
         "inputs_used": {"on_time_loans": 4}},
        {"rule": "negatives", "expression": "negative_records * penalty", "type": "int",
         "value": 120, "inputs_used": {"negative_records": 1, "penalty": 120}},
        {"rule": "total", "expression": "math.least(max_score, base + loans - negatives)",
         "type": "int", "value": 660,
         "inputs_used": {"base": 720, "loans": 60, "max_score": 1000, "negatives": 120}},
        {"rule": "score", "expression": "math.greatest(0, total)", "type": "int", "value": 660,
         "inputs_used": {"total": 660}},
        {"rule": "grade", "expression": 'score >= 650 ? "A" : "B"', "type": "string",
         "value": "A", "inputs_used": {"score": 660}},
        {"rule": "reason_codes", "expression": '{"negatives": "R02_NEGATIVE_RECORDS"}',
         "type": "map<string, string>", "value": {"negatives": "R02_NEGATIVE_RECORDS"},
         "inputs_used": {}},
    ]  # fmt: skip
    after = credit_client.get(f"/v1/rule-sets/{rule_set['id']}", headers=admin)
    assert after.json()["in_use"] is False
    assert after.headers["ETag"] == saved.headers["ETag"]


def test_the_dry_run_names_bad_inputs_and_failing_rules(
    credit_client: TestClient, admin: dict[str, str]
) -> None:
    rules = with_rule(1, "on_time_loans * 15 / (years_operating - 6)")
    rule_set = create(credit_client, admin, rules=rules).json()
    url = f"/v1/rule-sets/{rule_set['id']}/evaluation"
    bad = credit_client.post(
        url, json={"inputs": {"years_operating": "6", "negative_records": 1}}, headers=admin
    )
    assert bad.status_code == 422 and bad.json()["code"] == "rule_input_invalid"
    assert [(e["field"], e["message"]) for e in bad.json()["errors"]] == [
        ("body.inputs.years_operating", "input 'years_operating' must be an int, not a string"),
        ("body.inputs.on_time_loans", "input 'on_time_loans' (int) is missing"),
    ]
    failing = credit_client.post(url, json={"inputs": INPUTS}, headers=admin)
    assert failing.status_code == 422 and failing.json()["code"] == "rule_evaluation_failed"
    assert (
        failing.json()["errors"][0]["message"] == "rule 'loans': division by zero in CEL expression"
    )
    fine = credit_client.post(url, json={"inputs": {**INPUTS, "years_operating": 7}}, headers=admin)
    assert fine.status_code == 200 and fine.json()["results"]["loans"] == 60
    missing = credit_client.post(
        "/v1/rule-sets/rls_nope/evaluation", json={"inputs": {}}, headers=admin
    )
    assert missing.status_code == 404 and missing.json()["code"] == "rule_set_not_found"


def test_two_versions_saved_at_once_take_consecutive_numbers(
    credit_client: TestClient, admin: dict[str, str]
) -> None:
    barrier = threading.Barrier(2, timeout=10)
    answers: list[Any] = []

    def save(day: str) -> None:
        barrier.wait()
        answers.append(
            credit_client.post(
                "/v1/rule-sets", json={**SCORECARD, "effective_from": day}, headers=admin
            )
        )

    threads = [threading.Thread(target=save, args=(d,)) for d in ("2026-01-01", "2027-01-01")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [201, 201], [a.text for a in answers]
    assert sorted(a.json()["version"] for a in answers) == [LOADED + 1, LOADED + 2]


def test_a_replacement_racing_a_recorded_use_loses(
    credit_app: FastAPI, credit_client: TestClient, admin: dict[str, str]
) -> None:
    saved = create(credit_client, admin)
    rule_set_id, etag = saved.json()["id"], saved.headers["ETag"]
    database: Database = credit_app.state.database
    editor = Principal(client_id="cli_editor", kind=ClientKind.ADMIN, org=None, scopes=frozenset())
    change = RuleSetUpdate.model_validate(
        {**{k: v for k, v in SCORECARD.items() if k != "family"}, "description": "edited"}
    )
    with database.session() as racing:
        # The editor has read the version while it was unused ...
        seen = get_rule_set(session=racing, families=FAMILIES, rule_set_id=rule_set_id)
        racing.commit()
        assert seen.used_at is None
        # ... when a rating records its use and commits.
        with database.transaction() as rating:
            mark_used(
                rating, get_rule_set(session=rating, families=FAMILIES, rule_set_id=rule_set_id)
            )
        with pytest.raises(rule_errors.RuleSetInUse):
            replace_rule_set(
                session=racing,
                principal=editor,
                families=FAMILIES,
                rule_set_id=rule_set_id,
                data=change,
                precondition=Precondition(etag, required=True),
            )
        racing.rollback()
    after = credit_client.get(f"/v1/rule-sets/{rule_set_id}", headers=admin).json()
    assert after["in_use"] is True and after["description"] == "2026 scorecard"
