"""The credit service: credit records, ratings, consent-based reports, query logs, objections, the 诚信企业 list, monitoring."""

from pathlib import Path

from fastapi import FastAPI

from services.common.app import create_service_app
from services.common.rules.router import rule_sets_router
from services.credit.certification.router import router as certification_router
from services.credit.objections.router import router as objections_router
from services.credit.records.router import router as records_router
from services.credit.rulesets.dependencies import RuleAdmin, RuleReader
from services.credit.rulesets.families import FAMILIES
from services.credit.settings import CreditSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: CreditSettings | None = None) -> FastAPI:
    """Build the credit app; its domain routes arrive with their issues."""
    return create_service_app(
        settings=settings or CreditSettings(),
        title="Taiyuan SME credit",
        description="Credit records, ratings, consent-based reports, query logs, objections, the 诚信企业 list, monitoring.",
        routers=[
            rule_sets_router(families=FAMILIES, reader=RuleReader, admin=RuleAdmin),
            records_router,
            objections_router,
            certification_router,
        ],
        migrations=MIGRATIONS,
    )
