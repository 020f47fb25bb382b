"""Reward runs through the API: every passed base's reward by the 2015 rules, to the fen, with
the pro-rata scaling where a block or the line cannot pay it all; a dry run answers what the
commit does and changes nothing; a committed run is never run again; failed and unaccepted
bases get nothing; bad requests are refused naming the field.

The world (`space_2015`): the 2015 space line `line:2015:space` holds 50,000,000 fen from the
city; 30,000,000 go to xiaodian's block and 10,000,000 to yingze's, 10,000,000 stay on the line
(xinghualing and jiancaoping have no block: their bases are paid from the line).

Hand figures by the 2015 default (version 1): reward = (min(area × 6,000, 300,000,000) +
min(enterprises × 2,000,000, 200,000,000)) × multiplier ÷ 10,000, rounded down, multiplier by
kind: maker space and tech incubator 12,000, start-up base and micro park 10,000, commerce
cluster 8,000.
- xiaodian A, maker space, 1,000 m², 5 enterprises: (6,000,000 + 10,000,000) × 1.2 = 19,200,000
- xiaodian B, start-up base, 500 m², 2 enterprises: 3,000,000 + 4,000,000 = 7,000,000
  (block 30,000,000 ≥ 26,200,000: paid in full, 3,800,000 left on the block)
- yingze C, commerce cluster, 1,001 m², 1 enterprise: (6,006,000 + 2,000,000) × 0.8 = 6,404,800
- yingze D, tech incubator, 333 m², 3 enterprises: (1,998,000 + 6,000,000) × 1.2 = 9,597,600
  (together 16,002,400 > the block's 10,000,000: C 10,000,000 × 6,404,800 / 16,002,400 =
  4,002,399.64…, D 5,997,600.36…; floors 4,002,399 + 5,997,600 = 9,999,999, the fen left goes
  to the larger remainder, C: 4,002,400 and 5,997,600)
- xinghualing E, micro park, 2,000 m², 0 enterprises: 12,000,000
- jiancaoping F, start-up base, 1,000 m², 1 enterprise: 6,000,000 + 2,000,000 = 8,000,000
  (together 20,000,000 > the line's 10,000,000: exactly half each, 6,000,000 and 4,000,000)
- xiaodian G failed its acceptance, xiaodian H has none: no line, nothing paid.
- B exited after it passed 2015: still rewarded for 2015.
"""

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.funding.conftest import FundingHeaders
from tests.funding.rewards_support import AcceptedBase, balance, make_base, move, open_account

LINE, CITY = "line:2015:space", "source:city"
XIAODIAN, YINGZE = "block:2015:space:xiaodian", "block:2015:space:yingze"
RULES_V1 = "rls_funding_reward_space_2015"
RUN = {"year": 2015, "budget_line": "space", "rule_set_version": 1}
# Figures every committed run answers but a dry run cannot have (or has at another moment).
NOT_COMPARED = {"id", "dry_run", "disbursements", "created_at"}


@dataclass
class World:
    admin: dict[str, str]
    bases: dict[str, AcceptedBase]


@pytest.fixture
def admin(funding_headers: FundingHeaders) -> dict[str, str]:
    return funding_headers(kind="admin", client_id="cli_rewards_admin")


