"""Funding demo data for `make run` (development only; loading twice loads nothing new):
the plan's 2015 budget (8.1亿 by source and by use, with the financing measures), reconciled,
a first `funding.matching` version that follows the plan's district ratios, and a first list
of enterprise fees (涉企收费清单) for the fee subsidies."""

from sqlmodel import Session, col, select

from services.common.db import Database
from services.common.identity import ClientKind, Principal
from services.common.rules.models import RuleSet
from services.common.rules.schemas import RuleSetCreate
from services.common.rules.service import create_rule_set
from services.funding.allocations.rules import MATCHING
from services.funding.budgets import service as budgets
from services.funding.budgets.plan2015 import budget_2015
from services.funding.fees import service as fees
from services.funding.fees.schemas import FeeItemCreate
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
        listed = {item.code for item in fees.list_items(session=session, listed_only=False)}
        for item in FEE_LIST:
            if item.code not in listed:
                fees.add_item(session=session, principal=DEMO, data=item)
    return loaded


def seed(settings: FundingSettings | None = None) -> list[str]:
    """`services.manage prepare`: load the funding demo data."""
    settings = settings or FundingSettings()
    if settings.environment != "development":
        return []
    database = Database(settings.resolved_database_url, schema=settings.resolved_schema)
    try:
        load(database)
    finally:
        database.dispose()
    return [
        "",
        "Funding demo: the 2015 budget (8.1亿; financing 2.87亿 + 10万 reconciled from the "
        "balancing reserve) and the plan's matching ratios — GET /funding/v1/budgets/2015, "
        "/funding/v1/ledger/trial-balance.",
    ]
