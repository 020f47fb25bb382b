"""The apps bench/vouchers_floor.py serves with uvicorn (`--factory`), one layer each.

- `noop_app`: a bare FastAPI POST route that does nothing (the framework and server alone).
- `insert_app`: a bare POST route that INSERTs one row in its own transaction, through an
  engine made by the kernel's `make_engine` (same pool, pre-ping, psycopg) in a worker thread,
  as the kernel's synchronous routes run.
- `kernel_app`: the kernel's test app (tests/common/kernel_app) from `KERNEL_*` settings: its
  `POST /v1/widgets` is the kernel's minimal write (token, Idempotency-Key, unit of work, one
  row, one outbox event).

`FLOOR_DATABASE_URL` names the PostgreSQL database; `FLOOR_POOL_SIZE` the pool (default 10).
"""

import os
import sys
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import Column, DateTime, MetaData, String, Table, insert

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from services.common.clock import utcnow  # noqa: E402
from services.common.db import make_engine  # noqa: E402
from services.common.ids import new_id  # noqa: E402

SCHEMA = "floor"
ROWS = Table(
    "floor_rows",
    MetaData(schema=SCHEMA),
    Column("id", String(40), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def noop_app() -> FastAPI:
    """`POST /noop`: answers 201 `{}` and nothing else."""
    app = FastAPI()

    @app.post("/noop", status_code=201)
    async def noop() -> dict[str, str]:
        return {}

    return app


def insert_app() -> FastAPI:
    """`POST /insert`: one INSERT, committed, in a worker thread; answers 201 with the id.

    `FLOOR_PERSISTENT=1`: the same number of connections (pool size x2) all kept open, no
    overflow (the kernel's overflow connections are closed whenever the pool has enough idle
    ones, and opened again at the next burst)."""
    url, size = os.environ["FLOOR_DATABASE_URL"], int(os.environ.get("FLOOR_POOL_SIZE", "10"))
    if os.environ.get("FLOOR_PERSISTENT") == "1":
        engine = make_engine(url, schema=SCHEMA, pool_size=2 * size)
        engine.pool._max_overflow = 0  # type: ignore[attr-defined]
    else:
        engine = make_engine(url, schema=SCHEMA, pool_size=size)
    app = FastAPI()

    @app.post("/insert", status_code=201)
    def insert_row() -> dict[str, str]:
        row_id = new_id("flr")
        with engine.begin() as connection:
            connection.execute(insert(ROWS).values(id=row_id, created_at=utcnow()))
        return {"id": row_id}

    return app


def create_floor_table(url: str) -> None:
    """The `floor` schema and its one table (the insert layer's)."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        ROWS.create(connection, checkfirst=True)
    engine.dispose()


def kernel_app() -> FastAPI:
    """The kernel's test app, configured from the environment (`KERNEL_*`)."""
    from tests.common.kernel_app.app import KernelSettings, create_app

    return create_app(KernelSettings())