@pytest.fixture
def space_2015(
    funding_client: TestClient, funding_headers: FundingHeaders, admin: dict[str, str]
) -> World:
    client = funding_client
    open_account(client, admin, CITY, kind="source", non_negative=False)
    open_account(client, admin, LINE, kind="line", year=2015)
    open_account(client, admin, XIAODIAN, kind="block", year=2015, district="xiaodian")
    open_account(client, admin, YINGZE, kind="block", year=2015, district="yingze")
    move(client, admin, source=CITY, target=LINE, amount_fen=50_000_000)
    move(client, admin, source=LINE, target=XIAODIAN, amount_fen=30_000_000)
    move(client, admin, source=LINE, target=YINGZE, amount_fen=10_000_000)

    def base(district: str, kind: str, area: int, enterprises: int, **more: Any) -> AcceptedBase:
        return make_base(
            client,
            funding_headers,
            district=district,
            kind=kind,
            area_m2=area,
            enterprises_incubated=enterprises,
            **more,
        )

    bases = {
        "A": base("xiaodian", "maker_space", 1_000, 5),
        "B": base("xiaodian", "startup_base", 500, 2),
        "C": base("yingze", "commerce_cluster", 1_001, 1),
        "D": base("yingze", "tech_incubator", 333, 3),
        "E": base("xinghualing", "micro_incubation_park", 2_000, 0),
        "F": base("jiancaoping", "startup_base", 1_000, 1),
        "G": base("xiaodian", "maker_space", 9_000, 40, result="failed", score=40),
        "H": base("xiaodian", "tech_incubator", 9_000, 40, result=None),
    }
    # B exits the programme after passing 2015: it is still rewarded for 2015.
    exited = client.post(
        f"/v1/bases/{bases['B'].id}/exit", json={"reason": "Operator moved out."}, headers=admin
    )
    assert exited.status_code == 200 and exited.json()["status"] == "exited", exited.text
    return World(admin=admin, bases=bases)


def _run(client: TestClient, admin: dict[str, str], key: str, **changes: Any) -> Any:
    return client.post(
        "/v1/reward-runs", json={**RUN, **changes}, headers={**admin, "Idempotency-Key": key}
    )


def _figures(run: dict[str, Any]) -> dict[str, Any]:
    figures = {k: v for k, v in run.items() if k not in NOT_COMPARED}
    figures["lines"] = [
        {k: v for k, v in line.items() if k != "disbursement_id"} for line in run["lines"]
    ]
    return figures


def _balances(client: TestClient, admin: dict[str, str]) -> dict[str, int]:
    return {code: balance(client, admin, code) for code in (LINE, XIAODIAN, YINGZE)}


EXPECTED = {  # base → (account, computed, awarded, scaled)
    "A": (XIAODIAN, 19_200_000, 19_200_000, False),
    "B": (XIAODIAN, 7_000_000, 7_000_000, False),
    "C": (YINGZE, 6_404_800, 4_002_400, True),
    "D": (YINGZE, 9_597_600, 5_997_600, True),
    "E": (LINE, 12_000_000, 6_000_000, True),
    "F": (LINE, 8_000_000, 4_000_000, True),
}


