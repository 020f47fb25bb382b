"""The platform's floor under a redemption (not a test): each layer's req/s as a ratio to pgbench.

On one fresh PostgreSQL database, with the redemption bench's load generator (`wrk`, 2 threads,
64 connections, a fixed time after a 2 s warm-up) and one uvicorn process per layer
(deploy/Procfile's flags; `--workers N` for N processes), one layer at a time:

  (a) pgbench TPC-B (scale 10, `-c 64 -j 2`) in the same database, before and after the rest;
  (b) a bare FastAPI POST route that does nothing (bench/floor_apps.py `noop_app`);
  (c) a bare POST route doing one INSERT, committed, through the kernel's `make_engine`
      (`insert_app`); (c') the same with all its connections kept open (no overflow);
  (d) the kernel's minimal write: the kernel test app's `POST /v1/widgets` with a token and an
      `Idempotency-Key` (claim, one row, one outbox event, the answer stored, one commit);
  (e) the redemption: the vouchers service seeded as bench/vouchers_redemptions.py does.

Each prints 2xx/s, the ratio to pgbench (the mean of its two runs), p50/p99, the server's CPU per
request and in cores, its PostgreSQL backends' CPU per request (those still connected at the end:
a lower bound when the pool reconnects), the sessions PostgreSQL started meanwhile (reconnects),
the whole machine's busy cores (of all its CPUs) and the load average.
The redemptions are then verified in SQL (nothing overspent). The database is dropped.

    .venv/bin/python bench/vouchers_floor.py [--duration 10] [--workers 1] [--pool-size 10]
"""

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.floor_apps import create_floor_table  # noqa: E402
from bench.gateway.run import cpu_seconds  # noqa: E402
from bench.servers import (  # noqa: E402
    PYTHON,
    free_port,
    machine_busy_seconds,
    stop,
    uvicorn,
    wait_until_up,
)
from bench.vouchers_redemptions import (  # noqa: E402
    LUA_TALLY,
    PROCFILE_FLAGS,
    TARGET_RATIO,
    create_database,
    drop_database,
    internal_tokens,
    lua_script,
    pgbench,
    seed,
    verify,
    wrk,
)

# One POST per request: the caller's token and a fresh Idempotency-Key when there are tokens.
LUA_POST = r"""
local tokens = {%(tokens)s}
local path = "%(path)s"
local body = '{"name":"bench"}'
local threads = {}
local counter = 0
tid = tid or 0
statuses = {}
problems = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  problems = {}
end

request = function()
  counter = counter + 1
  local n = tid * 100000000 + counter
  local headers = {}
  headers["Content-Type"] = "application/json"
  if #tokens > 0 then
    headers["Authorization"] = "Bearer " .. tokens[(n %% #tokens) + 1]
    headers["Idempotency-Key"] = "%(run)s-" .. n
  end
  return wrk.format("POST", path, headers, body)
end
"""


def post_script(workdir: Path, name: str, *, path: str, tokens: list[str]) -> Path:
    """A wrk script posting `{"name": "bench"}` to `path`, as `tokens` in rotation if any."""
    script = workdir / f"{name}.lua"
    script.write_text(
        (LUA_POST + LUA_TALLY)
        % {
            "tokens": ",".join(f'"{t}"' for t in tokens),
            "path": path,
            "run": f"{name}-{uuid.uuid4().hex[:12]}",
        }
    )
    return script


def tree_cpu_seconds(pid: int) -> float:
    """CPU used so far by a process and its descendants still running (uvicorn's workers)."""
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            total += cpu_seconds(current)
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        pending += [int(child) for child in children]
    return total


