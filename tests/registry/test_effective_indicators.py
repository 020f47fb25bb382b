"""Stored effective and year figures: kept with each report, rebuilt and backfilled in SQL, and
monitoring over them equal to the old all-in-Python computation on generated data."""

import random
import string
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient
from sqlmodel import Session

from services.common.db import Database
from services.common.identity import ClientKind, Principal
from services.common.migrations import alembic_config
from services.registry.app import MIGRATIONS
from services.registry.indicators import service as indicators
from services.registry.indicators.effective import EFFECTIVE, YEAR_FIGURES, rebuild
from services.registry.indicators.models import ANNUAL, IndicatorReport
from services.registry.indicators.rules import INDICATORS
from services.registry.indicators.schemas import IndicatorName, IndicatorReportCreate
from services.registry.monitoring import service as monitoring
from services.registry.settings import RegistrySettings
from tests.conftest import DatabaseTarget
from tests.registry.conftest import RegistryHeaders
from tests.registry.factories import DISTRICT_CODES, filing, make_uscc
from tests.registry.monitoring_reference import (
    effective_by_period,
    reference_progress,
    reference_public_summary,
    year_figures_by_enterprise,
)

RW = ("registry:read", "registry:write")
REPORTS = IndicatorReport.__table__  # type: ignore[attr-defined]
SOURCES = ("enterprise", "statistics", "tax", "science", "hr")
YEARS = (2014, 2015, 2016, 2017)


@pytest.fixture
def database(registry_settings: RegistrySettings) -> Iterator[Database]:
    """The test's migrated registry database."""
    db = Database(registry_settings.resolved_database_url, schema=registry_settings.resolved_schema)
    yield db
    db.dispose()


# ---- stored tables and the reference -------------------------------------------------------


def _stored_effective(db: Database) -> dict[tuple[str, int, int], dict[IndicatorName, tuple]]:
    out: dict[tuple[str, int, int], dict[IndicatorName, tuple]] = {}
    with db.engine.connect() as connection:
        for row in connection.execute(sa.select(EFFECTIVE)).mappings():
            key = (row["uscc"], row["year"], row["quarter"])
            out.setdefault(key, {})[IndicatorName(row["indicator"])] = (
                int(row["value"]),
                row["source"],
                row["report_id"],
            )
    return out


def _stored_years(db: Database) -> dict[tuple[str, int], dict[IndicatorName, int]]:
    out: dict[tuple[str, int], dict[IndicatorName, int]] = {}
    with db.engine.connect() as connection:
        for row in connection.execute(sa.select(YEAR_FIGURES)).mappings():
            out[(row["uscc"], row["year"])] = {
                name: int(row[name.value]) for name in INDICATORS if row[name.value] is not None
            }
    return out


def _expected(db: Database) -> tuple[dict[Any, Any], dict[Any, Any]]:
    with db.session(write=False) as session:
        periods = {
            key: {name: (f.value, f.source, f.report_id) for name, f in figures.items()}
            for key, figures in effective_by_period(session).items()
        }
        years = year_figures_by_enterprise(session)
    return periods, years


def _without_time(report: Any) -> dict[str, Any]:
    dumped: dict[str, Any] = report.model_dump(mode="json")
    dumped.pop("generated_at")
    return dumped


def assert_matches_reference(db: Database, years: tuple[int, ...] = YEARS) -> None:
    """Stored tables equal the Python reference; progress and summary equal the old path."""
    periods, year_figures = _expected(db)
    assert _stored_effective(db) == periods
    assert _stored_years(db) == year_figures
    with db.session(write=False) as session:
        for year in years:
            assert _without_time(monitoring.progress(session, year=year)) == _without_time(
                reference_progress(session, year=year)
            ), year
            assert _without_time(monitoring.public_summary(session, year=year)) == _without_time(
                reference_public_summary(session, year=year)
            ), year


# ---- generated data ----------------------------------------------------------------------


def _moment(rng: random.Random) -> datetime:
    """A UTC moment in 2013–2017, often right at an Asia/Shanghai new year (16:00 UTC)."""
    year = rng.choice((2013, 2014, 2015, 2016, 2017))
    if rng.random() < 0.3:
        boundary = datetime(year, 12, 31, 16, 0, tzinfo=UTC)
        return boundary + timedelta(seconds=rng.choice((-1, 0, 1)))
    return datetime(year, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(365 * 86400))


