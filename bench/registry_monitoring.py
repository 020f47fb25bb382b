"""Registry monitoring benchmark (not a test): progress over a city-sized register on SQLite.

Generates the city's 2014 register (67,699 enterprises across the 14 districts, filed
2008–2016, some deregistered) and ~4 indicator reports per enterprise from several sources
(annual and quarterly), directly with SQLAlchemy Core on a fresh, migrated SQLite file; fills
the stored effective and year figures with `rebuild` (the migration's backfill); then times
`GET /v1/monitoring/progress?year=2016`'s computation (`monitoring.service.progress`) and the
public summary's, median of several runs, against the old all-in-Python computation (kept
as the test reference) in the same run, and checks both give the same report.

    .venv/bin/python bench/registry_monitoring.py [--enterprises 67699] [--runs 7]
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from services.common.db import Database  # noqa: E402
from services.common.migrations import upgrade_to_head  # noqa: E402
from services.registry.app import MIGRATIONS  # noqa: E402
from services.registry.enterprises.models import Enterprise  # noqa: E402
from services.registry.indicators.effective import rebuild  # noqa: E402
from services.registry.indicators.models import IndicatorReport  # noqa: E402
from services.registry.monitoring import service as monitoring  # noqa: E402
from services.registry.reference.districts import DISTRICTS  # noqa: E402
from tests.registry.monitoring_reference import (  # noqa: E402
    reference_progress,
    reference_public_summary,
)

TARGET_MS = 300
YEAR = 2016
ENTERPRISES = Enterprise.__table__  # type: ignore[attr-defined]
REPORTS = IndicatorReport.__table__  # type: ignore[attr-defined]
ALL = ("revenue_fen", "employees", "tech_contract_turnover_fen", "granted_patents")
DEPARTMENTS = (
    ("statistics", ("revenue_fen", "employees")),
    ("tax", ("revenue_fen",)),
    ("hr", ("employees",)),
    ("science", ("granted_patents", "tech_contract_turnover_fen")),
)


def _figures(rng: random.Random, names: tuple[str, ...]) -> dict[str, int]:
    out = {}
    for name in names:
        if name == "revenue_fen":
            out[name] = rng.randrange(1_000_000, 5_000_000_000)
        elif name == "tech_contract_turnover_fen":
            out[name] = rng.randrange(0, 50_000_000)
        elif name == "employees":
            out[name] = rng.randrange(1, 300)
        else:
            out[name] = rng.randrange(0, 30)
    return out


def _report(
    rng: random.Random,
    n: int,
    uscc: str,
    year: int,
    quarter: int,
    source: str,
    names: tuple[str, ...],
) -> dict[str, Any]:
    return {
        "id": f"ind_{n:026d}",
        "uscc": uscc,
        "year": year,
        "quarter": quarter,
        "source": source,
        "revenue_fen": None,
        "employees": None,
        "tech_contract_turnover_fen": None,
        "granted_patents": None,
        "reported_by": f"cli_{source}",
        "reported_kind": "enterprise" if source == "enterprise" else "department",
        "reported_at": datetime(year + 1, 1, 10, tzinfo=UTC)
        + timedelta(seconds=rng.randrange(150 * 86400)),
        **_figures(rng, names),
    }


def generate(database: Database, enterprises: int, seed: int = 2014) -> int:
    """Insert the register and its reports; returns how many reports."""
    rng = random.Random(seed)
    start = datetime(2007, 12, 31, 16, tzinfo=UTC)  # 2008-01-01 in Taiyuan
    span = int((datetime(2016, 12, 31, 16, tzinfo=UTC) - start).total_seconds())
    companies: list[dict[str, Any]] = []
    reports: list[dict[str, Any]] = []
    for n in range(enterprises):
        uscc = f"9114010{n:010d}X"
        filed_at = start + timedelta(seconds=rng.randrange(span))
        gone = None
        if rng.random() < 0.06:
            gone = filed_at + timedelta(days=rng.randrange(30, 3000))
            gone = None if gone >= datetime(2018, 1, 1, tzinfo=UTC) else gone
        companies.append(
            {
                "uscc": uscc,
                "name": f"太原示范企业{n}有限公司",
                "district": DISTRICTS[n % len(DISTRICTS)].code,
                "industry": "65",
                "industry_section": "I",
                "industry_division": "65",
                "founded_on": filed_at.date(),
                "registered_capital_fen": 100_000_000,
                "employees": 20,
                "revenue_fen": 200_000_000,
                "assets_fen": None,
                "size_class": "small",
                "is_tech_sme": n % 3 == 0,
                "founder_graduated_on": None,
                "legal_rep_name": "王建国",
                "legal_rep_id_hash": f"{n:064x}",
                "legal_rep_id_masked": "1401**********0000",
                "contact_name": None,
                "contact_phone": None,
                "contact_email": None,
                "status": "deregistered" if gone else "active",
                "deregistered_at": gone,
                "deregistration_reason": "dissolved" if gone else None,
                "version": 1,
                "filed_at": filed_at,
                "filed_by": "cli_bench",
                "updated_at": filed_at,
                "import_id": None,
            }
        )

        # ~4 reports each: the enterprise's own for both years, a department's for the report
        # year, and either quarterly tax figures or HR's baseline employees.
        source, names = rng.choice(DEPARTMENTS)
        periods = [
            (YEAR - 1, 0, "enterprise", ALL),
            (YEAR, 0, "enterprise", ALL),
            (YEAR, 0, source, names),
            (YEAR, rng.randrange(1, 5), "tax", ("revenue_fen",))
            if rng.random() < 0.5
            else (YEAR - 1, 0, "hr", ("employees",)),
        ]
        for year, quarter, source, names in periods:
            reports.append(_report(rng, len(reports), uscc, year, quarter, source, names))
    with database.engine.begin() as connection:
        for i in range(0, len(companies), 10_000):
            connection.execute(insert(ENTERPRISES), companies[i : i + 10_000])
        for i in range(0, len(reports), 20_000):
            connection.execute(insert(REPORTS), reports[i : i + 20_000])
    return len(reports)


def timed(function: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median seconds over `runs` calls, and the last result."""
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _same(a: Any, b: Any) -> bool:
    return bool(a.model_dump(exclude={"generated_at"}) == b.model_dump(exclude={"generated_at"}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=67_699)
    parser.add_argument("--runs", type=int, default=7, help="runs of the SQL path (median)")
    parser.add_argument("--old-runs", type=int, default=3, help="runs of the old path (median)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite:///{tmp}/registry.db")
        upgrade_to_head("registry", MIGRATIONS, database)
        started = time.perf_counter()
        reports = generate(database, args.enterprises)
        generated = time.perf_counter() - started
        started = time.perf_counter()
        with database.engine.begin() as connection:
            rebuild(connection)
        rebuilt = time.perf_counter() - started

        with database.session(write=False) as session:
            new, report = timed(lambda: monitoring.progress(session, year=YEAR), args.runs)
            public, summary = timed(
                lambda: monitoring.public_summary(session, year=YEAR), args.runs
            )
            old, old_report = timed(lambda: reference_progress(session, year=YEAR), args.old_runs)
            old_summary = reference_public_summary(session, year=YEAR)
        database.dispose()

    same = _same(report, old_report) and _same(summary, old_summary)
    city = report.units[-1]
    print(
        f"registry monitoring: {args.enterprises:,} enterprises, {reports:,} indicator reports "
        "on SQLite"
    )
    print(
        f"  generated in {generated:.1f} s; effective and year figures rebuilt in {rebuilt:.1f} s"
    )
    print(
        f"  progress {YEAR} (SQL GROUP BY over stored figures): {new * 1000:.0f} ms "
        f"(median of {args.runs}; target < {TARGET_MS} ms) "
        f"{'OK' if new * 1000 < TARGET_MS else 'ABOVE TARGET'}"
    )
    print(f"  public summary {YEAR}: {public * 1000:.0f} ms (median of {args.runs})")
    print(
        f"  old all-in-Python computation: {old * 1000:.0f} ms (median of {args.old_runs}); "
        f"{old / new:.1f}× faster now"
    )
    print(
        f"  city revenue {city.revenue_fen.actual:,} fen from "
        f"{city.revenue_fen.reporting_enterprises:,} enterprises; "
        f"same report as the old computation: {'yes' if same else 'NO'}"
    )
    if not same or new * 1000 >= TARGET_MS:
        sys.exit(1)


if __name__ == "__main__":
    main()
