"""The funding service: budgets, block allocation with district matching, bases, rules, acceptance and rewards, disbursements, risk pool, bridge loans, subsidies, public ledger."""

from pathlib import Path

from fastapi import FastAPI

from services.common.app import create_service_app
from services.funding.public import jobs as public_ledger_jobs
from services.funding.public.router import router as public_ledger_router
from services.funding.settings import FundingSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: FundingSettings | None = None) -> FastAPI:
    """Build the funding app; its domain routes arrive with their issues."""
    settings = settings or FundingSettings()
    return create_service_app(
        settings=settings,
        title="Taiyuan SME funding",
        description="Budgets, block allocation with district matching, bases, rules, acceptance and rewards, disbursements, risk pool, bridge loans, subsidies, public ledger.",
        routers=[public_ledger_router],
        migrations=MIGRATIONS,
        workers=public_ledger_jobs.workers(settings),
    )
