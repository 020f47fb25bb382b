"""Funding demo data for `make run` (development only; loading twice loads nothing new):
the plan's 2015 budget (8.1亿 by source and by use, with the financing measures), reconciled."""

from services.common.db import Database
from services.funding.budgets import service as budgets
from services.funding.budgets.plan2015 import budget_2015
from services.funding.settings import FundingSettings

DEMO_PRINCIPAL = "demo_seed"


def load(database: Database) -> bool:
    """Load the 2015 budget if it is not loaded; whether it was loaded now."""
    with database.transaction() as session:
        _budget, loaded = budgets.load_budget(
            session, data=budget_2015(), principal_id=DEMO_PRINCIPAL
        )
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
        "balancing reserve) — GET /funding/v1/budgets/2015, /funding/v1/ledger/trial-balance.",
    ]
