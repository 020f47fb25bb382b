"""The plan's 2015 budget loads into the ledger, reconciled, every figure to the fen; and a
budget that does not reconcile is refused with nothing recorded.

Figures written out by hand from the plan (七(二), 六(二)1): 1亿 = 10,000,000,000 fen.
"""

import uuid
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.db import Database
from services.funding.budgets.plan2015 import budget_2015
from services.funding.demo import load as load_demo
from tests.funding.conftest import FundingHeaders

# The plan's 2015 figures, in fen, typed out from the document (not from production code).
SOURCES = {
    "source:central": -38_000_000_000,
    "source:city": -40_000_000_000,
    "source:provincial": -3_000_000_000,
}
MEASURES = {
    "line:2015:financing:guidance": 14_000_000_000,
    "line:2015:financing:zhubaodai-pool": 4_000_000_000,
    "line:2015:financing:zhubaodai-bridge": 1_000_000_000,
    "line:2015:financing:guarantee-risk": 2_000_000_000,
    "line:2015:financing:equity-exchange": 710_000_000,  # 710万
    "line:2015:financing:neeq": 1_000_000_000,
    "line:2015:financing:internet-finance": 1_000_000_000,
    "line:2015:financing:guarantee-capital": 2_000_000_000,
    "line:2015:financing:startup-fund": 2_000_000_000,
    "line:2015:financing:graduate-interest": 1_000_000_000,
}
LINES_AFTER = {
    "line:2015:space": 24_000_000_000,
    "line:2015:public-services": 21_800_000_000,
    "line:2015:financing": 0,  # all of it passed on to the ten measures
    "line:2015:other": 1_000_000_000,
    "line:2015:balancing": 5_490_000_000,  # 0.55亿 less the 10万 reconciled
}
STATED = {
    "space": 24_000_000_000,
    "public-services": 21_800_000_000,
    "financing": 28_700_000_000,
    "other": 1_000_000_000,
    "balancing": 5_500_000_000,
}


def _load(client: TestClient, headers: dict[str, str], body: dict[str, Any]) -> Any:
    return client.post(
        "/v1/budgets", json=body, headers={**headers, "Idempotency-Key": uuid.uuid4().hex}
    )


def _document() -> dict[str, Any]:
    return budget_2015().model_dump(mode="json")