def sessions_started(database_url: str) -> int:
    """How many sessions PostgreSQL has started on the database (its statistics, PostgreSQL ≥ 14)."""
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_stat_clear_snapshot()"))
        count = connection.execute(
            text("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        ).scalar_one()
    engine.dispose()
    return int(count)


def backends_cpu_seconds(database_url: str) -> dict[int, float]:
    """CPU used so far by each PostgreSQL backend connected to the database (same machine)."""
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        pids = connection.execute(
            text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
        ).scalars()
        spent = {}
        for pid in pids:
            with contextlib.suppress(OSError):  # gone already
                spent[pid] = cpu_seconds(pid)
    engine.dispose()
    return spent


def measure(
    url: str, make_script: Callable[[str], Path], pid: int, database_url: str, **load: int
) -> dict[str, Any]:
    """A 2 s warm-up, then a measured wrk run with the CPU of the server, of its PostgreSQL
    backends (those connected at the end; a backend that came and went is missed) and of the
    whole machine."""
    wrk(url, make_script("warm"), connections=load["connections"], duration=2)
    time.sleep(2)  # the warm-up's requests still in flight finish before the measurement
    script = make_script("measured")
    cpu, busy = tree_cpu_seconds(pid), machine_busy_seconds()
    backends, sessions = backends_cpu_seconds(database_url), sessions_started(database_url)
    result = wrk(url, script, **load)
    spent = tree_cpu_seconds(pid) - cpu
    db = sum(now - backends.get(p, 0.0) for p, now in backends_cpu_seconds(database_url).items())
    requests = max(1, result["requests"])
    time.sleep(1)  # a backend's statistics reach the shared counters within a second
    # Less the two this bench opened to read the figures (the backends' CPU and the count).
    result["new_sessions"] = sessions_started(database_url) - sessions - 2
    result["server_cores"] = spent / result["elapsed_s"]
    result["server_ms_per_request"] = spent / requests * 1e3
    result["db_ms_per_request"] = db / requests * 1e3
    result["machine_busy_cores"] = (machine_busy_seconds() - busy) / result["elapsed_s"]
    return result


def layers(
    database_url: str, workdir: Path, args: argparse.Namespace
) -> list[tuple[str, str, dict[str, str], Callable[[str], Path], str]]:
    """Each layer: its label, uvicorn app, environment, wrk script maker and health path."""
    from services.common.db import Database
    from services.common.migrations import upgrade_to_head
    from services.common.tokens import InternalTokenSigner
    from tests.common.kernel_app.app import MIGRATIONS as KERNEL_MIGRATIONS

    key_file, jwks_file = workdir / "signing.pem", workdir / "jwks.json"
    base = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [PYTHON, "-m", "gateway.auth.signing"], cwd=ROOT, stdout=subprocess.DEVNULL, check=True,
        env={**base, "GATEWAY_SIGNING_KEY_FILE": str(key_file),
             "GATEWAY_INTERNAL_JWKS": str(jwks_file), "GATEWAY_ENVIRONMENT": "development"},
    )  # fmt: skip
    kid = json.loads(jwks_file.read_text())["keys"][0]["kid"]
    signer = InternalTokenSigner(key_file.read_bytes(), kid, "taiyuan-gateway")

    create_floor_table(database_url)
    kernel_db = Database(database_url, schema="kernel")
    upgrade_to_head("kernel", KERNEL_MIGRATIONS, kernel_db)
    kernel_db.dispose()
    seeded = seed(database_url, providers=args.providers, enterprises=args.enterprises)

    pool = str(args.pool_size)
    service = {"ENVIRONMENT": "development", "DATABASE_URL": database_url,
               "DATABASE_POOL_SIZE": pool, "INTERNAL_JWKS": str(jwks_file), "LOG_LEVEL": "WARNING",
               "SERVICE_CLIENT_FILE": str(workdir / "no-service-client.json")}  # fmt: skip
    kernel_tokens = [
        signer.mint(sub=f"cli_bench_{i}", kind="admin", org=None, scopes=["widgets:write"],
                    audience="kernel", ttl_seconds=3600)
        for i in range(args.providers)
    ]  # fmt: skip
    redeemers = internal_tokens(key_file, kid, seeded["providers"])

    def post(path: str, tokens: list[str]) -> Callable[[str], Path]:
        return lambda run: post_script(workdir, f"{path.strip('/').replace('/', '-')}-{run}",
                                       path=path, tokens=tokens)  # fmt: skip

    def redeem(run: str) -> Path:
        return lua_script(
            workdir, f"redeem-{run}", path="/v1/redemptions", tokens=redeemers,
            codes=seeded["codes"],
        )  # fmt: skip

    return [
        ("(b) bare FastAPI POST, no work", "bench.floor_apps:noop_app", base,
         post("/noop", []), "/docs"),
        ("(c) bare POST, one INSERT", "bench.floor_apps:insert_app",
         {**base, "FLOOR_DATABASE_URL": database_url, "FLOOR_POOL_SIZE": pool},
         post("/insert", []), "/docs"),
        ("(c') the same, no overflow: 2x pool kept open", "bench.floor_apps:insert_app",
         {**base, "FLOOR_DATABASE_URL": database_url, "FLOOR_POOL_SIZE": pool,
          "FLOOR_PERSISTENT": "1"},
         post("/insert", []), "/docs"),
        ("(d) kernel minimal write", "bench.floor_apps:kernel_app",
         {**base, **{f"KERNEL_{k}": v for k, v in service.items()}},
         post("/v1/widgets", kernel_tokens), "/healthz"),
        ("(e) redemption", "services.vouchers.app:create_app",
         {**base, "VOUCHERS_JOBS": "false", **{f"VOUCHERS_{k}": v for k, v in service.items()}},
         redeem, "/healthz"),
    ]  # fmt: skip


def _load(result: dict[str, Any]) -> str:
    return f"load {result['load_before'][0]:.2f}→{result['load_after'][0]:.2f}"


def main() -> int:
    """Measure every layer and print the figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn processes per server")
    parser.add_argument("--pool-size", type=int, default=10, help="each process's pool (x2)")
    parser.add_argument("--providers", type=int, default=64)
    parser.add_argument("--enterprises", type=int, default=2000)
    parser.add_argument("--only", help="comma-separated layers to run (b,c,c',d,e)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    for tool in ("wrk", "pgbench"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed (see `make bench`)", file=sys.stderr)
            return 2
    started = time.monotonic()
    print(
        f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on "
        f"{os.cpu_count()} CPUs; {args.connections} connections, {args.duration} s per run, "
        f"{args.workers} uvicorn process(es) per server, pool {args.pool_size} (+{args.pool_size})",
        flush=True,
    )
    workdir = Path(tempfile.mkdtemp(prefix="bench-floor-"))
    database_url = create_database("bench_floor")
    name = database_url.rsplit("/", 1)[1]
    extra = (*PROCFILE_FLAGS, *(("--workers", str(args.workers)) if args.workers > 1 else ()))
    results: dict[str, dict[str, Any]] = {}
    try:
        planned = layers(database_url, workdir, args)
        results["(a) pgbench TPC-B, before"] = before = pgbench(
            args.duration, args.connections, database=name
        )
        print(f"(a) pgbench TPC-B before: {before['tps']:.1f} TPS, {_load(before)}", flush=True)
        for label, app, env, make_script, health in planned:
            if args.only and label[1 : label.index(")")] not in args.only.split(","):
                continue
            port = free_port()
            server = uvicorn(
                app, port, env, workdir / f"{label[1 : label.index(')')]}.log", extra=extra
            )
            try:
                wait_until_up(f"http://127.0.0.1:{port}{health}", server)
                results[label] = measure(
                    f"http://127.0.0.1:{port}", make_script, server.pid, database_url,
                    connections=args.connections, duration=args.duration,
                )  # fmt: skip
            finally:
                stop(server)
            r = results[label]
            print(
                f"{label}: {r['rps_2xx']:.1f} 2xx/s ({r['ok']} of {r['requests']}), p50 "
                f"{r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms; server {r['server_cores']:.2f} "
                f"cores = {r['server_ms_per_request']:.2f} ms/request, PostgreSQL "
                f"{r['db_ms_per_request']:.2f} ms/request (live backends), "
                f"{r['new_sessions']} new sessions; machine busy "
                f"{r['machine_busy_cores']:.2f} cores; {_load(r)}; non-2xx: {r['problems'] or 0}",
                flush=True,
            )
        results["(a) pgbench TPC-B, after"] = after = pgbench(
            args.duration, args.connections, database=name
        )
        print(f"(a) pgbench TPC-B after: {after['tps']:.1f} TPS, {_load(after)}", flush=True)
        proof = verify(database_url) if any(k.startswith("(e)") for k in results) else None
    finally:
        drop_database(database_url)

    tps = (before["tps"] + after["tps"]) / 2
    print(f"\nper layer, as a ratio to pgbench's mean {tps:.1f} TPS (before/after):")
    for label, r in results.items():
        rate = r["tps"] if "tps" in r else r["rps_2xx"]
        cpu = (
            f"  CPU/req: server {r['server_ms_per_request']:6.2f} ms, PostgreSQL "
            f"{r['db_ms_per_request']:5.2f} ms"
            if "tps" not in r
            else f"  machine busy {r['machine_busy_cores']:.2f} cores"
        )
        print(f"  {label:<34} {rate:8.1f} /s  {rate / tps:6.3f} × pgbench{cpu}  ({_load(r)})")
    if proof is not None:
        print(f"redemptions verified in SQL: {proof['violations']}")
        redemption = results["(e) redemption"]["rps_2xx"] / tps
        print(f"redemption {redemption:.3f} × pgbench (target ≥ {TARGET_RATIO})")
    print(f"wall {time.monotonic() - started:.0f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, default=str))
    shutil.rmtree(workdir, ignore_errors=True)
    overspent = proof is not None and any(proof["violations"].values())
    return 1 if overspent else 0


if __name__ == "__main__":
    sys.exit(main())
