"""Registry import benchmark (not a test): the city's 2014 register, 67,699 rows, end to end.

Generates a CSV register of valid small and micro enterprises across the 14 districts and
several industries, starts the registry app on a fresh SQLite file (WAL), uploads the file to
`POST /v1/imports` and polls `GET /v1/imports/{id}` until the job is done: every row parsed,
validated (USCC, district, industry, ID number), size-classed, filed, and announced as
`enterprise.filed` in the outbox. Prints rows/s from upload to job done (target ≥ 20,000).

    .venv/bin/python bench/registry_import.py [--rows 67699]
"""

import argparse
import csv
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.servers import free_port, stop, uvicorn, wait_until_up  # noqa: E402
from services.common.db import Database  # noqa: E402
from services.common.migrations import upgrade_to_head  # noqa: E402
from services.common.models import OutboxEvent  # noqa: E402
from services.common.tokens import InternalTokenSigner, generate_ed25519_pem, jwks_of  # noqa: E402
from services.registry.app import MIGRATIONS  # noqa: E402
from services.registry.enterprises.rules import id_check_character  # noqa: E402
from services.registry.imports.parse import COLUMNS  # noqa: E402
from services.registry.reference.districts import DISTRICTS  # noqa: E402
from services.registry.uscc import uscc_check_character  # noqa: E402
from services.registry.uscc.organisation_code import organisation_check_character  # noqa: E402

TARGET = 20_000
# industry, employees, revenue_fen, assets_fen: all small or micro
PROFILES = (
    ("65", 35, 420_000_000, 300_000_000),
    ("52", 8, 9_000_000, ""),
    ("13", 50, 500_000_000, ""),
    ("C39", 12, 30_000_000, ""),
    ("62", 20, 200_000_000, ""),
    ("E47", 40, 400_000_000, 400_000_000),
    ("51", 5, 90_000_000, ""),
    ("L72", 30, 1_000_000_000, 600_000_000),
)


def register(rows: int) -> bytes:
    """A CSV register of `rows` valid enterprises."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for n in range(rows):
        body = f"{n:08d}"
        first17 = "91140105" + body + organisation_check_character(body)
        id17 = f"1401051980{(n % 12) + 1:02d}{(n % 28) + 1:02d}{n % 1000:03d}"
        industry, employees, revenue, assets = PROFILES[n % len(PROFILES)]
        writer.writerow(
            [
                first17 + uscc_check_character(first17),
                f"太原示范企业{n}有限公司",
                DISTRICTS[n % len(DISTRICTS)].code,
                industry,
                f"{2000 + n % 15}-{(n % 12) + 1:02d}-{(n % 28) + 1:02d}",
                100_000_000,
                employees,
                revenue,
                assets,
                "true" if n % 3 == 0 else "false",
                "",
                "王建国",
                id17 + id_check_character(id17),
                "李丽",
                "0351-1234567",
                "",
            ]
        )
    return out.getvalue().encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=67_699)
    args = parser.parse_args()

    key = generate_ed25519_pem()
    signer = InternalTokenSigner(key, "bench-key")
    content = register(args.rows)
    token = signer.mint(
        sub="cli_bench",
        kind="department",
        org=None,
        scopes=["registry:read", "registry:write"],
        audience="registry",
        ttl_seconds=600,
    )
    headers = {"Authorization": f"Bearer {token}"}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/registry.db"
        database = Database(url)
        upgrade_to_head("registry", MIGRATIONS, database)
        port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "REGISTRY_ENVIRONMENT": "test",
            "REGISTRY_DATABASE_URL": url,
            "REGISTRY_INTERNAL_JWKS": json.dumps(jwks_of((key, "bench-key"))),
            "REGISTRY_ID_NUMBER_KEY": "bench-id-number-key",
            "REGISTRY_LOG_LEVEL": "WARNING",
        }
        server = uvicorn("services.registry.app:create_app", port, env, Path(tmp) / "server.log")
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(f"{base}/readyz", server)
            with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
                started = time.perf_counter()
                response = client.post(
                    "/v1/imports", content=content, headers={"Content-Type": "text/csv"}
                )
                response.raise_for_status()
                location = response.headers["location"]
                answered = time.perf_counter() - started
                while True:
                    job = client.get(location).json()
                    if job["status"] in ("succeeded", "failed"):
                        break
                    time.sleep(0.05)
                elapsed = time.perf_counter() - started
        finally:
            stop(server)
        with database.session(write=False) as session:
            events = session.execute(select(func.count()).select_from(OutboxEvent)).scalar_one()
        database.dispose()
    rate = args.rows / elapsed
    print(f"registry import: {args.rows:,} rows ({len(content) / 1e6:.1f} MB CSV) on SQLite")
    print(f"  202 answered in {answered * 1000:.0f} ms; job {job['status']} in {elapsed:.2f} s")
    print(
        f"  filed {job['filed_rows']:,}, rejected {job['rejected_rows']:,}, "
        f"already filed {job['existing_rows']:,}; {events:,} enterprise.filed events"
    )
    print(
        f"  {rate:,.0f} rows/s (target ≥ {TARGET:,}) {'OK' if rate >= TARGET else 'BELOW TARGET'}"
    )
    if job["status"] != "succeeded" or job["filed_rows"] != args.rows or events != args.rows:
        sys.exit(1)


if __name__ == "__main__":
    main()