def enterprise_row(
    n: int,
    *,
    district: str,
    filed_at: datetime,
    deregistered_at: datetime | None = None,
) -> dict[str, Any]:
    """A row of `enterprises` to insert directly."""
    return {
        "uscc": make_uscc(n),
        "name": f"测试企业{n}",
        "district": district,
        "industry": "65",
        "industry_section": "I",
        "industry_division": "65",
        "founded_on": filed_at.date(),
        "registered_capital_fen": 100_000_000,
        "employees": 10,
        "revenue_fen": 100_000_000,
        "assets_fen": None,
        "size_class": "small",
        "is_tech_sme": False,
        "founder_graduated_on": None,
        "legal_rep_name": "王建国",
        "legal_rep_id_hash": "0" * 64,
        "legal_rep_id_masked": "1401**********0000",
        "contact_name": None,
        "contact_phone": None,
        "contact_email": None,
        "status": "deregistered" if deregistered_at else "active",
        "deregistered_at": deregistered_at,
        "deregistration_reason": "dissolved" if deregistered_at else None,
        "version": 1,
        "filed_at": filed_at,
        "filed_by": "cli_test",
        "updated_at": filed_at,
        "import_id": None,
    }


def _enterprises(rng: random.Random, count: int) -> list[dict[str, Any]]:
    districts = DISTRICT_CODES[:4]
    rows = []
    for n in range(count):
        filed_at = _moment(rng)
        gone = None
        if rng.random() < 0.3:
            gone = max(filed_at + timedelta(seconds=1), _moment(rng))
        rows.append(
            enterprise_row(
                5_000 + n, district=rng.choice(districts), filed_at=filed_at, deregistered_at=gone
            )
        )
    return rows


def _figures(rng: random.Random) -> dict[str, int]:
    names = [name.value for name in INDICATORS]
    chosen = rng.sample(names, rng.randint(1, len(names)))
    figures = {}
    for name in chosen:
        if name.endswith("_fen"):
            figures[name] = rng.choice((0, rng.randrange(10**9), rng.randrange(10**16)))
        else:
            figures[name] = rng.randrange(200)
    return figures


def _reports(
    rng: random.Random, usccs: list[str], count: int, *, ties: bool
) -> list[dict[str, Any]]:
    """Reports of random enterprises, periods, sources and figures; with `ties`, many reports
    share a timestamp (the id then decides) and ids do not follow time."""
    base = datetime(2018, 3, 1, tzinfo=UTC)
    rows = []
    for _ in range(count):
        reported_at = base + timedelta(
            seconds=rng.randrange(4) if ties else rng.randrange(10**7),
            microseconds=0 if ties else rng.randrange(10**6),
        )
        rows.append(
            {
                "id": "ind_" + "".join(rng.choices(string.digits + string.ascii_uppercase, k=26)),
                "uscc": rng.choice(usccs),
                "year": rng.choice(YEARS),
                "quarter": rng.choice((ANNUAL, ANNUAL, 1, 2, 3, 4)),
                "source": rng.choice(SOURCES),
                "revenue_fen": None,
                "employees": None,
                "tech_contract_turnover_fen": None,
                "granted_patents": None,
                "reported_by": "cli_test",
                "reported_kind": "admin",
                "reported_at": reported_at,
                **_figures(rng),
            }
        )
    return rows


def _insert(db: Database, enterprises: list[dict[str, Any]], reports: list[dict[str, Any]]) -> None:
    metadata = sa.MetaData()
    table = sa.Table("enterprises", metadata, autoload_with=db.engine)
    with db.engine.begin() as connection:
        if enterprises:
            connection.execute(table.insert(), enterprises)
        if reports:
            connection.execute(REPORTS.insert(), reports)


# ---- precedence through the API --------------------------------------------------------------


def _report(client: TestClient, h: dict[str, str], uscc: str, **body: Any) -> dict[str, Any]:
    response = client.post(f"/v1/enterprises/{uscc}/indicators", json=body, headers=h)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _city_revenue(client: TestClient, headers: RegistryHeaders, year: int) -> Any:
    response = client.get("/v1/monitoring/progress", params={"year": year}, headers=headers())
    assert response.status_code == 200, response.text
    return response.json()["units"][-1]["revenue_fen"]