def test_a_committed_run_pays_the_hand_figures_to_the_fen(
    funding_client: TestClient, space_2015: World
) -> None:
    client, admin, bases = funding_client, space_2015.admin, space_2015.bases
    answer = _run(client, admin, "run-1")
    assert answer.status_code == 201, answer.text
    run = answer.json()
    assert answer.headers["Location"].endswith(f"/v1/reward-runs/{run['id']}")
    assert run["id"].startswith("rwr_") and run["dry_run"] is False
    assert (run["rule_set_id"], run["rule_set_version"], run["rule_set_label"]) == (
        RULES_V1,
        1,
        "funding.reward.space@1",
    )
    by_base = {line["base_id"]: line for line in run["lines"]}
    assert set(by_base) == {bases[name].id for name in EXPECTED}  # not G (failed) nor H (none)
    for name, (account, computed, awarded, scaled) in EXPECTED.items():
        line = by_base[bases[name].id]
        assert (line["account"], line["computed_fen"], line["awarded_fen"], line["scaled"]) == (
            account,
            computed,
            awarded,
            scaled,
        ), name
        assert line["acceptance_id"] == bases[name].acceptance_id
        assert line["operator_uscc"] == bases[name].operator_uscc
        assert line["trace"][-1]["rule"] == "reward_fen"
        assert line["trace"][-1]["value"] == computed
    assert run["accounts"] == [
        {"account": XIAODIAN, "balance_fen": 30_000_000, "computed_fen": 26_200_000,
         "awarded_fen": 26_200_000, "bases": 2, "scaled": False},
        {"account": YINGZE, "balance_fen": 10_000_000, "computed_fen": 16_002_400,
         "awarded_fen": 10_000_000, "bases": 2, "scaled": True},
        {"account": LINE, "balance_fen": 10_000_000, "computed_fen": 20_000_000,
         "awarded_fen": 10_000_000, "bases": 2, "scaled": True},
    ]  # fmt: skip
    assert (run["bases"], run["computed_fen"], run["awarded_fen"], run["disbursements"]) == (
        6,
        19_200_000 + 7_000_000 + 6_404_800 + 9_597_600 + 12_000_000 + 8_000_000,
        46_200_000,
        6,
    )
    # The money moved: each account to payable, by one disbursement per base.
    assert _balances(client, admin) == {LINE: 0, XIAODIAN: 3_800_000, YINGZE: 0}
    assert balance(client, admin, "payable") == 46_200_000
    for name, (account, _computed, awarded, _scaled) in EXPECTED.items():
        line = by_base[bases[name].id]
        disbursement = client.get(f"/v1/disbursements/{line['disbursement_id']}", headers=admin)
        assert disbursement.status_code == 200, disbursement.text
        shown = disbursement.json()
        assert (shown["amount_fen"], shown["account"], shown["status"]) == (
            awarded,
            account,
            "proposed",
        )
        assert (shown["payee_uscc"], shown["district"]) == (
            bases[name].operator_uscc,
            bases[name].district,
        )
        assert (shown["rule_set_version"], shown["acceptance_ref"]) == (
            "funding.reward.space@1",
            bases[name].acceptance_id,
        )
        assert (shown["year"], shown["budget_line"], shown["purpose"]) == (2015, "space", "reward")


def test_each_line_has_a_trace_explaining_its_number(
    funding_client: TestClient, space_2015: World
) -> None:
    run = _run(funding_client, space_2015.admin, "run-trace", dry_run=True).json()
    line = next(x for x in run["lines"] if x["base_id"] == space_2015.bases["A"].id)
    assert line["inputs"] == {"kind": "maker_space", "area_m2": 1_000, "enterprises_incubated": 5}
    assert [(step["rule"], step["value"], step["inputs_used"]) for step in line["trace"]] == [
        ("rent", 6_000_000, {"area_m2": 1_000, "rent_cap_fen": 300_000_000, "rent_fen_per_m2": 6_000}),
        ("incubation", 10_000_000, {"enterprises_incubated": 5, "fen_per_enterprise": 2_000_000,
                                    "incubation_cap_fen": 200_000_000}),
        ("multiplier_bp", 12_000, {"kind": "maker_space", "kind_multiplier_bp": {
            "maker_space": 12_000, "tech_incubator": 12_000, "startup_base": 10_000,
            "micro_incubation_park": 10_000, "commerce_cluster": 8_000}}),
        ("reward_fen", 19_200_000, {"rent": 6_000_000, "incubation": 10_000_000,
                                    "multiplier_bp": 12_000}),
    ]  # fmt: skip


def test_a_dry_run_answers_what_the_commit_does_and_changes_nothing(
    funding_client: TestClient, space_2015: World
) -> None:
    client, admin = funding_client, space_2015.admin
    before = _balances(client, admin)
    dry = _run(client, admin, "dry-1", dry_run=True)
    assert dry.status_code == 200, dry.text
    dry_run = dry.json()
    assert dry_run["id"] is None and dry_run["dry_run"] is True
    assert dry_run["disbursements"] == 0
    assert all(line["disbursement_id"] is None for line in dry_run["lines"])
    # Nothing changed: balances, runs, disbursements, the rule set still editable.
    assert _balances(client, admin) == before
    assert client.get("/v1/reward-runs", headers=admin).json()["items"] == []
    assert client.get("/v1/disbursements", headers=admin).json()["items"] == []
    assert client.get(f"/v1/rule-sets/{RULES_V1}", headers=admin).json()["in_use"] is False
    committed = _run(client, admin, "commit-1")
    assert committed.status_code == 201, committed.text
    assert _figures(committed.json()) == _figures(dry_run)  # field by field, line by line
    stored = client.get(f"/v1/reward-runs/{committed.json()['id']}", headers=admin)
    assert stored.status_code == 200
    assert stored.json() == committed.json()


