"""Reward rules through the API: one kernel rule family per budget line, the 2015 defaults
loaded and evaluable, every formula checked when saved (422 naming it), traced on a dry run.

The migration loads version 1 of each family (in force for 2015 only): versions saved here are
numbered after it. Expected figures are worked out by hand in each test.
"""

import importlib.util
from datetime import date
from typing import Any, get_args

import pytest
from fastapi.testclient import TestClient

from services.common.rules.engine import check_definition
from services.common.rules.schemas import RuleSetCreate
from services.funding.app import MIGRATIONS
from services.funding.rewards.rules import DEFAULTS_2015, REWARD_FAMILIES, REWARD_LINES
from services.funding.rewards.schemas import BudgetLine
from tests.funding.conftest import FundingHeaders

SPACE = "funding.reward.space"
PUBLIC_SERVICES = "funding.reward.public_services"
LOADED = 1

# A version for 2016: 40 yuan a m² up to 1,000,000 yuan, and 5,000 yuan per job created.
RULES_2016: dict[str, Any] = {
    "family": SPACE,
    "effective_from": "2016-01-01",
    "effective_to": "2016-12-31",
    "description": "2016 space rent subsidy",
    "inputs": {"area_m2": "int", "jobs_created": "int"},
    "parameters": {
        "rent_fen_per_m2": {"type": "int", "value": 4000},
        "cap_fen": {"type": "int", "value": 100_000_000},
        "fen_per_job": {"type": "int", "value": 500_000},
    },
    "rules": [
        {"name": "rent", "expression": "math.least(area_m2 * rent_fen_per_m2, cap_fen)"},
        {"name": "jobs", "expression": "jobs_created * fen_per_job"},
        {"name": "reward_fen", "expression": "rent + jobs"},
    ],
}


@pytest.fixture
def admin(funding_headers: FundingHeaders) -> dict[str, str]:
    return funding_headers(kind="admin", client_id="cli_reward_rules")


def _with_rule(index: int, expression: str) -> list[dict[str, Any]]:
    rules = [dict(rule) for rule in RULES_2016["rules"]]
    rules[index]["expression"] = expression
    return rules


def test_one_family_per_reward_line_and_the_schema_offers_exactly_those_lines() -> None:
    assert set(REWARD_FAMILIES) == {SPACE, PUBLIC_SERVICES}
    assert set(get_args(BudgetLine)) == set(REWARD_LINES) == {"space", "public-services"}


def test_the_2015_defaults_are_loaded_for_2015_only(
    funding_client: TestClient, admin: dict[str, str]
) -> None:
    for family in (SPACE, PUBLIC_SERVICES):
        page = funding_client.get(
            "/v1/rule-sets", params={"family": family, "on": "2015-06-30"}, headers=admin
        )
        assert page.status_code == 200, page.text
        [loaded] = page.json()["items"]
        assert loaded["version"] == LOADED
        assert (loaded["effective_from"], loaded["effective_to"]) == ("2015-01-01", "2015-12-31")
        assert loaded["in_use"] is False
        later = funding_client.get(
            "/v1/rule-sets", params={"family": family, "on": "2016-01-01"}, headers=admin
        )
        assert later.json()["items"] == []


