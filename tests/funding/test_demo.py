"""`make run`'s funding demo: bases with 2015 KPIs and acceptance a reward run can compute, and
voucher settlements of this year paid from the demo's one budget (the plan's 2015)."""

import re
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.db import Database
from services.funding.demo import load as load_demo
from services.funding.disbursements.settlements import settlement_handlers
from services.funding.settings import FundingSettings
from tests.funding.conftest import FundingHeaders
from tests.funding.feeds import consume

PROCFILE = Path(__file__).resolve().parents[2] / "deploy" / "Procfile"


def test_the_demo_bases_give_a_2015_reward_run_something_to_compute(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    database: Database = funding_app.state.database
    load_demo(database)
    load_demo(database)  # a second `make run` adds nothing
    admin = funding_headers()
    bases = funding_client.get("/v1/bases", headers=admin).json()["items"]
    assert sorted((b["district"], b["kind"], b["status"]) for b in bases) == [
        ("xiaodian", "startup_base", "admitted"),
        ("xinghualing", "micro_incubation_park", "admitted"),
        ("yingze", "maker_space", "admitted"),
    ]
    results = funding_client.get("/v1/acceptances?year=2015", headers=admin).json()["items"]
    assert sorted(r["result"] for r in results) == ["failed", "passed", "passed"]

    run = funding_client.post(
        "/v1/reward-runs",
        json={"year": 2015, "budget_line": "space", "rule_set_version": 1, "dry_run": True},
        headers={**admin, "Idempotency-Key": "demo-dry-run"},
    )
    assert run.status_code == 200, run.text
    by_district = {line["district"]: line["awarded_fen"] for line in run.json()["lines"]}
    # space 2015 (docs/funding-rewards.md): 60 yuan/m² + 20,000 yuan per incubated enterprise,
    # times the kind's multiplier; the failed micro park gets nothing.
    assert by_district == {
        "xiaodian": (12_000 * 60 + 42 * 20_000) * 100,  # start-up base ×1
        "yingze": (3_500 * 60 + 26 * 20_000) * 100 * 12 // 10,  # maker space ×1.2
    }


def test_make_run_pays_this_years_voucher_settlements_from_the_2015_line(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_settings: FundingSettings,
    funding_headers: FundingHeaders,
) -> None:
    load_demo(funding_app.state.database)
    [line] = [row for row in PROCFILE.read_text().splitlines() if row.startswith("funding:")]
    year = re.search(r"FUNDING_VOUCHER_BUDGET_YEAR=\$\{FUNDING_VOUCHER_BUDGET_YEAR:-(\d+)\}", line)
    assert year is not None, line
    settings = funding_settings.model_copy(update={"voucher_budget_year": int(year.group(1))})
    month = datetime.now(UTC).strftime("%Y-%m")
    feed = [
        (
            "settlement.requested",
            {
                "settlement_id": "vst_demo", "provider_id": "prv_lab",
                "provider_uscc": "12140000MB1234567X", "provider_name": "山西省检测研究院",
                "amount_fen": 250_000, "redeemed_fen": 250_000, "clawback_fen": 0, "lines": 1,
                "month": month,
            },
        )
    ]  # fmt: skip
    assert consume(funding_app, "funding.vouchers", settlement_handlers(settings), feed) == 1
    [request] = funding_client.get("/v1/settlement-requests", headers=funding_headers()).json()[
        "items"
    ]
    assert (request["month"], request["outcome"]) == (month, "proposed"), request
    line = funding_client.get("/v1/ledger/accounts/line:2015:public-services").json()
    assert line["balance_fen"] == 218_000_000 * 100 - 250_000  # 公共服务 2.18亿 yuan, less it
