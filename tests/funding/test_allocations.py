"""Block allocation and district matching through the HTTP API.

Ratios are the plan's, from the registry's reference (via the `funding.matching` rule set that
follows the plan): xiaodian 1:1.5, hi_tech_zone 1:2, economic_zone 1:2, qingxu 1:1,
yangqu 1:0.5, loufan 1:0.5. Every figure below is worked out by hand.
"""

import uuid
import zlib
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from services.common.db import Database
from services.funding.allocations.models import MatchingBlock
from services.funding.bases.models import ADMITTED, FILED, Base, BaseKpi
from tests.funding.conftest import FundingHeaders
from tests.funding.ledger_support import balance, fund, open_accounts
from tests.stale import stale_once

LINE = "line:2015:space"
CITY = "source:city"

PLAN_MATCHING = {
    "family": "funding.matching",
    "effective_from": "2015-01-01",
    "description": "The plan's ratios",
    "inputs": {"plan_city_part": "int", "plan_district_part": "int"},
    "rules": [
        {"name": "city_part", "expression": "plan_city_part"},
        {"name": "district_part", "expression": "plan_district_part"},
    ],
}


def _idem(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Idempotency-Key": uuid.uuid4().hex}


def _setup(
    app: FastAPI, client: TestClient, headers: FundingHeaders, line_fen: int = 24_000_000_000
) -> None:
    open_accounts(app, (CITY, "source", False), (LINE, "line", True))
    fund(app, source=CITY, account=LINE, amount_fen=line_fen, key="space-2015")
    answer = client.post("/v1/rule-sets", json=PLAN_MATCHING, headers=headers())
    assert answer.status_code == 201, answer.text


def _allocate(client: TestClient, headers: FundingHeaders, **body: Any) -> Any:
    payload = {"year": 2015, "line": "space", "memo": "2015 切块", **body}
    return client.post("/v1/allocations", json=payload, headers=_idem(headers()))


def _district(headers: FundingHeaders, code: str) -> dict[str, str]:
    return headers(kind="department", org=code, scopes=("funding:read", "funding:accept"))


def test_allocating_2_4_yi_explicitly_creates_matching_at_each_districts_ratio(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app, funding_client, funding_headers)
    amounts = {
        "xiaodian": 6_000_000_000,  # 1:1.5 → 9,000,000,000
        "hi_tech_zone": 8_000_000_000,  # 1:2 → 16,000,000,000
        "qingxu": 4_000_000_000,  # 1:1 → 4,000,000,000
        "yangqu": 3_000_000_000,  # 1:0.5 → 1,500,000,000
        "economic_zone": 1_999_999_999,  # 1:2 → 3,999,999,998
        "loufan": 1_000_000_001,  # 1:0.5 → 500,000,000.5, rounded up: 500,000,001
    }  # Σ 24,000,000,000 = 2.4亿
    answer = _allocate(
        funding_client,
        funding_headers,
        method="explicit",
        amounts=[{"district": d, "amount_fen": n} for d, n in amounts.items()],
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["total_fen"] == 24_000_000_000 and body["method"] == "explicit"
    shares = {s["district"]: (s["city_fen"], s["ratio"], s["owed_fen"]) for s in body["shares"]}
    assert shares == {
        "xiaodian": (6_000_000_000, "1:1.5", 9_000_000_000),
        "hi_tech_zone": (8_000_000_000, "1:2", 16_000_000_000),
        "qingxu": (4_000_000_000, "1:1", 4_000_000_000),
        "yangqu": (3_000_000_000, "1:0.5", 1_500_000_000),
        "economic_zone": (1_999_999_999, "1:2", 3_999_999_998),
        "loufan": (1_000_000_001, "1:0.5", 500_000_001),
    }
    assert balance(funding_app, LINE) == 0
    assert balance(funding_app, "block:2015:space:xiaodian") == 6_000_000_000
    matching = funding_client.get("/v1/districts/xiaodian/matching", headers=funding_headers())
    assert matching.status_code == 200
    assert matching.json() == {
        "district": "xiaodian",
        "owed_fen": 9_000_000_000,
        "paid_fen": 0,
        "outstanding_fen": 9_000_000_000,
        "blocks": [
            {
                "block_account": "block:2015:space:xiaodian",
                "year": 2015,
                "line": "space",
                "city_fen": 6_000_000_000,
                "owed_fen": 9_000_000_000,
                "paid_fen": 0,
                "outstanding_fen": 9_000_000_000,
                "balance_fen": 6_000_000_000,
            }
        ],
    }
    trial = funding_client.get("/v1/ledger/trial-balance").json()
    assert trial["zero_sum"] and trial["totals_by_kind"]["block"] == 24_000_000_000
    assert (
        funding_client.get(f"/v1/allocations/{body['id']}", headers=funding_headers()).json()
        == body
    )


def test_an_allocation_beyond_the_line_or_with_bad_districts_changes_nothing(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app, funding_client, funding_headers, line_fen=1_000)
    over = _allocate(
        funding_client,
        funding_headers,
        method="explicit",
        amounts=[
            {"district": "xiaodian", "amount_fen": 600},
            {"district": "yangqu", "amount_fen": 401},
        ],
    )
    assert over.status_code == 409 and over.json()["code"] == "ledger_insufficient_funds"
    unknown = _allocate(
        funding_client,
        funding_headers,
        method="explicit",
        amounts=[{"district": "atlantis", "amount_fen": 1}],
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_district"
    assert unknown.json()["errors"][0]["field"] == "body.amounts.0.district"
    twice = _allocate(
        funding_client,
        funding_headers,
        method="explicit",
        amounts=[{"district": "yangqu", "amount_fen": 1}, {"district": "yangqu", "amount_fen": 2}],
    )
    assert twice.status_code == 422 and twice.json()["code"] == "allocation_invalid"
    no_line = _allocate(
        funding_client,
        funding_headers,
        line="nowhere",
        method="explicit",
        amounts=[{"district": "yangqu", "amount_fen": 1}],
    )
    assert no_line.status_code == 422 and no_line.json()["code"] == "unknown_budget_line"
    mixed = _allocate(funding_client, funding_headers, method="explicit", total_fen=5)
    assert mixed.status_code == 422 and [e["field"] for e in mixed.json()["errors"]] == ["body"]
    assert balance(funding_app, LINE) == 1_000
    assert funding_client.get("/v1/allocations", headers=funding_headers()).json()["items"] == []
    matching = funding_client.get("/v1/districts/xiaodian/matching", headers=funding_headers())
    assert matching.json()["blocks"] == []


def test_without_a_matching_rule_set_in_force_nothing_is_allocated(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    open_accounts(funding_app, (CITY, "source", False), (LINE, "line", True))
    fund(funding_app, source=CITY, account=LINE, amount_fen=500, key="k")
    answer = _allocate(
        funding_client,
        funding_headers,
        method="explicit",
        amounts=[{"district": "yangqu", "amount_fen": 500}],
    )
    assert answer.status_code == 409 and answer.json()["code"] == "no_rule_set_in_force"
    assert balance(funding_app, LINE) == 500


def test_a_later_years_ratios_change_by_a_new_version_and_2015_keeps_its_own(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app, funding_client, funding_headers)
    open_accounts(funding_app, ("line:2016:space", "line", True))
    fund(funding_app, source=CITY, account="line:2016:space", amount_fen=1_000, key="space-2016")
    v2 = {
        **PLAN_MATCHING,
        "effective_from": "2016-01-01",
        "description": "2016: yangqu moves to 1:1",
        "inputs": {**PLAN_MATCHING["inputs"], "district": "string"},
        "rules": [
            {"name": "city_part", "expression": "plan_city_part"},
            {
                "name": "district_part",
                "expression": 'district == "yangqu" ? plan_city_part : plan_district_part',
            },
        ],
    }
    assert (
        funding_client.post("/v1/rule-sets", json=v2, headers=funding_headers()).status_code == 201
    )
    one = {"method": "explicit", "amounts": [{"district": "yangqu", "amount_fen": 1_000}]}
    in_2015 = _allocate(funding_client, funding_headers, **one).json()
    in_2016 = _allocate(funding_client, funding_headers, year=2016, **one).json()
    assert in_2015["shares"][0]["ratio"] == "1:0.5" and in_2015["shares"][0]["owed_fen"] == 500
    assert in_2016["shares"][0]["ratio"] == "1:1" and in_2016["shares"][0]["owed_fen"] == 1_000
    assert in_2015["matching_rule_set_id"] != in_2016["matching_rule_set_id"]
    # a version that was used never changes again
    used = funding_client.get(
        f"/v1/rule-sets/{in_2015['matching_rule_set_id']}", headers=funding_headers()
    ).json()
    assert used["in_use"] is True
    yangqu = funding_client.get("/v1/districts/yangqu/matching", headers=funding_headers()).json()
    assert [(b["year"], b["owed_fen"]) for b in yangqu["blocks"]] == [(2015, 500), (2016, 1_000)]
    assert yangqu["owed_fen"] == 1_500


def _seed_bases(app: FastAPI) -> None:
    """Made-up bases: (district, kind, area m², status, private money leveraged in 2014)."""
    rows = [
        ("xiaodian", "maker_space", 3_000, ADMITTED, 200_000_000),
        ("xiaodian", "tech_incubator", 2_000, ADMITTED, 300_000_000),
        ("hi_tech_zone", "tech_incubator", 4_500, ADMITTED, 1_500_000_000),
        ("yangqu", "maker_space", 1_000, ADMITTED, None),
        ("qingxu", "startup_base", 9_999, FILED, None),  # not admitted: weighs nothing
    ]
    for district, kind, area, status, private in rows:
        kpis = None
        if private is not None:
            kpis = {2014: {"enterprises_incubated": 3, "jobs_created": 10,
                           "private_money_fen": private, "services_delivered": 5}}  # fmt: skip
        _add_base(app, district, kind, area, status=status, kpis=kpis)


def _add_base(
    app: FastAPI,
    district: str,
    kind: str,
    area: int,
    *,
    status: str = ADMITTED,
    kpis: dict[int, dict[str, int]] | None = None,
) -> str:
    """A base opened in 2014, with the KPI figures given for each year of `kpis` (others 0)."""
    database: Database = app.state.database
    base_id = f"bas_{district}_{kind}"
    with database.transaction() as session:
        session.add(
            Base(
                id=base_id,
                operator_uscc=f"91140100MA0K9{zlib.crc32(base_id.encode()) % 100_000:05d}",
                name=f"{district} {kind}",
                district=district,
                kind=kind,
                area_m2=area,
                opened_on=date(2014, 1, 1),
                status=status,
                department="science",
                filed_by="test",
            )
        )
        session.flush()
        for year, figures in (kpis or {}).items():
            reported = {
                "enterprises_incubated": 0,
                "jobs_created": 0,
                "private_money_fen": 0,
                "services_delivered": 0,
                **figures,
            }
            session.add(
                BaseKpi(
                    id=f"kpi_{base_id}_{year}",
                    base_id=base_id,
                    year=year,
                    reported_by="test",
                    **reported,
                )
            )
    return base_id


WEIGHTS = {
    "family": "funding.allocation",
    "effective_from": "2015-01-01",
    "description": "area, plus 1 per 万元 leveraged, plus 1,000 per tech incubator",
    "inputs": {
        "area_m2": "int",
        "private_money_fen": "int",
        "bases_by_kind": "map<string, int>",
    },
    "rules": [
        {
            "name": "weight",
            "expression": 'area_m2 + private_money_fen / 1000000 + bases_by_kind["tech_incubator"] * 1000',
        }
    ],
}


def test_a_rule_set_allocation_splits_by_the_bases_weights_exactly(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app, funding_client, funding_headers)
    _seed_bases(funding_app)
    assert (
        funding_client.post("/v1/rule-sets", json=WEIGHTS, headers=funding_headers()).status_code
        == 201
    )
    answer = _allocate(
        funding_client,
        funding_headers,
        method="rule_set",
        total_fen=24_000_000_000,
        districts=["xiaodian", "hi_tech_zone", "yangqu", "qingxu"],
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    # weights: xiaodian 5,000 m² + 500 (万元) + 1,000 = 6,500; hi_tech_zone 4,500 + 1,500 +
    # 1,000 = 7,000; yangqu 1,000; qingxu 0 (its base is not admitted). Σ 14,500.
    # 24,000,000,000 × 6,500 / 14,500 = 10,758,620,689 r 9,500
    # 24,000,000,000 × 7,000 / 14,500 = 11,586,206,896 r 8,000
    # 24,000,000,000 × 1,000 / 14,500 =  1,655,172,413 r 11,500
    # floors sum to 23,999,999,998: the 2 fen left go to the largest remainders (yangqu, xiaodian)
    shares = {s["district"]: (s["weight"], s["city_fen"], s["owed_fen"]) for s in body["shares"]}
    assert shares == {
        "xiaodian": (6_500, 10_758_620_690, 16_137_931_035),  # × 3/2, rounded up
        "hi_tech_zone": (7_000, 11_586_206_896, 23_172_413_792),  # × 2
        "yangqu": (1_000, 1_655_172_414, 827_586_207),  # × 1/2
    }
    assert body["kpi_year"] == 2014 and body["allocation_rule_set_id"]
    assert balance(funding_app, LINE) == 0


def test_matching_payments_raise_what_the_block_can_spend_and_never_exceed_what_is_owed(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app, funding_client, funding_headers)
    _allocate(
        funding_client,
        funding_headers,
        method="explicit",
        amounts=[{"district": "xiaodian", "amount_fen": 6_000}],
    )  # owes 9,000
    block = "block:2015:space:xiaodian"
    open_accounts(funding_app, ("other:spent", "other", True))
    # before any match, the block pays out its city share and no more
    beyond = funding_client.post(
        "/v1/ledger/transfers",
        json={
            "kind": "reward",
            "memo": "reward",
            "legs": [
                {"account": block, "amount_fen": -6_001},
                {"account": "other:spent", "amount_fen": 6_001},
            ],
        },
        headers=_idem(funding_headers()),
    )
    assert beyond.status_code == 409 and beyond.json()["code"] == "ledger_insufficient_funds"
    url = "/v1/districts/xiaodian/matching/payments"
    payment = {"year": 2015, "line": "space", "amount_fen": 4_000, "reference": "小财配套-1"}
    paid = funding_client.post(
        url, json=payment, headers=_idem(_district(funding_headers, "xiaodian"))
    )
    assert paid.status_code == 201, paid.text
    assert paid.json()["block"] == {
        "block_account": block,
        "year": 2015,
        "line": "space",
        "city_fen": 6_000,
        "owed_fen": 9_000,
        "paid_fen": 4_000,
        "outstanding_fen": 5_000,
        "balance_fen": 10_000,
    }
    assert balance(funding_app, "source:district:xiaodian") == -4_000
    # now 6,001 fits: city share + match paid
    again = funding_client.post(
        "/v1/ledger/transfers",
        json={
            "kind": "reward",
            "memo": "reward",
            "legs": [
                {"account": block, "amount_fen": -6_001},
                {"account": "other:spent", "amount_fen": 6_001},
            ],
        },
        headers=_idem(funding_headers()),
    )
    assert again.status_code == 201
    over = funding_client.post(
        url, json={**payment, "amount_fen": 5_001}, headers=_idem(funding_headers())
    )
    assert over.status_code == 409 and over.json()["code"] == "matching_overpaid"
    other = funding_client.post(
        url, json=payment, headers=_idem(_district(funding_headers, "yangqu"))
    )
    assert other.status_code == 403 and other.json()["code"] == "not_this_district"
    no_block = funding_client.post(
        "/v1/districts/yangqu/matching/payments",
        json=payment,
        headers=_idem(_district(funding_headers, "yangqu")),
    )
    assert no_block.status_code == 404 and no_block.json()["code"] == "block_not_found"
    rest = funding_client.post(
        url, json={**payment, "amount_fen": 5_000}, headers=_idem(funding_headers())
    )
    assert rest.status_code == 201
    matching = funding_client.get(
        "/v1/districts/xiaodian/matching", headers=funding_headers()
    ).json()
    assert (matching["owed_fen"], matching["paid_fen"], matching["outstanding_fen"]) == (
        9_000,
        9_000,
        0,
    )
    assert matching["blocks"][0]["balance_fen"] == 6_000 + 9_000 - 6_001
    unknown = funding_client.get("/v1/districts/atlantis/matching", headers=funding_headers())
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_district"


def test_a_rule_set_allocation_with_nothing_to_weigh_or_a_foreign_rule_set_is_refused(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app, funding_client, funding_headers)
    _seed_bases(funding_app)
    created = funding_client.post("/v1/rule-sets", json=WEIGHTS, headers=funding_headers())
    weights_id = created.json()["id"]
    nothing = _allocate(
        funding_client,
        funding_headers,
        method="rule_set",
        total_fen=1_000,
        districts=["qingxu", "gujiao"],
    )  # qingxu's only base is not admitted, gujiao has none
    assert nothing.status_code == 422 and nothing.json()["code"] == "allocation_invalid"
    matching_id = funding_client.get(
        "/v1/rule-sets?family=funding.matching", headers=funding_headers()
    ).json()["items"][0]["id"]
    foreign = _allocate(
        funding_client, funding_headers, method="rule_set", total_fen=1_000, rule_set_id=matching_id
    )
    assert (
        foreign.status_code == 422
        and foreign.json()["code"] == "allocation_invalid"
        and foreign.json()["errors"][0]["field"] == "body.rule_set_id"
    )
    assert balance(funding_app, LINE) == 24_000_000_000
    unused = funding_client.get(f"/v1/rule-sets/{weights_id}", headers=funding_headers()).json()
    assert unused["in_use"] is False


def test_an_allocation_mixing_the_two_methods_fields_is_refused_naming_why(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app, funding_client, funding_headers, line_fen=1_000)
    both = _allocate(
        funding_client,
        funding_headers,
        method="explicit",
        amounts=[{"district": "yangqu", "amount_fen": 1}],
        total_fen=1,
    )
    assert both.status_code == 422 and both.json()["code"] == "validation_failed"
    assert "total_fen" in both.text
    no_total = _allocate(funding_client, funding_headers, method="rule_set")
    assert no_total.status_code == 422 and no_total.json()["code"] == "validation_failed"
    assert "total_fen" in no_total.text
    assert balance(funding_app, LINE) == 1_000
    assert funding_client.get("/v1/allocations", headers=funding_headers()).json()["items"] == []


def test_a_named_weights_version_is_used_and_a_district_named_twice_is_refused(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app, funding_client, funding_headers)
    _seed_bases(funding_app)
    weights_id = funding_client.post(
        "/v1/rule-sets", json=WEIGHTS, headers=funding_headers()
    ).json()["id"]
    twice = _allocate(
        funding_client,
        funding_headers,
        method="rule_set",
        total_fen=1_000,
        rule_set_id=weights_id,
        districts=["yangqu", "xiaodian", "yangqu"],
    )
    assert twice.status_code == 422 and twice.json()["code"] == "allocation_invalid"
    assert twice.json()["errors"][0]["field"] == "body.districts"
    assert balance(funding_app, LINE) == 24_000_000_000
    answer = _allocate(
        funding_client,
        funding_headers,
        method="rule_set",
        total_fen=1_000,
        rule_set_id=weights_id,
        districts=["yangqu"],
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    # yangqu alone takes the whole 1,000 fen (weight 1,000 m²); matching 1:0.5 → 500 fen owed
    assert body["allocation_rule_set_id"] == weights_id
    assert [(s["district"], s["weight"], s["city_fen"], s["owed_fen"]) for s in body["shares"]] == [
        ("yangqu", 1_000, 1_000, 500)
    ]
    assert balance(funding_app, LINE) == 24_000_000_000 - 1_000


def test_a_rule_set_giving_a_negative_weight_or_a_zero_ratio_allocates_nothing(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app, funding_client, funding_headers)
    _seed_bases(funding_app)
    negative = {
        **WEIGHTS,
        "description": "a broken weight: area less 1,001 (yangqu's 1,000 m² weigh -1)",
        "rules": [{"name": "weight", "expression": "area_m2 - 1001"}],
    }
    created = funding_client.post("/v1/rule-sets", json=negative, headers=funding_headers())
    assert created.status_code == 201, created.text
    refused = _allocate(
        funding_client, funding_headers, method="rule_set", total_fen=1_000, districts=["yangqu"]
    )
    assert refused.status_code == 409 and refused.json()["code"] == "matching_rule_invalid"
    open_accounts(funding_app, ("line:2016:space", "line", True))
    fund(funding_app, source=CITY, account="line:2016:space", amount_fen=1_000, key="space-2016")
    zero = {
        **PLAN_MATCHING,
        "effective_from": "2016-01-01",
        "description": "2016: a broken ratio",
        "rules": [
            {"name": "city_part", "expression": "plan_city_part"},
            {"name": "district_part", "expression": "0"},
        ],
    }
    assert (
        funding_client.post("/v1/rule-sets", json=zero, headers=funding_headers()).status_code
        == 201
    )
    ratio = _allocate(
        funding_client,
        funding_headers,
        year=2016,
        method="explicit",
        amounts=[{"district": "yangqu", "amount_fen": 1_000}],
    )
    assert ratio.status_code == 409 and ratio.json()["code"] == "matching_rule_invalid"
    assert balance(funding_app, LINE) == 24_000_000_000
    assert balance(funding_app, "line:2016:space") == 1_000
    assert funding_client.get("/v1/allocations", headers=funding_headers()).json()["items"] == []
    yangqu = funding_client.get("/v1/districts/yangqu/matching", headers=funding_headers()).json()
    assert yangqu["blocks"] == []


KINDS_AND_FIGURES = {
    "family": "funding.allocation",
    "effective_from": "2015-01-01",
    "description": "maker-space area and bases, private money, incubated enterprises, plus 1",
    "inputs": {
        "area_m2_by_kind": "map<string, int>",
        "bases_by_kind": "map<string, int>",
        "private_money_fen": "int",
        "enterprises_incubated": "int",
    },
    "rules": [
        {
            "name": "weight",
            "expression": 'area_m2_by_kind["maker_space"] + bases_by_kind["maker_space"]'
            " + private_money_fen + enterprises_incubated + 1",
        }
    ],
}


def test_a_districts_weight_reads_its_own_kinds_and_zero_where_nothing_was_reported(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """Weights by hand: xiaodian 3,000 m² and 1 base of maker space (not its tech incubator)
    + 500,000,000 fen + 6 enterprises + 1; hi_tech_zone no maker space + 1,500,000,000 + 3 + 1;
    yangqu 1,000 m² and 1 base, no KPI report for 2014 (0 money, 0 enterprises) + 1; qingxu
    (its one base not admitted) and loufan (a commerce cluster, a kind sorting before maker
    space) weigh 1. The total is the weights' sum: each city share is its weight exactly. A
    district not of the programme is refused before anything is weighed."""
    _setup(funding_app, funding_client, funding_headers)
    _seed_bases(funding_app)
    _add_base(funding_app, "loufan", "commerce_cluster", 700)
    saved = funding_client.post("/v1/rule-sets", json=KINDS_AND_FIGURES, headers=funding_headers())
    assert saved.status_code == 201, saved.text
    unknown = _allocate(
        funding_client,
        funding_headers,
        method="rule_set",
        total_fen=1_000,
        districts=["xiaodian", "atlantis"],
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_district"
    assert unknown.json()["errors"][0]["field"] == "body.districts.1"
    weights = {
        "xiaodian": 3_000 + 1 + 500_000_000 + 6 + 1,
        "hi_tech_zone": 1_500_000_000 + 3 + 1,
        "yangqu": 1_000 + 1 + 1,
        "qingxu": 1,
        "loufan": 1,
    }
    answer = _allocate(
        funding_client,
        funding_headers,
        method="rule_set",
        total_fen=sum(weights.values()),
        districts=list(weights),
    )
    assert answer.status_code == 201, answer.text
    shares = {s["district"]: (s["weight"], s["city_fen"]) for s in answer.json()["shares"]}
    assert shares == {district: (weight, weight) for district, weight in weights.items()}


def test_allocations_are_listed_by_year_and_line(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app, funding_client, funding_headers)
    for line in ("line:2016:space", "line:2015:public-services"):
        open_accounts(funding_app, (line, "line", True))
        fund(funding_app, source=CITY, account=line, amount_fen=1_000, key=f"fund-{line}")
    made = {}
    for year, line in ((2015, "space"), (2016, "space"), (2015, "public-services")):
        answer = _allocate(
            funding_client,
            funding_headers,
            year=year,
            line=line,
            method="explicit",
            amounts=[{"district": "qingxu", "amount_fen": 100}],
        )
        assert answer.status_code == 201, answer.text
        made[(year, line)] = answer.json()["id"]

    def listed(**params: Any) -> list[str]:
        answer = funding_client.get("/v1/allocations", params=params, headers=funding_headers())
        assert answer.status_code == 200, answer.text
        return [a["id"] for a in answer.json()["items"]]

    assert listed() == list(made.values())
    everything = funding_client.get("/v1/allocations", headers=funding_headers()).json()["items"]
    assert [[s["city_fen"] for s in a["shares"]] for a in everything] == [[100], [100], [100]]

    def blocks(**params: Any) -> list[str]:
        answer = funding_client.get(
            "/v1/districts/qingxu/matching", params=params, headers=funding_headers()
        )
        assert answer.status_code == 200, answer.text
        return [b["block_account"] for b in answer.json()["blocks"]]

    assert blocks(year=2015) == [
        "block:2015:public-services:qingxu",
        "block:2015:space:qingxu",
    ]
    assert blocks(year=2016) == ["block:2016:space:qingxu"]
    assert len(blocks()) == 3
    assert listed(year=2015) == [made[(2015, "space")], made[(2015, "public-services")]]
    assert listed(year=2016) == [made[(2016, "space")]]
    assert listed(line="space") == [made[(2015, "space")], made[(2016, "space")]]
    assert listed(line="public-services") == [made[(2015, "public-services")]]
    assert listed(year=2016, line="public-services") == []


def test_a_block_opened_concurrently_takes_the_allocation_added_to_it(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The block read misses the block a concurrent allocation committed: the insert's unique
    violation is taken as 'opened meanwhile' and the shares are added to it."""
    _setup(funding_app, funding_client, funding_headers)
    amounts = [{"district": "qingxu", "amount_fen": 1_000}]  # 1:1
    first = _allocate(funding_client, funding_headers, method="explicit", amounts=amounts)
    assert first.status_code == 201, first.text
    monkeypatch.setattr(
        Session,
        "get",
        stale_once(Session.get, None, lambda _s, entity, *_a, **_k: entity is MatchingBlock),
    )
    second = _allocate(funding_client, funding_headers, method="explicit", amounts=amounts)
    monkeypatch.undo()
    assert second.status_code == 201, second.text
    matching = funding_client.get("/v1/districts/qingxu/matching", headers=funding_headers())
    [block] = matching.json()["blocks"]
    assert (block["city_fen"], block["owed_fen"], block["balance_fen"]) == (2_000, 2_000, 2_000)


def test_a_matching_payment_raises_its_own_block_alone(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app, funding_client, funding_headers)
    # hi_tech_zone's block sorts before qingxu's
    amounts = [{"district": d, "amount_fen": 1_000} for d in ("qingxu", "hi_tech_zone")]
    assert (
        _allocate(funding_client, funding_headers, method="explicit", amounts=amounts).status_code
        == 201
    )
    payment = {"year": 2015, "line": "space", "amount_fen": 400, "reference": "清徐配套-1"}
    url = "/v1/districts/qingxu/matching/payments"
    paid = funding_client.post(url, json=payment, headers=_idem(funding_headers()))
    assert paid.status_code == 201, paid.text

    def owed_and_paid(district: str) -> tuple[int, int]:
        shown = funding_client.get(f"/v1/districts/{district}/matching", headers=funding_headers())
        return shown.json()["owed_fen"], shown.json()["paid_fen"]

    assert owed_and_paid("qingxu") == (1_000, 400)
    assert owed_and_paid("hi_tech_zone") == (2_000, 0)
    # Another district's department may not report for qingxu, whatever it holds and however
    # its code sorts.
    for other in (
        funding_headers(kind="department", org="loufan", scopes=("funding:read", "funding:admin")),
        _district(funding_headers, "jiancaoping"),
        # an admin without funding:admin is no district, whatever its org says
        funding_headers(kind="admin", org="qingxu", scopes=("funding:read", "funding:accept")),
    ):
        refused = funding_client.post(url, json=payment, headers=_idem(other))
        assert refused.status_code == 403 and refused.json()["code"] == "not_this_district"
    assert owed_and_paid("qingxu") == (1_000, 400)
    over = funding_client.post(
        url, json={**payment, "amount_fen": 601}, headers=_idem(funding_headers())
    )
    assert over.status_code == 409 and over.json()["code"] == "matching_overpaid"
    assert over.json()["errors"] == [
        {
            "field": "body.amount_fen",
            "code": "matching_overpaid",
            "message": "qingxu owes 600 fen more for block:2015:space:qingxu",
        }
    ]


def test_a_rule_set_allocation_weighs_the_year_before_unless_told(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """2016, by the kinds rule: yangqu's maker space weighs 1,000 m² + 1 base + 1, plus its
    private money of the KPI year alone: 7 fen reported for 2015 (the default), 3 for 2014
    (and 1,000 for 2017, never read)."""
    _setup(funding_app, funding_client, funding_headers)
    _add_base(
        funding_app, "yangqu", "maker_space", 1_000,
        kpis={year: {"private_money_fen": fen} for year, fen in ((2014, 3), (2015, 7), (2017, 1_000))},
    )  # fmt: skip
    open_accounts(funding_app, ("line:2016:space", "line", True))
    fund(funding_app, source=CITY, account="line:2016:space", amount_fen=10_000, key="space-2016")
    saved = funding_client.post("/v1/rule-sets", json=KINDS_AND_FIGURES, headers=funding_headers())
    assert saved.status_code == 201, saved.text
    for kpi_year, weight in ((None, 1_009), (2014, 1_005)):
        body = {"year": 2016, "method": "rule_set", "total_fen": 1_000, "districts": ["yangqu"]}
        if kpi_year is not None:
            body["kpi_year"] = kpi_year
        answer = _allocate(funding_client, funding_headers, **body)
        assert answer.status_code == 201, answer.text
        assert answer.json()["kpi_year"] == (kpi_year or 2015)
        assert answer.json()["method"] == "rule_set"
        assert [s["weight"] for s in answer.json()["shares"]] == [weight]


def test_a_rule_set_allocation_uses_the_version_in_force_on_the_first_of_january(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """Version 1 weighs every district 1 on 1 January 2015 alone; version 2, from 2 January,
    weighs 2. A 2015 allocation is weighed by version 1."""
    _setup(funding_app, funding_client, funding_headers)
    for weight, effective_from, effective_to in (
        (1, "2015-01-01", "2015-01-01"),
        (2, "2015-01-02", None),
    ):
        saved = funding_client.post(
            "/v1/rule-sets",
            json={
                "family": "funding.allocation",
                "effective_from": effective_from,
                "effective_to": effective_to,
                "rules": [{"name": "weight", "expression": str(weight)}],
            },
            headers=funding_headers(),
        )
        assert saved.status_code == 201, saved.text
    answer = _allocate(
        funding_client, funding_headers, method="rule_set", total_fen=1_000, districts=["qingxu"]
    )
    assert answer.status_code == 201, answer.text
    assert [s["weight"] for s in answer.json()["shares"]] == [1]


def test_an_allocation_owes_by_the_matching_version_in_force_on_the_first_of_january(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """Matching version 1 is 1:1 on 1 January 2015 alone; version 2, from 2 January, 1:2."""
    open_accounts(funding_app, (CITY, "source", False), (LINE, "line", True))
    fund(funding_app, source=CITY, account=LINE, amount_fen=1_000, key="space-2015")
    for district_part, effective_from, effective_to in (
        ("1", "2015-01-01", "2015-01-01"),
        ("2", "2015-01-02", None),
    ):
        saved = funding_client.post(
            "/v1/rule-sets",
            json={
                "family": "funding.matching",
                "effective_from": effective_from,
                "effective_to": effective_to,
                "rules": [
                    {"name": "city_part", "expression": "1"},
                    {"name": "district_part", "expression": district_part},
                ],
            },
            headers=funding_headers(),
        )
        assert saved.status_code == 201, saved.text
    answer = _allocate(
        funding_client,
        funding_headers,
        method="explicit",
        amounts=[{"district": "qingxu", "amount_fen": 1_000}],
    )
    assert answer.status_code == 201, answer.text
    assert [(s["ratio"], s["owed_fen"]) for s in answer.json()["shares"]] == [("1:1", 1_000)]


def test_a_matching_payment_raises_its_own_block_and_no_other(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """xiaodian's block sorts before yangqu's: its payment leaves yangqu's untouched."""
    _setup(funding_app, funding_client, funding_headers)
    made = _allocate(
        funding_client,
        funding_headers,
        method="explicit",
        amounts=[
            {"district": "xiaodian", "amount_fen": 6_000},
            {"district": "yangqu", "amount_fen": 4_000},
        ],
    )
    assert made.status_code == 201, made.text
    paid = funding_client.post(
        "/v1/districts/xiaodian/matching/payments",
        json={"year": 2015, "line": "space", "amount_fen": 1_000, "reference": "小财配套-9"},
        headers=_idem(_district(funding_headers, "xiaodian")),
    )
    assert paid.status_code == 201, paid.text
    assert paid.json()["block"]["paid_fen"] == 1_000
    figures = {}
    for district in ("xiaodian", "yangqu"):
        matching = funding_client.get(
            f"/v1/districts/{district}/matching", headers=funding_headers()
        ).json()
        figures[district] = (matching["owed_fen"], matching["paid_fen"])
    assert figures == {"xiaodian": (9_000, 1_000), "yangqu": (2_000, 0)}