def test_the_migration_literals_are_the_checked_defaults_of_the_code() -> None:
    path = MIGRATIONS / "versions" / "0008_rewards.py"
    spec = importlib.util.spec_from_file_location("funding_0008", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    literals = {family: definition for _id, family, definition in module.DEFAULTS}
    for family, definition in DEFAULTS_2015.items():
        data = RuleSetCreate(
            family=family,
            effective_from=date(2015, 1, 1),
            effective_to=date(2015, 12, 31),
            **definition,
        )
        assert literals[family] == check_definition(data, spec=REWARD_FAMILIES[family])


def test_the_space_rent_default_evaluates_to_the_hand_figure_with_a_trace(
    funding_client: TestClient, admin: dict[str, str]
) -> None:
    # 2,000 m² × 60 yuan = 120,000 yuan (under the 3,000,000 cap); 10 enterprises × 20,000 =
    # 200,000 yuan; a maker space ×1.2: 320,000 × 1.2 = 384,000 yuan = 38,400,000 fen.
    answer = funding_client.post(
        "/v1/rule-sets/rls_funding_reward_space_2015/evaluation",
        json={"inputs": {"kind": "maker_space", "area_m2": 2000, "enterprises_incubated": 10}},
        headers=admin,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["results"] == {
        "rent": 12_000_000,
        "incubation": 20_000_000,
        "multiplier_bp": 12_000,
        "reward_fen": 38_400_000,
    }
    assert body["trace"][-1]["inputs_used"] == {
        "rent": 12_000_000,
        "incubation": 20_000_000,
        "multiplier_bp": 12_000,
    }
    # Caps and an unlisted kind: 60,000 m² × 60 = 3,600,000 → 3,000,000 yuan; 150 × 20,000 =
    # 3,000,000 → 2,000,000 yuan; a commerce cluster ×0.8 → 4,000,000 yuan.
    capped = funding_client.post(
        "/v1/rule-sets/rls_funding_reward_space_2015/evaluation",
        json={
            "inputs": {"kind": "commerce_cluster", "area_m2": 60_000, "enterprises_incubated": 150}
        },
        headers=admin,
    ).json()["results"]
    assert (capped["rent"], capped["incubation"], capped["reward_fen"]) == (
        300_000_000,
        200_000_000,
        400_000_000,
    )
    unlisted = funding_client.post(
        "/v1/rule-sets/rls_funding_reward_space_2015/evaluation",
        json={"inputs": {"kind": "other", "area_m2": 1, "enterprises_incubated": 0}},
        headers=admin,
    ).json()["results"]
    assert (unlisted["multiplier_bp"], unlisted["reward_fen"]) == (10_000, 6_000)


def test_the_public_services_default_is_capped(
    funding_client: TestClient, admin: dict[str, str]
) -> None:
    # 120 services × 500 + 30 jobs × 3,000 = 60,000 + 90,000 = 150,000 yuan = 15,000,000 fen.
    url = "/v1/rule-sets/rls_funding_reward_public_services_2015/evaluation"
    small = funding_client.post(
        url, json={"inputs": {"services_delivered": 120, "jobs_created": 30}}, headers=admin
    )
    assert small.json()["results"]["reward_fen"] == 15_000_000
    # 1,000 services + 300 jobs = 500,000 + 900,000 yuan → capped at 1,000,000 yuan.
    big = funding_client.post(
        url, json={"inputs": {"services_delivered": 1000, "jobs_created": 300}}, headers=admin
    )
    assert big.json()["results"]["reward_fen"] == 100_000_000


def test_an_admin_saves_the_next_version_for_a_later_year(
    funding_client: TestClient, admin: dict[str, str]
) -> None:
    answer = funding_client.post("/v1/rule-sets", json=RULES_2016, headers=admin)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["family"], body["version"]) == (SPACE, LOADED + 1)
    in_force = funding_client.get(
        "/v1/rule-sets", params={"family": SPACE, "on": "2016-03-01"}, headers=admin
    ).json()["items"]
    assert [item["id"] for item in in_force] == [body["id"]]


@pytest.mark.parametrize(
    ("index", "expression", "code", "message"),
    [
        (0, "math.least(area_m2 * rent_per_m2, cap_fen)", "rule_unknown_variable", "rent_per_m2"),
        (1, "jobs_created * 1.5", "rule_type_error", "rule 'jobs'"),
        (2, "rent + jobs +", "rule_syntax_error", "rule 'reward_fen'"),
        (2, "double(rent + jobs)", "rule_result_missing", "reward_fen"),
    ],
)
def test_a_broken_formula_is_refused_naming_it(
    funding_client: TestClient,
    admin: dict[str, str],
    index: int,
    expression: str,
    code: str,
    message: str,
) -> None:
    answer = funding_client.post(
        "/v1/rule-sets", json={**RULES_2016, "rules": _with_rule(index, expression)}, headers=admin
    )
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["code"] == code
    [error] = problem["errors"]
    assert error["field"] == f"body.rules[{index}].expression"
    assert message in error["message"]
    listed = funding_client.get("/v1/rule-sets", params={"family": SPACE}, headers=admin)
    assert [item["version"] for item in listed.json()["items"]] == [LOADED]


def test_an_input_the_service_does_not_supply_or_a_missing_result_is_refused(
    funding_client: TestClient, admin: dict[str, str]
) -> None:
    unknown = funding_client.post(
        "/v1/rule-sets",
        json={**RULES_2016, "inputs": {**RULES_2016["inputs"], "revenue_fen": "int"}},
        headers=admin,
    )
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "rule_input_not_supplied"
    assert unknown.json()["errors"][0]["field"] == "body.inputs.revenue_fen"
    retyped = funding_client.post(
        "/v1/rule-sets",
        json={**RULES_2016, "inputs": {"area_m2": "double", "jobs_created": "int"}},
        headers=admin,
    )
    assert retyped.json()["code"] == "rule_input_not_supplied"
    no_result = funding_client.post(
        "/v1/rule-sets",
        json={**RULES_2016, "rules": RULES_2016["rules"][:2]},
        headers=admin,
    )
    assert no_result.status_code == 422
    assert no_result.json()["code"] == "rule_result_missing"
    foreign = funding_client.post(
        "/v1/rule-sets", json={**RULES_2016, "family": "credit.scorecard"}, headers=admin
    )
    assert foreign.status_code == 422
    assert foreign.json()["code"] == "rule_family_unknown"


def test_departments_read_the_rules_but_only_an_admin_saves_them(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    department = funding_headers(kind="department", org="sme_bureau")
    listed = funding_client.get("/v1/rule-sets", headers=department)
    assert listed.status_code == 200
    assert {SPACE, PUBLIC_SERVICES} <= {item["family"] for item in listed.json()["items"]}
    refused = funding_client.post("/v1/rule-sets", json=RULES_2016, headers=department)
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden_client_kind"
    bank = funding_client.get("/v1/rule-sets", headers=funding_headers(kind="bank"))
    assert bank.status_code == 403 and bank.json()["code"] == "forbidden_client_kind"