@pytest.fixture
def one_enterprise(registry_client: TestClient, registry_headers: RegistryHeaders) -> str:
    """One filed enterprise."""
    body = filing(7)
    response = registry_client.post(
        "/v1/enterprises", json=body, headers=registry_headers(kind="admin")
    )
    assert response.status_code == 201, response.text
    return str(body["uscc"])


def test_a_department_report_after_a_self_report_changes_the_effective_figure(
    registry_client: TestClient,
    registry_headers: RegistryHeaders,
    database: Database,
    one_enterprise: str,
) -> None:
    uscc = one_enterprise
    own = registry_headers(kind="enterprise", org=uscc, scopes=RW)
    tax = registry_headers(kind="department", org="tax", scopes=RW, client_id="cli_tax")
    mine = _report(registry_client, own, uscc, year=2016, source="enterprise", revenue_fen=500)
    assert _stored_effective(database)[(uscc, 2016, ANNUAL)] == {
        IndicatorName.REVENUE_FEN: (500, "enterprise", mine["id"])
    }
    assert _city_revenue(registry_client, registry_headers, 2016)["actual"] == 500

    theirs = _report(registry_client, tax, uscc, year=2016, source="tax", revenue_fen=480)
    assert _stored_effective(database)[(uscc, 2016, ANNUAL)] == {
        IndicatorName.REVENUE_FEN: (480, "tax", theirs["id"])
    }
    assert _stored_years(database)[(uscc, 2016)] == {IndicatorName.REVENUE_FEN: 480}
    city = _city_revenue(registry_client, registry_headers, 2016)
    assert city["actual"] == 480 and city["reporting_enterprises"] == 1
    assert_matches_reference(database, years=(2016,))


def test_a_later_self_report_does_not_override_a_department(
    registry_client: TestClient,
    registry_headers: RegistryHeaders,
    database: Database,
    one_enterprise: str,
) -> None:
    uscc = one_enterprise
    own = registry_headers(kind="enterprise", org=uscc, scopes=RW)
    hr = registry_headers(kind="department", org="hr", scopes=RW, client_id="cli_hr")
    stats = registry_headers(
        kind="department", org="statistics", scopes=RW, client_id="cli_statistics"
    )
    theirs = _report(registry_client, hr, uscc, year=2016, quarter=2, source="hr", employees=30)
    _report(registry_client, stats, uscc, year=2016, quarter=1, source="statistics", revenue_fen=7)
    later = _report(
        registry_client,
        own,
        uscc,
        year=2016,
        quarter=2,
        source="enterprise",
        employees=99,
        revenue_fen=11,
    )
    # The receipt, the stored figures and monitoring all keep the department's employees.
    assert later["effective"]["employees"] == {
        "value": 30,
        "source": "hr",
        "report_id": theirs["id"],
    }
    # Revenue had no other source in quarter 2: the self-report counts there.
    assert later["effective"]["revenue_fen"]["value"] == 11
    stored = _stored_effective(database)[(uscc, 2016, 2)]
    assert stored[IndicatorName.EMPLOYEES] == (30, "hr", theirs["id"])
    # The year: revenue adds the quarters (7 + 11), employees from the last quarter (hr's 30).
    assert _stored_years(database)[(uscc, 2016)] == {
        IndicatorName.REVENUE_FEN: 18,
        IndicatorName.EMPLOYEES: 30,
    }
    # An annual figure replaces the quarters' for the year.
    _report(registry_client, stats, uscc, year=2016, source="statistics", revenue_fen=20)
    assert _stored_years(database)[(uscc, 2016)][IndicatorName.REVENUE_FEN] == 20
    got = registry_client.get(f"/v1/enterprises/{uscc}/indicators", headers=own).json()
    q2 = next(p for p in got["periods"] if p["quarter"] == 2)
    assert q2["effective"]["employees"]["source"] == "hr"
    assert_matches_reference(database, years=(2016,))


# ---- the SQL path equals the old Python computation --------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rebuild_and_monitoring_equal_the_python_reference(database: Database, seed: int) -> None:
    rng = random.Random(seed)
    enterprises = _enterprises(rng, 40)
    usccs = [row["uscc"] for row in enterprises]
    _insert(database, enterprises, _reports(rng, usccs, 400, ties=seed % 2 == 1))
    with database.engine.begin() as connection:
        rebuild(connection)
    assert_matches_reference(database)

    # Rebuilding some enterprises only (as a bulk writer would) leaves the rest as they were.
    _insert(database, [], _reports(rng, usccs[:10], 60, ties=True))
    with database.session() as session:
        rebuild(session, usccs=usccs[:10])
        session.commit()
    assert_matches_reference(database)


