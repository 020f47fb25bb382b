"""Funding demo data for `make run` (development only; loading twice loads nothing new):
the plan's 2015 budget (8.1亿 by source and by use, with the financing measures), reconciled,
a first `funding.matching` version that follows the plan's district ratios, a first list of
enterprise fees (涉企收费清单) for the fee subsidies, three
demonstration bases with their 2015 KPIs and year-end acceptance (two passed, one failed), so a
2015 reward run has something to compute, and the 助保贷 risk pool: its stock and the 2015–2017
deposits (3.67亿; see `riskpool/plan.py`) and a demo agreement with 晋商银行 (JSB; demo terms,
not the plan's), and the 应急周转 bridge fund's capital: the 2015 budget's sub-line
`financing:zhubaodai-bridge` (0.1亿).

The demo holds no budget but the plan's 2015 one: `make run` pays voucher settlements from its
公共服务 line (`deploy/Procfile` sets `FUNDING_VOUCHER_BUDGET_YEAR=2015` unless the environment
sets it), rather than inventing a budget for the current year. Without the setting a
settlement is paid from its own month's year, which a real deployment loads first.
"""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from services.common.db import Database
from services.common.etag import Precondition
from services.common.identity import ClientKind, Principal
from services.common.rules.models import RuleSet
from services.common.rules.schemas import RuleSetCreate
from services.common.rules.service import create_rule_set
from services.funding.acceptance import service as acceptance
from services.funding.acceptance.schemas import AcceptanceCreate
from services.funding.agreements import service as agreements
from services.funding.agreements.schemas import BankAgreementCreate
from services.funding.allocations.rules import MATCHING
from services.funding.bases import service as bases
from services.funding.bases.models import Base
from services.funding.bases.schemas import BaseCreate, BaseDecisionCreate, BaseKpiCreate
from services.funding.bridge import service as bridge
from services.funding.bridge.schemas import BridgeCapitalCreate
from services.funding.budgets import service as budgets
from services.funding.budgets.plan2015 import budget_2015
from services.funding.fees import service as fees
from services.funding.fees.schemas import FeeItemCreate
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

# Administrative fees a new small firm may still meet (涉企行政事业性收费), as the office lists them.
FEE_LIST = [
    FeeItemCreate(
        code="special-equipment-inspection",
        item="特种设备检验检测费",
        department="太原市质量技术监督局",
        legal_basis="《中华人民共和国特种设备安全法》；山西省特种设备检验检测收费标准",
    ),
    FeeItemCreate(
        code="measuring-instrument-verification",
        item="计量器具强制检定费",
        department="太原市质量技术监督局",
        legal_basis="《中华人民共和国计量法》第九条；《中华人民共和国计量法实施细则》",
    ),
    FeeItemCreate(
        code="air-defence-relocation",
        item="防空地下室易地建设费",
        department="太原市人民防空办公室",
        legal_basis="《中华人民共和国人民防空法》第二十二条；《山西省实施〈中华人民共和国人民防空法〉办法》",
    ),
    FeeItemCreate(
        code="sewage-treatment",
        item="污水处理费",
        department="太原市城乡管理委员会",
        legal_basis="《城镇排水与污水处理条例》第三十二条",
    ),
]


YEAR = 2015


@dataclass(frozen=True)
class DemoBase:
    """A demonstration base: its filing, its 2015 KPI report and acceptance."""

    operator_uscc: str
    name: str
    district: str
    kind: str
    area_m2: int
    opened_on: date
    enterprises_incubated: int
    jobs_created: int
    private_money_fen: int
    services_delivered: int
    passed: bool
    score: int
    findings: str


# Operators with valid USCCs (check characters computed, not real companies).
DEMO_BASES = (
    DemoBase("911401050000003183", "小店区青年创业园", "xiaodian", "startup_base", 12_000,
             date(2014, 9, 1), 42, 310, 1_250_000_000, 180, True, 88,
             "Occupancy 92%; mentoring sessions documented monthly."),
    DemoBase("91140106000000326C", "迎泽区创客空间", "yingze", "maker_space", 3_500,
             date(2014, 3, 15), 26, 95, 480_000_000, 240, True, 81,
             "Open workshops weekly; 26 teams incubated, 9 registered as enterprises."),
    DemoBase("91140107000000334M", "杏花岭区微型企业孵化园", "xinghualing",
             "micro_incubation_park", 6_000, date(2014, 6, 1), 8, 30, 90_000_000, 20, False, 52,
             "Occupancy 40%; no exit mechanism applied; services below the standard."),
)  # fmt: skip


def _department(org: str) -> Principal:
    return Principal(
        client_id=f"demo_seed_{org}",
        kind=ClientKind.DEPARTMENT,
        org=org,
        scopes=frozenset({"funding:read", "funding:accept"}),
    )


def _seed_base(session: Session, demo: DemoBase) -> None:
    """File, admit, report 2015 KPIs and record 2015 acceptance, through the services."""
    district = _department(demo.district)
    base = bases.file_base(
        session=session,
        principal=district,
        data=BaseCreate(
            operator_uscc=demo.operator_uscc,
            name=demo.name,
            district=demo.district,
            kind=demo.kind,
            area_m2=demo.area_m2,
            opened_on=demo.opened_on,
        ),
    )
    kind = bases.get_kind(session=session, code=demo.kind)
    responsible = _department(kind.department)
    unconditional = Precondition(None, required=False)
    assessment = [{"criterion": c["code"], "met": True} for c in kind.criteria]
    bases.decide(
        session=session,
        principal=responsible,
        base_id=base.id,
        data=BaseDecisionCreate.model_validate({"decision": "admit", "assessment": assessment}),
        precondition=unconditional,
    )
    bases.report_kpi(
        session=session,
        principal=district,
        base_id=base.id,
        year=YEAR,
        data=BaseKpiCreate(
            enterprises_incubated=demo.enterprises_incubated,
            jobs_created=demo.jobs_created,
            private_money_fen=demo.private_money_fen,
            services_delivered=demo.services_delivered,
        ),
        precondition=unconditional,
    )
    acceptance.record(
        session=session,
        principal=responsible,
        base_id=base.id,
        data=AcceptanceCreate.model_validate(
            {
                "year": YEAR,
                "result": "passed" if demo.passed else "failed",
                "score": demo.score,
                "findings": demo.findings,
            }
        ),
    )


def _has_bases(session: Session) -> bool:
    return session.exec(select(Base.id)).first() is not None


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
        if not _has_bases(session):
            for demo in DEMO_BASES:
                _seed_base(session, demo)
        listed = {item.code for item in fees.list_items(session=session, listed_only=False)}
        for item in FEE_LIST:
            if item.code not in listed:
                fees.add_item(session=session, principal=DEMO, data=item)
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
        f"Funding bases: {len(DEMO_BASES)} admitted, with 2015 KPIs and acceptance (2 passed, "
        "1 failed) — GET /funding/v1/acceptances?year=2015; an admin dry-runs the rewards: "
        'POST /funding/v1/reward-runs {"year": 2015, "budget_line": "space", '
        '"rule_set_version": 1, "dry_run": true} (Idempotency-Key).',
        "Voucher settlements are paid from line:2015:public-services "
        "(FUNDING_VOUCHER_BUDGET_YEAR=2015 in deploy/Procfile: the demo's only budget).",
    ]