def test_the_2015_budget_loads_reconciled_and_the_trial_balance_is_zero_sum(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    answer = _load(funding_client, funding_headers(), _document())
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["total_fen"] == body["by_source_fen"] == body["by_use_fen"] == 81_000_000_000
    lines = {line["code"]: line for line in body["lines"]}
    assert {code: line["stated_fen"] for code, line in lines.items()} == STATED
    assert lines["financing"]["reconciled_fen"] == 10_000_000
    assert lines["financing"]["funded_fen"] == 28_710_000_000
    assert lines["balancing"]["reconciled_fen"] == -10_000_000
    assert lines["balancing"]["funded_fen"] == 5_490_000_000
    assert sum(s["amount_fen"] for s in lines["financing"]["sub_lines"]) == 28_710_000_000
    assert len(body["transfer_ids"]) == 3  # receipt, reconciliation, financing sub-lines

    trial = funding_client.get("/v1/ledger/trial-balance").json()
    assert trial["zero_sum"] and trial["total_fen"] == 0 and trial["entries_agree"]
    balances = {a["code"]: a["balance_fen"] for a in trial["accounts"]}
    assert balances == {**SOURCES, **MEASURES, **LINES_AFTER}
    assert trial["totals_by_kind"] == {"source": -81_000_000_000, "line": 81_000_000_000}

    # the financing line's statement: its stated 2.87亿, the 10万 in, then out to the measures
    statement = funding_client.get("/v1/ledger/accounts/line:2015:financing/statement").json()
    assert [(x["amount_fen"], x["balance_after_fen"]) for x in statement["items"]] == [
        (28_700_000_000, 28_700_000_000),
        (10_000_000, 28_710_000_000),
        (-28_710_000_000, 0),
    ]
    assert "2.871亿" in statement["items"][1]["memo"]
    reread = funding_client.get("/v1/budgets/2015", headers=funding_headers(kind="department"))
    assert reread.status_code == 200 and reread.json() == body


def test_loading_the_same_budget_again_records_nothing_and_another_is_a_conflict(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    headers = funding_headers()
    first = _load(funding_client, headers, _document())
    again = _load(funding_client, headers, _document())
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["transfer_ids"] == first.json()["transfer_ids"]
    other = _document()
    other["title"] = "another 2015 budget"
    conflict = _load(funding_client, headers, other)
    assert conflict.status_code == 409 and conflict.json()["code"] == "budget_already_loaded"
    trial = funding_client.get("/v1/ledger/trial-balance").json()
    assert trial["totals_by_kind"] == {"source": -81_000_000_000, "line": 81_000_000_000}


def test_a_budget_that_does_not_reconcile_is_refused_with_nothing_recorded(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    headers = funding_headers()
    # the document as printed, without the reconciliation: measures 2.871亿 vs line 2.87亿
    unreconciled = {**_document(), "reconciliations": []}
    answer = _load(funding_client, headers, unreconciled)
    assert answer.status_code == 422 and answer.json()["code"] == "budget_not_reconciled"
    error = answer.json()["errors"][0]
    assert error["field"] == "body.lines.2.sub_lines" and "10000000" in error["message"]
    # sources and uses differing: central 3.8亿 → 3.7亿
    short = _document()
    short["sources"][0]["amount_fen"] = 37_000_000_000
    answer = _load(funding_client, headers, short)
    assert (
        answer.status_code == 422
        and answer.json()["code"] == "budget_not_reconciled"
        and answer.json()["errors"][0]["field"] == "body.lines"
    )
    # a reconciliation naming a line the budget does not have
    stray = _document()
    stray["reconciliations"][0]["from_line"] = "reserve"
    answer = _load(funding_client, headers, stray)
    assert answer.json()["errors"][0]["field"] == "body.reconciliations.0.from_line"
    repeated = _document()
    repeated["lines"][1]["code"] = "space"
    answer = _load(funding_client, headers, repeated)
    assert answer.status_code == 422 and answer.json()["code"] == "budget_code_repeated"
    negative = _document()
    negative["lines"][0]["amount_fen"] = -1
    answer = _load(funding_client, headers, negative)
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["body.lines.0.amount_fen"]
    assert funding_client.get("/v1/ledger/trial-balance").json()["accounts"] == []
    missing = funding_client.get("/v1/budgets/2015", headers=headers)
    assert missing.status_code == 404 and missing.json()["code"] == "budget_not_found"


def test_loading_needs_an_admin_and_a_key(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    no_key = funding_client.post("/v1/budgets", json=_document(), headers=funding_headers())
    assert no_key.status_code == 400 and no_key.json()["code"] == "idempotency_key_required"
    department = _load(funding_client, funding_headers(kind="department"), _document())
    assert department.status_code == 403 and department.json()["code"] == "forbidden_client_kind"
    assert funding_client.get("/v1/ledger/trial-balance").json()["accounts"] == []


def test_the_demo_seed_loads_2015_once(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    database: Database = funding_app.state.database
    assert load_demo(database) is True
    assert load_demo(database) is False
    trial = funding_client.get("/v1/ledger/trial-balance").json()
    assert trial["zero_sum"] and trial["totals_by_kind"]["line"] == 81_000_000_000
    ratios = funding_client.get(
        "/v1/rule-sets?family=funding.matching", headers=funding_headers()
    ).json()["items"]
    assert [r["version"] for r in ratios] == [1]


def _small(**changes: Any) -> dict[str, Any]:
    """A 2016 budget: 1,000 fen from the city and 500 from a district, to two lines; the
    second (`space`, sorting after `other`) has two sub-lines."""
    return {
        "year": 2016,
        "title": "2016 test budget",
        "sources": [
            {"code": "city", "name": "市级", "amount_fen": 1_000},
            {"code": "district:xiaodian", "name": "小店区", "amount_fen": 500},
        ],
        "lines": [
            {"code": "other", "name": "其他", "amount_fen": 600},
            {"code": "space", "name": "空间", "amount_fen": 900, "sub_lines": [
                {"code": "rent", "name": "房租", "amount_fen": 700},
                {"code": "fit-out", "name": "装修", "amount_fen": 200},
            ]},
        ],
        "reconciliations": [],
        **changes,
    }  # fmt: skip


def _refusal(client: TestClient, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    answer = _load(client, headers, body)
    assert answer.status_code == 422, answer.text
    return dict(answer.json())


def test_a_budget_refusal_names_the_rule_and_the_figures(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    headers = funding_headers()
    short = _small(sources=[{"code": "city", "name": "市级", "amount_fen": 1_250}])
    problem = _refusal(funding_client, headers, short)
    assert problem["errors"][0]["field"] == "body.lines"
    assert problem["errors"][0]["message"] == (
        "the lines total 1500 fen but the sources 1250 fen (difference 250 fen)"
    )
    over = _small(sources=[{"code": "city", "name": "市级", "amount_fen": 1_600}])
    problem = _refusal(funding_client, headers, over)
    assert problem["errors"][0]["message"] == (
        "the lines total 1500 fen but the sources 1600 fen (difference -100 fen)"
    )
    sources_twice = _small()
    sources_twice["sources"] += [
        {"code": "city", "name": "市级", "amount_fen": 1},
        {"code": "district:xiaodian", "name": "小店区", "amount_fen": 1},
    ]
    problem = _refusal(funding_client, headers, sources_twice)
    assert problem["code"] == "budget_code_repeated"
    assert problem["errors"][0]["message"] == "'city' appears twice"  # the first repeated
    twice = _small()
    twice["lines"][1]["sub_lines"][1]["code"] = "rent"
    problem = _refusal(funding_client, headers, twice)
    assert problem["code"] == "budget_code_repeated"
    assert problem["errors"][0]["field"] == "body.lines.1.sub_lines"
    below = _small()
    below["lines"][1]["sub_lines"][1]["amount_fen"] = 199  # the sub-lines 1 fen short
    problem = _refusal(funding_client, headers, below)
    assert problem["errors"][0]["field"] == "body.lines.1.sub_lines"
    assert problem["errors"][0]["message"].startswith(
        "the sub-lines of 'space' total 899 fen but the line is funded with 900 fen "
        "(difference -1 fen)"
    )
    overdrawn = _small(reconciliations=[
        {"from_line": "other", "to_line": "space", "amount_fen": 601, "reason": "too much"},
    ])  # fmt: skip
    overdrawn["lines"][1]["sub_lines"][0]["amount_fen"] = 1_301
    problem = _refusal(funding_client, headers, overdrawn)
    assert problem["errors"][0]["field"] == "body.lines.0.amount_fen"
    assert problem["errors"][0]["message"] == "reconciliations take 601 fen out of a 600 fen line"
    itself = _small(reconciliations=[
        {"from_line": "space", "to_line": "space", "amount_fen": 1, "reason": "nowhere"},
    ])  # fmt: skip
    problem = _refusal(funding_client, headers, itself)
    assert problem["errors"][0]["field"] == "body.reconciliations.0.to_line"
    assert funding_client.get("/v1/ledger/trial-balance").json()["accounts"] == []


def test_a_reconciliation_may_empty_a_line_and_run_either_way_round(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """All of `other` (600 fen) to `space`, whose code sorts after it, and 100 back: `other`
    ends funded with 100; a district source's account names its district."""
    body = _small(reconciliations=[
        {"from_line": "other", "to_line": "space", "amount_fen": 600, "reason": "all of it"},
        {"from_line": "space", "to_line": "other", "amount_fen": 100, "reason": "some back"},
    ])  # fmt: skip
    body["lines"][1]["sub_lines"][0]["amount_fen"] = 1_200
    answer = _load(funding_client, funding_headers(), body)
    assert answer.status_code == 201, answer.text
    lines = {line["code"]: line for line in answer.json()["lines"]}
    assert (lines["other"]["funded_fen"], lines["space"]["funded_fen"]) == (100, 1_400)
    assert lines["other"]["balance_fen"] == 100 and lines["space"]["balance_fen"] == 0
    emptied = _small(reconciliations=[
        {"from_line": "other", "to_line": "space", "amount_fen": 600, "reason": "all of it"},
    ], year=2017)  # fmt: skip
    emptied["lines"][1]["sub_lines"][0]["amount_fen"] = 1_300
    answer = _load(funding_client, funding_headers(), emptied)
    assert answer.status_code == 201, answer.text
    assert answer.json()["lines"][0]["funded_fen"] == 0
    accounts = {
        code: funding_client.get(f"/v1/ledger/accounts/{code}", headers=funding_headers()).json()
        for code in ("source:district:xiaodian", "source:city")
    }
    assert accounts["source:district:xiaodian"]["district"] == "xiaodian"
    assert accounts["source:city"]["district"] is None