@pytest.mark.parametrize("seed", [11, 12])
def test_reports_through_the_service_keep_the_tables_equal_to_the_reference(
    database: Database, seed: int
) -> None:
    rng = random.Random(seed)
    enterprises = _enterprises(rng, 12)
    gone = {row["uscc"]: row["deregistered_at"] for row in enterprises if row["deregistered_at"]}
    for row in enterprises:  # report while active; deregister afterwards
        row.update(status="active", deregistered_at=None, deregistration_reason=None)
    _insert(database, enterprises, [])
    usccs = [row["uscc"] for row in enterprises]
    admin = Principal(client_id="cli_admin", kind=ClientKind.ADMIN, org=None, scopes=frozenset(RW))
    for _ in range(150):
        quarter = rng.choice((None, None, 1, 2, 3, 4))
        body = IndicatorReportCreate(
            year=rng.choice(YEARS),
            quarter=quarter,
            source=rng.choice(SOURCES),
            **_figures(rng),
        )
        with Session(database.engine) as session:
            indicators.report_indicators(
                session, uscc=rng.choice(usccs), body=body, principal=admin
            )
            session.commit()
    with database.engine.begin() as connection:
        for uscc, at in gone.items():
            connection.execute(
                sa.text(
                    "UPDATE enterprises SET status = 'deregistered', deregistered_at = :at "
                    "WHERE uscc = :uscc"
                ),
                {"at": at, "uscc": uscc},
            )
    assert_matches_reference(database)
    before = (_stored_effective(database), _stored_years(database))
    with database.engine.begin() as connection:
        rebuild(connection)
    assert (_stored_effective(database), _stored_years(database)) == before


def test_migration_backfills_existing_reports(
    database_target: DatabaseTarget, jwks_json: str
) -> None:
    settings = RegistrySettings(
        environment="test",
        database_url=database_target.url,
        database_schema=database_target.schema,
        internal_jwks=jwks_json,
        id_number_key="test-id-number-key",
    )
    db = Database(settings.resolved_database_url, schema=settings.resolved_schema)
    try:
        config = alembic_config("registry", MIGRATIONS, db)
        command.upgrade(config, "registry_0003")
        rng = random.Random(5)
        enterprises = _enterprises(rng, 30)
        _insert(db, enterprises, _reports(rng, [r["uscc"] for r in enterprises], 300, ties=True))
        command.upgrade(config, "registry_0004")
        assert _stored_effective(db) and _stored_years(db)
        assert_matches_reference(db)
        command.downgrade(config, "registry_0003")
        command.upgrade(config, "head")
        assert_matches_reference(db, years=(2016,))
    finally:
        db.dispose()


def test_money_sums_stay_exact_past_64_bits(database: Database) -> None:
    # 300 enterprises at 4 × 10^16 fen a year: 1.2 × 10^19, past SQLite's 64-bit integers.
    start = datetime(2015, 3, 1, tzinfo=UTC)
    enterprises = [
        enterprise_row(9_000 + n, district="xiaodian", filed_at=start) for n in range(300)
    ]
    reports = [
        {
            "id": f"ind_{n:05d}{quarter}",
            "uscc": row["uscc"],
            "year": 2016,
            "quarter": quarter,
            "source": "tax",
            "revenue_fen": 10**16,
            "employees": None,
            "tech_contract_turnover_fen": 10**16 - 1,
            "granted_patents": None,
            "reported_by": "cli_test",
            "reported_kind": "department",
            "reported_at": start,
        }
        for n, row in enumerate(enterprises)
        for quarter in (1, 2, 3, 4)
    ]
    _insert(database, enterprises, reports)
    with database.engine.begin() as connection:
        rebuild(connection)
    with database.session(write=False) as session:
        report = monitoring.progress(session, year=2016)
    city = report.units[-1]
    assert city.revenue_fen.actual == 300 * 4 * 10**16
    assert city.tech_contract_turnover_fen.actual == 300 * 4 * (10**16 - 1)
    assert city.revenue_fen.reporting_enterprises == 300
    assert report.units[0].revenue_fen.actual == 300 * 4 * 10**16  # Xiaodian
