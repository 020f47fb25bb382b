"""Review finding: a matching rule set whose ratio parts do not fit the table (a 32-bit
integer column) or whose owed amount does not fit a BIGINT must be refused as
`matching_rule_invalid`, not crash the allocation with a 500."""

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.funding.conftest import FundingHeaders
from tests.funding.ledger_support import balance, fund, open_accounts

LINE, CITY = "line:2015:space", "source:city"


def _save_matching(
    client: TestClient,
    headers: FundingHeaders,
    *,
    district_part: str,
    city_part: str = "plan_city_part",
) -> None:
    """A `funding.matching` version from 2015 whose parts are these expressions."""
    created = client.post(
        "/v1/rule-sets",
        json={
            "family": "funding.matching",
            "effective_from": "2015-01-01",
            "inputs": {"district": "string", "plan_city_part": "int", "plan_district_part": "int"},
            "rules": [
                {"name": "city_part", "expression": city_part},
                {"name": "district_part", "expression": district_part},
            ],
        },
        headers=headers(),
    )
    assert created.status_code == 201, created.text


def _allocate(client: TestClient, headers: FundingHeaders, district: str, amount: int) -> Any:
    return client.post(
        "/v1/allocations",
        json={
            "year": 2015,
            "line": "space",
            "memo": "切块",
            "method": "explicit",
            "amounts": [{"district": district, "amount_fen": amount}],
        },
        headers={**headers(), "Idempotency-Key": uuid.uuid4().hex},
    )


def test_a_ratio_too_large_to_store_is_a_matching_rule_problem_not_a_500(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    open_accounts(funding_app, (CITY, "source", False), (LINE, "line", True))
    fund(funding_app, source=CITY, account=LINE, amount_fen=10**15, key="fund")
    _save_matching(funding_client, funding_headers, district_part="plan_district_part * 3000000000")
    # 1:4.5e9 on 10^12 fen owes 4.5e21 fen: beyond any BIGINT, and the part beyond an INTEGER
    answer = _allocate(funding_client, funding_headers, "xiaodian", 10**12)
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "matching_rule_invalid"
    assert balance(funding_app, LINE) == 10**15
    assert funding_client.get("/v1/allocations", headers=funding_headers()).json()["items"] == []


def test_what_an_obligation_and_a_block_owe_stays_within_a_bigint(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """A ratio of 1:4,635.5 (1:9,271 for qingxu, 1:10,000 for jiancaoping), all within bounds:
    - xiaodian's first allocation owes 4,587,872,036,856,588,288 fen; a second one owing
      4,635,499,999,998,187,520 would make its block owe exactly 2^63, one more than a BIGINT
      holds: refused, not a 500 (nor, on SQLite, a sum that silently turns into a float);
    - qingxu (1:9,271) owes exactly 2^63 - 1 for 994,862,694,084,217 fen: stored;
    - yingze's allocation of the second amount owes it alone (above 2^62): stored;
    - jiancaoping's 10^15 fen owes 10^19 fen in one obligation: refused."""
    open_accounts(funding_app, (CITY, "source", False), (LINE, "line", True))
    fund(funding_app, source=CITY, account=LINE, amount_fen=5 * 10**15, key="fund")
    _save_matching(
        funding_client,
        funding_headers,
        city_part='district in ["jiancaoping", "qingxu"] ? 1 : 2',
        district_part='district == "jiancaoping" ? 10000 : 9271',
    )
    first, second = 989_725_388_168_825, 999_999_999_999_609
    first_owes, second_owes = 4_587_872_036_856_588_288, 4_635_499_999_998_187_520
    assert first_owes + second_owes == 2**63
    assert first_owes % 2048 == second_owes % 2048 == 0  # exact as floats too

    made = _allocate(funding_client, funding_headers, "xiaodian", first)
    assert made.status_code == 201, made.text
    assert [s["owed_fen"] for s in made.json()["shares"]] == [first_owes]
    left = balance(funding_app, LINE)
    for district, amount in (("xiaodian", second), ("jiancaoping", 10**15)):
        refused = _allocate(funding_client, funding_headers, district, amount)
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "matching_rule_invalid"
        assert "more than can be stored" in refused.json()["detail"]
        assert balance(funding_app, LINE) == left
    # qingxu's 1:9,271 on 994,862,694,084,217 fen owes 2^63 - 1 exactly: the most there is.
    largest = _allocate(funding_client, funding_headers, "qingxu", 994_862_694_084_217)
    assert largest.status_code == 201, largest.text
    assert [s["owed_fen"] for s in largest.json()["shares"]] == [2**63 - 1]
    alone = _allocate(funding_client, funding_headers, "yingze", second)
    assert alone.status_code == 201, alone.text
    assert [s["owed_fen"] for s in alone.json()["shares"]] == [second_owes]
    assert second_owes > 2**62
    owed = {
        district: funding_client.get(
            f"/v1/districts/{district}/matching", headers=funding_headers()
        ).json()["owed_fen"]
        for district in ("xiaodian", "yingze", "jiancaoping")
    }
    assert owed == {"xiaodian": first_owes, "yingze": second_owes, "jiancaoping": 0}
    listed = funding_client.get("/v1/allocations", headers=funding_headers()).json()["items"]
    assert len(listed) == 3


@pytest.mark.parametrize(("parts", "status"), [("10000", 201), ("10001", 409), ("-1", 409)])
def test_ratio_parts_are_taken_up_to_ten_thousand(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    parts: str,
    status: int,
) -> None:
    """A ratio of parts:10000 with parts 10,000 is 1:1; the parts are bounded, the city's as
    well as the district's, above (10,001) and below (-1)."""
    open_accounts(funding_app, (CITY, "source", False), (LINE, "line", True))
    fund(funding_app, source=CITY, account=LINE, amount_fen=1_000, key="fund")
    _save_matching(funding_client, funding_headers, city_part=parts, district_part="10000")
    answer = _allocate(funding_client, funding_headers, "qingxu", 1_000)
    assert answer.status_code == status, answer.text
    if status == 201:
        [share] = answer.json()["shares"]
        assert (share["city_part"], share["district_part"], share["owed_fen"]) == (
            10_000,
            10_000,
            1_000,
        )
    else:
        assert answer.json()["code"] == "matching_rule_invalid"
        assert answer.json()["detail"] == (
            f"funding.matching v1 gives qingxu the ratio {parts}:10000: both parts must be "
            "whole numbers from 1 to 10000."
        )
        assert balance(funding_app, LINE) == 1_000


def test_a_block_takes_a_second_quadrillion(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """qingxu's ratio is 1:1: allocations of 10^15 fen (the most one share may be) and of one
    fen less owe 2 × 10^15 - 1, far inside a BIGINT."""
    open_accounts(funding_app, (CITY, "source", False), (LINE, "line", True))
    fund(funding_app, source=CITY, account=LINE, amount_fen=2 * 10**15, key="fund")
    _save_matching(funding_client, funding_headers, district_part="1")
    for amount in (10**15, 10**15 - 1):
        answer = _allocate(funding_client, funding_headers, "qingxu", amount)
        assert answer.status_code == 201, answer.text
    matching = funding_client.get("/v1/districts/qingxu/matching", headers=funding_headers())
    [block] = matching.json()["blocks"]
    assert (block["city_fen"], block["owed_fen"]) == (2 * 10**15 - 1, 2 * 10**15 - 1)
