"""The vouchers demo seed: last month's redemptions, settled by the monthly job; loaded once."""

from fastapi.testclient import TestClient
from sqlmodel import func, select

from services.common.clock import utcnow
from services.common.dates import shanghai_date
from services.common.db import Database
from services.vouchers.demo import DEMO_ENTERPRISE_USCC, DEMO_PROVIDER, last_month, seed
from services.vouchers.enterprises.service import apply_filed, get_enterprise
from services.vouchers.programmes.models import Programme
from services.vouchers.redemptions.models import Redemption
from services.vouchers.settings import VouchersSettings
from services.vouchers.settlements.service import run_previous_month
from tests.vouchers.conftest import VouchersHeaders


def _count(database: Database, table: type) -> int:
    with database.session() as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def test_the_seed_loads_last_months_redemptions_once_and_the_job_settles_them(
    vouchers_settings: VouchersSettings,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
) -> None:
    development = vouchers_settings.model_copy(update={"environment": "development"})
    month = f"{last_month(shanghai_date(utcnow())):%Y-%m}"

    assert seed(development) == [
        f"  vouchers demo data: 2 redemptions by {DEMO_PROVIDER} made now, dated {month} "
        "(the monthly job settles them when the stack starts)"
    ]
    assert "  vouchers demo data: 0 redemptions" in seed(development)[0]

    database = Database(
        vouchers_settings.resolved_database_url, schema=vouchers_settings.resolved_schema
    )
    try:
        assert (_count(database, Programme), _count(database, Redemption)) == (1, 2)
        with database.transaction() as session:
            run_previous_month(session)  # the monthly job's round
    finally:
        database.dispose()
    admin = vouchers_headers(kind="admin")
    page = vouchers_client.get("/v1/settlements", params={"month": month}, headers=admin)
    assert page.status_code == 200, page.text
    [settlement] = page.json()["items"]
    assert (settlement["provider_id"], settlement["month"], settlement["status"]) == (
        DEMO_PROVIDER,
        month,
        "requested",
    )
    assert settlement["amount_fen"] == 2_500_000
    assert sorted(line["amount_fen"] for line in settlement["lines"]) == [1_000_000, 1_500_000]
    voucher = vouchers_client.get("/v1/vouchers", headers=admin).json()["items"]
    assert [(v["uscc"], v["balance_fen"]) for v in voucher] == [(DEMO_ENTERPRISE_USCC, 2_500_000)]


def test_the_registrys_filing_replaces_the_seeds_replica_row_once(
    vouchers_settings: VouchersSettings,
) -> None:
    seed(vouchers_settings.model_copy(update={"environment": "development"}))
    database = Database(
        vouchers_settings.resolved_database_url, schema=vouchers_settings.resolved_schema
    )
    filed = {
        "uscc": DEMO_ENTERPRISE_USCC,
        "version": 1,
        "name": "太原演示科技有限公司",
        "district": "xiaodian",
        "founded_on": "2014-05-20",
        "size_class": "small",
        "is_tech_sme": True,
        "status": "active",
        "legal_rep_id_hash": "a" * 64,
    }
    try:
        with database.transaction() as session:
            assert apply_filed(session, filed) is True
            assert apply_filed(session, filed) is False
        with database.session() as session:
            row = get_enterprise(session=session, uscc=DEMO_ENTERPRISE_USCC)
            assert (row.version, row.legal_rep_id_hash) == (1, "a" * 64)
    finally:
        database.dispose()


def test_the_seed_loads_nothing_outside_development(vouchers_settings: VouchersSettings) -> None:
    assert seed(vouchers_settings) == []
    database = Database(
        vouchers_settings.resolved_database_url, schema=vouchers_settings.resolved_schema
    )
    try:
        assert _count(database, Programme) == 0
    finally:
        database.dispose()
