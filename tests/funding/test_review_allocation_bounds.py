"""Review finding: a matching rule set whose ratio parts do not fit the table (a 32-bit
integer column) or whose owed amount does not fit a BIGINT must be refused as
`matching_rule_invalid`, not crash the allocation with a 500."""

import uuid

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.funding.conftest import FundingHeaders
from tests.funding.ledger_support import balance, fund, open_accounts

LINE, CITY = "line:2015:space", "source:city"


def _matching(district_part: str) -> dict:
    return {
        "family": "funding.matching",
        "effective_from": "2015-01-01",
        "description": "A typo: a ratio of billions",
        "inputs": {"plan_city_part": "int", "plan_district_part": "int"},
        "rules": [
            {"name": "city_part", "expression": "plan_city_part"},
            {"name": "district_part", "expression": district_part},
        ],
    }


def test_a_ratio_too_large_to_store_is_a_matching_rule_problem_not_a_500(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    open_accounts(funding_app, (CITY, "source", False), (LINE, "line", True))
    fund(funding_app, source=CITY, account=LINE, amount_fen=10**15, key="fund")
    created = funding_client.post(
        "/v1/rule-sets",
        json=_matching("plan_district_part * 3000000000"),
        headers=funding_headers(),
    )
    assert created.status_code == 201, created.text
    # 1:4.5e9 on 10^12 fen owes 4.5e21 fen: beyond any BIGINT, and the part beyond an INTEGER
    answer = funding_client.post(
        "/v1/allocations",
        json={
            "year": 2015,
            "line": "space",
            "memo": "切块",
            "method": "explicit",
            "amounts": [{"district": "xiaodian", "amount_fen": 10**12}],
        },
        headers={**funding_headers(), "Idempotency-Key": uuid.uuid4().hex},
    )
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "matching_rule_invalid"
    assert balance(funding_app, LINE) == 10**15
    assert funding_client.get("/v1/allocations", headers=funding_headers()).json()["items"] == []
