"""`make run` loads the demo enterprises idempotently."""

from sqlalchemy import func, select

from services.common.db import Database
from services.registry.app import MIGRATIONS
from services.registry.demo import DEMO_ENTERPRISE_USCC, demo_filings, seed
from services.registry.enterprises.models import Enterprise
from services.registry.settings import RegistrySettings
from tests.support import migrated_settings


def test_demo_seed_files_once(database_target, jwks_json: str) -> None:
    settings = migrated_settings(
        RegistrySettings, target=database_target, jwks_json=jwks_json, migrations=MIGRATIONS
    ).model_copy(update={"environment": "development"})
    first = seed(settings)
    second = seed(settings)
    assert "29 enterprises filed now" in first[0]
    assert "0 enterprises filed now" in second[0]
    database = Database(settings.resolved_database_url, schema=settings.resolved_schema)
    with database.session() as session:
        assert session.execute(select(func.count()).select_from(Enterprise)).scalar_one() == len(
            demo_filings()
        )
        assert session.get(Enterprise, DEMO_ENTERPRISE_USCC) is not None
    database.dispose()


def test_demo_seed_refuses_outside_development(database_target, jwks_json: str) -> None:
    settings = migrated_settings(
        RegistrySettings, target=database_target, jwks_json=jwks_json, migrations=MIGRATIONS
    )
    assert seed(settings) == []