def test_a_committed_run_is_never_run_again(funding_client: TestClient, space_2015: World) -> None:
    client, admin = funding_client, space_2015.admin
    first = _run(client, admin, "once")
    assert first.status_code == 201
    replay = _run(client, admin, "once")  # the same key: the first answer
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    after = _balances(client, admin)
    for key, dry_run in (("again", False), ("again-dry", True)):
        again = _run(client, admin, key, dry_run=dry_run)
        assert again.status_code == 409, again.text
        assert again.json()["code"] == "reward_run_exists"
        assert again.json()["detail"] == (
            f"2015 space has been rewarded by rule-set version 1 already ({first.json()['id']}); "
            "a new run needs a new version of the rules."
        )
    assert _balances(client, admin) == after
    assert len(client.get("/v1/reward-runs", headers=admin).json()["items"]) == 1
    assert len(client.get("/v1/disbursements", headers=admin).json()["items"]) == 6
    # The version it used is now fixed: a change is a new version.
    rules = client.get(f"/v1/rule-sets/{RULES_V1}", headers=admin)
    assert rules.json()["in_use"] is True
    body = {k: rules.json()[k] for k in ("effective_from", "effective_to", "inputs")}
    body["rules"] = [{"name": "reward_fen", "expression": "area_m2"}]
    refused = client.put(
        f"/v1/rule-sets/{RULES_V1}", json=body, headers={**admin, "If-Match": rules.headers["ETag"]}
    )
    assert refused.status_code == 409 and refused.json()["code"] == "rule_set_in_use"


def test_a_new_version_never_rewards_a_base_twice_for_the_year(
    funding_client: TestClient, space_2015: World, funding_headers: FundingHeaders
) -> None:
    """A new version of the rules is no second reward: a base with a live (not cancelled)
    reward of the year and line is left out of any later run; a base whose first reward was
    cancelled, or that passed after the first run, is rewarded by the next version."""
    client, admin, bases = funding_client, space_2015.admin, space_2015.bases
    first = _run(client, admin, "v1")
    assert first.status_code == 201
    # Version 2 for 2015: a flat 1,000,000 fen per base.
    saved = client.post(
        "/v1/rule-sets",
        json={
            "family": "funding.reward.space",
            "effective_from": "2015-01-01",
            "effective_to": "2015-12-31",
            "rules": [{"name": "reward_fen", "expression": "1000000"}],
        },
        headers=admin,
    )
    assert saved.status_code == 201 and saved.json()["version"] == 2
    before = _balances(client, admin)
    for key, dry_run in (("v2", False), ("v2-dry", True)):
        again = _run(client, admin, key, rule_set_version=2, dry_run=dry_run)
        assert again.status_code == 409, again.text
        assert again.json()["code"] == "reward_already_awarded"
    assert _balances(client, admin) == before  # xiaodian 3,800,000 left, yingze 0, line 0
    assert len(client.get("/v1/disbursements", headers=admin).json()["items"]) == 6
    # A's reward is cancelled (the money goes back to xiaodian): version 2 rewards A alone.
    a_line = next(x for x in first.json()["lines"] if x["base_id"] == bases["A"].id)
    url = f"/v1/disbursements/{a_line['disbursement_id']}"
    etag = client.get(url, headers=admin).headers["etag"]
    cancelled = client.post(
        f"{url}/cancellation",
        json={"reason": "rules corrected"},
        headers={**admin, "If-Match": etag, "Idempotency-Key": "cancel-a"},
    )
    assert cancelled.status_code == 200, cancelled.text
    second = _run(client, admin, "v2-after-cancel", rule_set_version=2)
    assert second.status_code == 201, second.text
    awarded = {line["base_id"]: line["awarded_fen"] for line in second.json()["lines"]}
    assert awarded == {bases["A"].id: 1_000_000}
    assert second.json()["disbursements"] == 1
    # xiaodian: 3,800,000 left + 19,200,000 back − 1,000,000
    assert _balances(client, admin) == {LINE: 0, XIAODIAN: 22_000_000, YINGZE: 0}
    listed = client.get(
        "/v1/reward-runs", params={"year": 2015, "budget_line": "space"}, headers=admin
    )
    assert [run["rule_set_version"] for run in listed.json()["items"]] == [1, 2]
    assert "lines" not in listed.json()["items"][0]
    page_1 = client.get("/v1/reward-runs", params={"limit": 1}, headers=admin).json()
    page_2 = client.get(
        "/v1/reward-runs", params={"limit": 1, "cursor": page_1["next_cursor"]}, headers=admin
    ).json()
    assert [run["rule_set_version"] for run in page_1["items"] + page_2["items"]] == [1, 2]
    assert page_2["next_cursor"] is None
    assert client.get("/v1/reward-runs", params={"year": 2016}, headers=admin).json()["items"] == []


