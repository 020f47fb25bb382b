"""Credit rating batch benchmark (not a test): rate the whole register on SQLite, ≤ 30 s.

Seeds a fresh, migrated credit database with the city's 67,699 enterprises in the register
replica (founded 1995–2016, ~4% deregistered), a realistic mix of credit records (~70% of
enterprises have none; the rest 1–6 negative, positive and loan records, some ended, some
withdrawn, a few disputed) and three years of annual indicator filings for most; then times
two batch ratings of every active enterprise through the run path (`execute_run`): the first
(every rating new) and a second (almost all unchanged), and prints the figures.

    .venv/bin/python bench/credit_rating_batch.py [--enterprises 67699]
"""

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from services.common.db import Database  # noqa: E402
from services.common.migrations import upgrade_to_head  # noqa: E402
from services.credit.app import MIGRATIONS  # noqa: E402
from services.credit.enterprises.models import EnterpriseReplica, IndicatorFiling  # noqa: E402
from services.credit.ratings.models import CreditRating, RatingRun  # noqa: E402
from services.credit.ratings.run import execute_run  # noqa: E402
from services.credit.records.models import CreditRecord  # noqa: E402
from services.registry.uscc.charset import uscc_check_character  # noqa: E402
from services.registry.uscc.organisation_code import organisation_check_character  # noqa: E402

TARGET_S = 30.0
DISTRICTS = ("xiaodian", "yingze", "xinghualing", "jiancaoping", "wanbailin", "jinyuan")
# (type, polarity, weight)
RECORD_MIX = (
    ("administrative_penalty", "negative", 20),
    ("abnormal_operation", "negative", 8),
    ("tax_arrears", "negative", 8),
    ("court_enforcement", "negative", 5),
    ("social_insurance_arrears", "negative", 5),
    ("serious_dishonesty", "negative", 2),
    ("tax_a_rating", "positive", 10),
    ("award", "positive", 5),
    ("patent_granted", "positive", 15),
    ("technology_contract", "positive", 8),
    ("loan", "loan", 14),
)


def _uscc(i: int) -> str:
    """The i-th valid USCC of a company registered in Xiaodian (both check characters right)."""
    body = f"{i:08d}"
    first17 = "91140105" + body + organisation_check_character(body)
    return first17 + uscc_check_character(first17)


def seed(database: Database, enterprises: int, rng: random.Random) -> dict[str, int]:
    now = datetime(2026, 11, 30, tzinfo=UTC)
    replicas: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    filings: list[dict[str, Any]] = []
    kinds = [m for m in RECORD_MIX for _ in range(m[2])]
    for i in range(enterprises):
        uscc = _uscc(i)
        replicas.append(
            {
                "uscc": uscc,
                "name": f"Enterprise {i}",
                "district": rng.choice(DISTRICTS),
                "industry": "6510",
                "founded_on": date(1995, 1, 1) + timedelta(days=rng.randrange(22 * 365)),
                "size_class": rng.choice(("small", "micro")),
                "is_tech_sme": rng.random() < 0.1,
                "employees": rng.randrange(1, 300),
                "status": "deregistered" if rng.random() < 0.04 else "active",
                "version": 1,
                "filed_at": now,
                "updated_at": now,
            }
        )
        if rng.random() < 0.3:
            for _ in range(rng.randint(1, 6)):
                type_, polarity, _w = rng.choice(kinds)
                occurred = date(2012, 1, 1) + timedelta(days=rng.randrange(14 * 365))
                ended = (
                    occurred + timedelta(days=rng.randrange(60, 900))
                    if rng.random() < 0.5
                    else None
                )
                n = len(records)
                records.append(
                    {
                        "id": f"crr_{n:012d}",
                        "uscc": uscc,
                        "type": type_,
                        "polarity": polarity,
                        "source": "tax_bureau",
                        "source_kind": "bank" if polarity == "loan" else "department",
                        "reference": f"R{n}",
                        "occurred_on": occurred,
                        "ended_on": ended,
                        "title": type_,
                        "loan_status": rng.choice(("on_time", "on_time", "settled", "overdue"))
                        if polarity == "loan"
                        else None,
                        "status": "withdrawn" if rng.random() < 0.03 else "active",
                        "disputed": rng.random() < 0.01,
                        "version": 1,
                        "filed_by": "tax_bureau",
                        "filed_at": now,
                        "updated_at": now,
                    }
                )
        if rng.random() < 0.8:
            people = rng.randrange(1, 300)
            for year in (2023, 2024, 2025):
                if rng.random() < 0.85:
                    people = max(1, people + rng.randrange(-10, 15))
                    filings.append(
                        {
                            "report_id": f"ind_{i}_{year}",
                            "uscc": uscc,
                            "year": year,
                            "quarter": None,
                            "source": "statistics",
                            "employees": people,
                            "effective": {"employees": people},
                            "reported_at": datetime(year + 1, 3, 1, tzinfo=UTC),
                        }
                    )
    with database.transaction() as session:
        for table, rows in (
            (EnterpriseReplica.__table__, replicas),  # type: ignore[attr-defined]
            (CreditRecord.__table__, records),  # type: ignore[attr-defined]
            (IndicatorFiling.__table__, filings),  # type: ignore[attr-defined]
        ):
            for start in range(0, len(rows), 5000):
                session.execute(insert(table), rows[start : start + 5000])
    return {"enterprises": len(replicas), "records": len(records), "filings": len(filings)}


def timed_run(database: Database, name: str) -> tuple[float, float, RatingRun]:
    """Wall and CPU seconds of one run (CPU: what the run costs when the machine is not shared)."""
    with database.transaction() as session:
        session.add(RatingRun(id=name, requested_by="bench"))
    started, cpu = time.perf_counter(), time.process_time()
    assert execute_run(database=database, run_id=name)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    with database.session(write=False) as session:
        run = session.get(RatingRun, name)
        assert run is not None and run.status == "succeeded", run and run.error
        session.expunge(run)
    return elapsed, cpu, run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--enterprises", type=int, default=67_699)
    args = parser.parse_args()
    rng = random.Random(20150101)
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite:///{tmp}/credit.db")
        upgrade_to_head("credit", MIGRATIONS, database)
        seeded = seed(database, args.enterprises, rng)
        print(
            f"seeded {seeded['enterprises']:,} enterprises, {seeded['records']:,} credit records, "
            f"{seeded['filings']:,} indicator filings"
        )
        load = os.getloadavg()[0]
        first_s, first_cpu, first = timed_run(database, "rrn_bench_first")
        second_s, second_cpu, second = timed_run(database, "rrn_bench_second")
        with database.session(write=False) as session:
            ratings = session.execute(select(func.count()).select_from(CreditRating)).scalar_one()
            grades = dict(
                session.execute(
                    select(CreditRating.grade, func.count()).group_by(CreditRating.grade)  # type: ignore[call-overload]
                ).all()
            )
        database.dispose()
    print(
        f"first batch:  {first.rated:,} rated ({first.first_ratings:,} new) in {first_s:.1f} s "
        f"wall, {first_cpu:.1f} s CPU (target ≤ {TARGET_S:.0f} s; load average {load:.1f})"
    )
    print(
        f"second batch: {second.rated:,} rated, {second.changed:,} changed, "
        f"{second.unchanged:,} unchanged in {second_s:.1f} s wall, {second_cpu:.1f} s CPU"
    )
    print(f"ratings stored: {ratings:,}; grades: {dict(sorted(grades.items()))}")
    ok = first_s <= TARGET_S and second_s <= TARGET_S
    print("PASS" if ok else "FAIL: over the target")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
