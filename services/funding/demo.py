"""Funding demo data for `make run` (development only; loading twice loads nothing new):
the plan's 2015 budget (8.1亿 by source and by use, with the financing measures), reconciled,
a first `funding.matching` version that follows the plan's district ratios, and the 助保贷 risk
pool: its stock and the 2015–2017 deposits (3.67亿; see `riskpool/plan.py`) and a demo agreement
with 晋商银行 (JSB; demo terms, not the plan's), and the 应急周转 bridge fund's capital: the 2015
budget's sub-line `financing:zhubaodai-bridge` (0.1亿)."""

from datetime import date

from sqlmodel import Session, col, select

from services.common.db import Database
from services.common.identity import ClientKind, Principal
from services.common.rules.models import RuleSet
from services.common.rules.schemas import RuleSetCreate
from services.common.rules.service import create_rule_set
from services.funding.agreements import service as agreements
from services.funding.agreements.schemas import BankAgreementCreate
from services.funding.allocations.rules import MATCHING
from services.funding.bridge import service as bridge
from services.funding.bridge.schemas import BridgeCapitalCreate
from services.funding.budgets import service as budgets
from services.funding.budgets.plan2015 import budget_2015
from services.funding.riskpool import service as riskpool
from services.funding.riskpool.plan import PLAN_DEPOSITS
from services.funding.rules import FAMILIES
from services.funding.settings import FundingSettings

DEMO = Principal(
    client_id="demo_seed",
    kind=ClientKind.ADMIN,
    org="finance_bureau",
    scopes=frozenset({"funding:admin"}),
)
PLAN_RATIOS = RuleSetCreate.model_validate(
    {
        "family": MATCHING,
        "effective_from": "2015-01-01",
        "description": "The plan's matching ratios (1:2, 1:1.5, 1:1, 1:0.5 by district)",
        "inputs": {"plan_city_part": "int", "plan_district_part": "int"},
        "rules": [
            {"name": "city_part", "expression": "plan_city_part"},
            {"name": "district_part", "expression": "plan_district_part"},
        ],
    }
)


def _has_matching(session: Session) -> bool:
    return (
        session.exec(select(RuleSet.id).where(col(RuleSet.family) == MATCHING)).first() is not None
    )


def load(database: Database) -> bool:
    """Load what is missing; whether the 2015 budget was loaded now."""
    with database.transaction() as session:
        _budget, loaded = budgets.load_budget(
            session, data=budget_2015(), principal_id=DEMO.client_id
        )
        if not _has_matching(session):
            create_rule_set(session=session, principal=DEMO, families=FAMILIES, data=PLAN_RATIOS)
    return loaded


DEMO_AGREEMENT = BankAgreementCreate(
    bank_code="JSB",
    bank_name="晋商银行",
    effective_from=date(2015, 1, 1),
    leverage_multiple=10,
    rate_cap_bp=650,
    pool_share_bp=6000,
    per_loan_cap_fen=500 * 10**6,  # 500万
    per_enterprise_cap_fen=1000 * 10**6,  # 1000万
    note="Demo terms for `make run` (the plan sets only the 10× leverage).",
)


def load_risk_pool(database: Database) -> None:
    """The pool's stock and yearly deposits (after the 2015 budget) and JSB's demo terms."""
    with database.transaction() as session:
        for key, deposit in PLAN_DEPOSITS:
            riskpool.deposit(session=session, principal_id=DEMO.client_id, key=key, data=deposit)
        if not agreements.versions_of(session, bank_code=DEMO_AGREEMENT.bank_code):
            agreements.add_version(session=session, principal=DEMO, data=DEMO_AGREEMENT)


BRIDGE_CAPITAL_2015 = BridgeCapitalCreate(
    year=2015,
    amount_fen=1_000_000_000,  # 0.1亿: the whole 2015 sub-line
    memo="应急周转 fund: the 2015 budget's 助保贷 bridge measure (0.1亿)",
)


def load_bridge_fund(database: Database) -> None:
    """The bridge fund's capital from the 2015 budget's sub-line (after the budget; once)."""
    with database.transaction() as session:
        bridge.load_capital(
            session=session,
            principal_id=DEMO.client_id,
            key="demo:bridge-capital:2015",
            data=BRIDGE_CAPITAL_2015,
        )


def seed(settings: FundingSettings | None = None) -> list[str]:
    """`services.manage prepare`: load the funding demo data."""
    settings = settings or FundingSettings()
    if settings.environment != "development":
        return []
    database = Database(settings.resolved_database_url, schema=settings.resolved_schema)
    try:
        load(database)
        load_risk_pool(database)
        load_bridge_fund(database)
    finally:
        database.dispose()
    return [
        "",
        "Funding demo: the 2015 budget (8.1亿; financing 2.87亿 + 10万 reconciled from the "
        "balancing reserve) and the plan's matching ratios — GET /funding/v1/budgets/2015, "
        "/funding/v1/ledger/trial-balance; the 助保贷 risk pool (3.67亿) — "
        "/funding/v1/risk-pool; the bridge fund (0.1亿) — /funding/v1/bridge-fund.",
    ]