def test_requests_the_run_cannot_serve_are_refused_naming_the_field(
    funding_client: TestClient, space_2015: World, funding_headers: FundingHeaders
) -> None:
    client, admin = funding_client, space_2015.admin
    before = _balances(client, admin)
    unknown = _run(client, admin, "k1", rule_set_version=7)
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "reward_rule_set_unknown"
    assert unknown.json()["errors"][0]["field"] == "body.rule_set_version"
    wrong_year = _run(client, admin, "k2", year=2016)
    assert wrong_year.status_code == 422
    assert wrong_year.json()["code"] == "reward_rule_set_not_for_year"
    no_line = _run(client, admin, "k3", budget_line="public-services")
    assert no_line.status_code == 422
    assert no_line.json()["code"] == "reward_budget_line_unknown"
    assert no_line.json()["errors"][0]["field"] == "body.budget_line"
    for field, value in (("budget_line", "financing"), ("year", 1999), ("rule_set_version", 0)):
        bad = _run(client, admin, f"bad-{field}", **{field: value})
        assert bad.status_code == 422, bad.text
        assert bad.json()["errors"][0]["field"] == f"body.{field}"
    no_key = client.post("/v1/reward-runs", json=RUN, headers=admin)
    assert no_key.status_code == 400 and no_key.json()["code"] == "idempotency_key_required"
    department = funding_headers(kind="department", org="xiaodian")
    refused = client.post(
        "/v1/reward-runs", json=RUN, headers={**department, "Idempotency-Key": "dept"}
    )
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden_client_kind"
    assert _balances(client, admin) == before
    assert client.get("/v1/reward-runs", headers=admin).json()["items"] == []


def test_rules_giving_a_negative_reward_are_refused_and_nothing_changes(
    funding_client: TestClient, space_2015: World
) -> None:
    client, admin = funding_client, space_2015.admin
    saved = client.post(
        "/v1/rule-sets",
        json={
            "family": "funding.reward.space",
            "effective_from": "2015-01-01",
            "inputs": {"area_m2": "int"},
            "rules": [{"name": "reward_fen", "expression": "1000 - area_m2"}],
        },
        headers=admin,
    )
    assert saved.status_code == 201, saved.text
    before = _balances(client, admin)
    refused = _run(client, admin, "negative", rule_set_version=saved.json()["version"])
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "reward_negative"
    assert _balances(client, admin) == before
    assert (
        client.get(f"/v1/rule-sets/{saved.json()['id']}", headers=admin).json()["in_use"] is False
    )


