"""Public ledger verifier benchmark (not a test): `python -m services.funding.verify` over a
100,000-record ledger, read over HTTP from a real funding service.

1. A fresh database (SQLite file, or PostgreSQL with `--postgres`) migrated to head and seeded
   directly: `--records` paid disbursements chained exactly as `publish` chains them
   (`services.funding.public.chain`), the head row, and a signed checkpoint every 10,000
   records and at the end.
2. The funding service as one uvicorn process on a free loopback port.
3. The verifier (`services.funding.verify.verify_ledger`) downloads every record (pages of
   1,000) and checkpoint, recomputes the chain and checks the signatures: wall time, records/s.
4. One record's amount is then altered straight in the database and the verifier runs again:
   it must name exactly that record.

    .venv/bin/python bench/funding_public_ledger.py [--records 100000] [--postgres]
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text, update  # noqa: E402

from bench.gateway.run import cpu_seconds  # noqa: E402
from bench.servers import free_port, stop, uvicorn, wait_until_up  # noqa: E402
from services.common.db import Database  # noqa: E402
from services.common.ids import new_id  # noqa: E402
from services.common.migrations import upgrade_to_head  # noqa: E402
from services.common.tokens import generate_ed25519_pem  # noqa: E402
from services.funding.app import MIGRATIONS  # noqa: E402
from services.funding.public.chain import GENESIS, record_hash, sign_checkpoint  # noqa: E402
from services.funding.public.keys import load_ledger_key  # noqa: E402
from services.funding.public.models import (  # noqa: E402
    PublicCheckpoint,
    PublicLedgerHead,
    PublicRecord,
)
from services.funding.settings import FundingSettings  # noqa: E402
from services.funding.verify import verify_ledger  # noqa: E402

POSTGRES = "postgresql://postgres@127.0.0.1:5432"
BATCH = 5_000
CHECKPOINT_EVERY = 10_000
DISTRICTS = ("xiaodian", "yingze", "xinghualing", "jiancaoping", "wanbailin", "jinyuan", None)
LINES = ("space_rent", "public_services", "financing_support", "other")


def _admin_sql(statement: str) -> None:
    engine = create_engine(
        f"{POSTGRES.replace('postgresql://', 'postgresql+psycopg://')}/postgres",
        isolation_level="AUTOCOMMIT",
    )
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


def seed(database: Database, settings: FundingSettings, count: int) -> float:
    """`count` chained records, the head and the checkpoints, straight in SQL; seconds taken."""
    started = time.perf_counter()
    key = load_ledger_key(settings)
    published = datetime(2016, 1, 1, tzinfo=UTC)
    previous = GENESIS
    rows: list[dict[str, Any]] = []
    checkpoints: list[dict[str, Any]] = []
    with database.engine.begin() as connection:
        for sequence in range(1, count + 1):
            row: dict[str, Any] = {
                "sequence": sequence,
                "disbursement_id": f"dsb_bench_{sequence:08d}",
                "paid_on": date(2015, 1, 1) + timedelta(days=sequence % 365),
                "published_at": published + timedelta(seconds=sequence),
                "payer": "太原市财政局",
                "payee_name": f"太原示范基地{sequence % 997}号运营有限公司",
                "payee_uscc": f"91140100MA0K{sequence % 1_000_000:06d}",
                "amount_fen": 1_000_000 + (sequence * 7919) % 50_000_000,
                "programme": "小微企业创业创新基地城市示范",
                "budget_line": LINES[sequence % len(LINES)],
                "district": DISTRICTS[sequence % len(DISTRICTS)],
                "rule_set_version": f"funding.reward v{sequence % 3 + 1}",
                "acceptance_ref": f"acc_bench_{sequence:08d}" if sequence % 2 else None,
                "corrects": None,
                "previous_hash": previous,
            }
            row["hash"] = previous = record_hash(row)
            rows.append(row)
            if len(rows) == BATCH:
                connection.execute(insert(PublicRecord.__table__), rows)  # type: ignore[attr-defined]
                rows = []
            if sequence % CHECKPOINT_EVERY == 0 or sequence == count:
                issued_at = published + timedelta(seconds=sequence, minutes=1)
                checkpoints.append(
                    {
                        "id": new_id("lcp"),
                        "sequence": sequence,
                        "head_hash": previous,
                        "issued_at": issued_at,
                        "key_id": key.kid,
                        "signature": sign_checkpoint(
                            key.private, sequence=sequence, head_hash=previous, issued_at=issued_at
                        ),
                        "kind": "on_demand",
                        "daily_on": None,
                        "issued_by": "bench",
                    }
                )
        if rows:
            connection.execute(insert(PublicRecord.__table__), rows)  # type: ignore[attr-defined]
        connection.execute(insert(PublicCheckpoint.__table__), checkpoints)  # type: ignore[attr-defined]
        connection.execute(
            update(PublicLedgerHead.__table__).values(sequence=count, head_hash=previous)  # type: ignore[attr-defined]
        )
    return time.perf_counter() - started


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-ledger-"))
    key_file = workdir / "ledger.pem"
    key_file.write_bytes(generate_ed25519_pem())
    database_name = f"bench_ledger_{uuid.uuid4().hex[:8]}"
    if args.postgres:
        _admin_sql(f'CREATE DATABASE "{database_name}"')
        url = f"{POSTGRES}/{database_name}"
    else:
        url = f"sqlite:///{workdir / 'funding.db'}"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "FUNDING_ENVIRONMENT": "development",
        "FUNDING_DATABASE_URL": url,
        "FUNDING_INTERNAL_JWKS": '{"keys": []}',
        "FUNDING_LEDGER_SIGNING_KEY_FILE": str(key_file),
        "FUNDING_LOG_LEVEL": "WARNING",
        "FUNDING_JOBS": "false",
    }
    settings = FundingSettings(
        environment="development",
        database_url=url,
        internal_jwks='{"keys": []}',
        ledger_signing_key_file=str(key_file),
    )
    database = Database(settings.resolved_database_url, schema=settings.resolved_schema)
    process = None
    try:
        upgrade_to_head("funding", MIGRATIONS, database)
        seeded = seed(database, settings, args.records)
        print(f"seeded {args.records} records and their checkpoints in {seeded:.1f} s ({url})")
        port = free_port()
        process = uvicorn("services.funding.app:create_app", port, env, workdir / "funding.log")
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/healthz", process)

        started, cpu, server_cpu = (
            time.perf_counter(),
            time.process_time(),
            cpu_seconds(process.pid),
        )
        report = verify_ledger(base, prefix="")
        took = time.perf_counter() - started
        cpu, server_cpu = time.process_time() - cpu, cpu_seconds(process.pid) - server_cpu
        rate = report.records / took
        print(
            f"verified {report.records} records and {report.checkpoints} checkpoints over HTTP "
            f"in {took:.2f} s: {rate:,.0f} records/s — "
            f"{'OK' if report.ok else 'FINDINGS: ' + '; '.join(map(str, report.findings[:3]))}"
        )
        print(
            f"  CPU: verifier {cpu:.2f} s, funding service {server_cpu:.2f} s "
            f"({report.records / max(cpu + server_cpu, 1e-9):,.0f} records per CPU second); "
            f"load average {os.getloadavg()[0]:.1f}"
        )

        victim = args.records // 2 + 1
        with database.engine.begin() as connection:
            connection.execute(
                text("UPDATE public_ledger_records SET amount_fen = amount_fen + 1 "
                     "WHERE sequence = :s"),
                {"s": victim},
            )  # fmt: skip
        started = time.perf_counter()
        tampered = verify_ledger(base, prefix="")
        took_tampered = time.perf_counter() - started
        named = [(f.kind, f.sequence) for f in tampered.findings]
        caught = named == [("altered", victim)]
        print(
            f"after altering record {victim} in the database: {named} in "
            f"{took_tampered:.2f} s — {'named' if caught else 'NOT NAMED CORRECTLY'}"
        )
        results = {
            "records": report.records,
            "checkpoints": report.checkpoints,
            "database": "postgresql" if args.postgres else "sqlite",
            "seed_seconds": round(seeded, 2),
            "verify_seconds": round(took, 2),
            "records_per_second": round(rate),
            "verifier_cpu_seconds": round(cpu, 2),
            "service_cpu_seconds": round(server_cpu, 2),
            "untouched_ok": report.ok,
            "tamper_named": caught,
        }
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
        return 0 if report.ok and caught else 1
    finally:
        if process is not None:
            stop(process)
        database.dispose()
        if args.postgres:
            _admin_sql(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
