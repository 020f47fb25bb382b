"""The funding service: budgets, block allocation with district matching, bases, rules, acceptance and rewards, disbursements, risk pool, bridge loans, subsidies, public ledger."""

from pathlib import Path

from fastapi import FastAPI

from services.common.app import create_service_app
from services.common.rules.router import rule_sets_router
from services.funding.acceptance.router import router as acceptance_router
from services.funding.bases.router import router as bases_router
from services.funding.ledger.router import router as ledger_router
from services.funding.rules import FAMILIES, RuleAdmin, RuleReader
from services.funding.settings import FundingSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: FundingSettings | None = None) -> FastAPI:
    """Build the funding app; its domain routes arrive with their issues."""
    return create_service_app(
        settings=settings or FundingSettings(),
        title="Taiyuan SME funding",
        description="Budgets, block allocation with district matching, bases, rules, acceptance and rewards, disbursements, risk pool, bridge loans, subsidies, public ledger.",
        routers=[
            ledger_router,
            bases_router,
            acceptance_router,
            rule_sets_router(families=FAMILIES, reader=RuleReader, admin=RuleAdmin),
        ],
        migrations=MIGRATIONS,
    )