def test_runs_are_read_by_admins_and_departments(
    funding_client: TestClient, space_2015: World, funding_headers: FundingHeaders
) -> None:
    client, admin = funding_client, space_2015.admin
    run = _run(client, admin, "read").json()
    department = funding_headers(kind="department", org="sme_bureau")
    shown = client.get(f"/v1/reward-runs/{run['id']}", headers=department)
    assert shown.status_code == 200 and shown.json() == run
    missing = client.get("/v1/reward-runs/rwr_nothing", headers=admin)
    assert missing.status_code == 404 and missing.json()["code"] == "reward_run_not_found"
    bank = client.get("/v1/reward-runs", headers=funding_headers(kind="bank"))
    assert bank.status_code == 403 and bank.json()["code"] == "forbidden_client_kind"


def test_a_year_no_base_passed_has_nothing_to_reward(
    funding_client: TestClient, funding_headers: FundingHeaders, admin: dict[str, str]
) -> None:
    open_account(funding_client, admin, CITY, kind="source", non_negative=False)
    open_account(funding_client, admin, LINE, kind="line", year=2015)
    move(funding_client, admin, source=CITY, target=LINE, amount_fen=1_000_000)
    make_base(
        funding_client, funding_headers, district="xiaodian", kind="maker_space", area_m2=100,
        result="failed", score=30,
    )  # fmt: skip
    for key, dry_run in (("empty-dry", True), ("empty", False)):
        answer = _run(funding_client, admin, key, dry_run=dry_run)
        assert answer.status_code == 409, answer.text
        assert answer.json()["code"] == "reward_nothing_passed"
    assert funding_client.get("/v1/reward-runs", headers=admin).json()["items"] == []
    rules = funding_client.get(f"/v1/rule-sets/{RULES_V1}", headers=admin).json()
    assert rules["in_use"] is False
    assert balance(funding_client, admin, LINE) == 1_000_000


def test_a_reward_is_approved_paid_and_published_with_its_rules_and_acceptance(
    funding_client: TestClient, space_2015: World, funding_headers: FundingHeaders
) -> None:
    client, admin, base = funding_client, space_2015.admin, space_2015.bases["A"]
    run = _run(client, admin, "to-pay").json()
    [line] = [line for line in run["lines"] if line["base_id"] == base.id]
    url = f"/v1/disbursements/{line['disbursement_id']}"
    second = funding_headers(kind="admin", client_id="cli_second_admin")  # four eyes
    approved = client.post(
        f"{url}/approval",
        json={},
        headers={**second, "If-Match": client.get(url, headers=admin).headers["ETag"]},
    )
    assert approved.status_code == 200, approved.text
    paid = client.post(
        f"{url}/payment",
        json={"payment_reference": "ICBC-20160120-000001", "paid_on": "2016-01-20"},
        headers={**admin, "If-Match": approved.headers["ETag"], "Idempotency-Key": "pay-a"},
    )
    assert paid.status_code == 200, paid.text
    records = client.get("/v1/public/ledger/records").json()["items"]  # no key
    [record] = [r for r in records if r["disbursement_id"] == line["disbursement_id"]]
    assert (record["amount_fen"], record["payee_uscc"], record["budget_line"]) == (
        19_200_000,
        base.operator_uscc,
        "space",
    )
    assert (record["district"], record["rule_set_version"], record["acceptance_ref"]) == (
        "xiaodian",
        "funding.reward.space@1",
        base.acceptance_id,
    )
    assert record["programme"] == "小微企业创业创新基地城市示范：创业创新基地奖励"
    assert balance(client, admin, f"payee:{base.operator_uscc}") == 19_200_000
