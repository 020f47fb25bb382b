"""Voucher redemption benchmark (not a test): redemptions per second on PostgreSQL, beside pgbench.

1. pgbench's built-in TPC-B on the same PostgreSQL server in the same run (`pgbench -i -s 10` on
   its own fresh database, then `pgbench -c 64 -j 2 -T <duration>`): the machine's yardstick.
2. The vouchers service (one uvicorn process, deploy/Procfile's flags) on a fresh, migrated
   database seeded directly in SQL: one open programme with a large budget, approved providers,
   many enterprises each holding one voucher (codes known, face value large).
3. `wrk` with 64 connections redeems for a fixed time; every request is by one of the providers
   (in rotation), against a random voucher, on a contract reference and an `Idempotency-Key` of
   its own: (a) directly, with the internal tokens the gateway would mint for each provider,
   (b) through a real gateway with each provider's API key.
4. Redemptions per second (2xx), p50/p99, non-2xx answers by problem `code`, the ratio to
   pgbench's TPS and the load average; then SQL proves that nothing was overspent: no balance
   below zero, no programme committed above its budget, no holder's usage above its cap, and
   per voucher Σ live redemptions = face − balance (and per holder = its usage).

Both databases are dropped afterwards.

    .venv/bin/python bench/vouchers_redemptions.py [--duration 10] [--connections 64]
        [--providers 64] [--enterprises 2000] [--pool-size 10]
"""

import argparse
import json
import os
import re
import shutil
import subprocess
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

from sqlalchemy import create_engine, insert, text  # noqa: E402

from bench.gateway.run import cpu_seconds  # noqa: E402
from bench.servers import (  # noqa: E402
    PYTHON,
    free_port,
    machine_busy_seconds,
    stop,
    uvicorn,
    wait_until_up,
)

POSTGRES = "postgresql://postgres@127.0.0.1:5432"
TARGET_RPS = 1000.0
TARGET_RATIO = 0.4
# deploy/Procfile's uvicorn flags beyond those bench.servers.uvicorn always passes.
PROCFILE_FLAGS = ("--limit-concurrency", "1024", "--timeout-keep-alive", "5", "--backlog", "1024")
CATEGORY = "testing"
FACE_FEN = 10**9  # ¥10 million per voucher: never exhausted at 100 fen a redemption
AMOUNT_FEN = 100
CONTRACT_FEN = 1_000  # coverage 50% → 500 fen covered, ≥ the amount


def _admin_sql(statement: str) -> None:
    engine = create_engine(
        f"{POSTGRES.replace('postgresql://', 'postgresql+psycopg://')}/postgres",
        isolation_level="AUTOCOMMIT",
    )
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


def create_database(prefix: str) -> str:
    """A fresh PostgreSQL database; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    _admin_sql(f'CREATE DATABASE "{name}"')
    return f"{POSTGRES}/{name}"


def drop_database(url: str) -> None:
    """Drop a bench database (closing whatever is still connected)."""
    _admin_sql(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def pgbench(duration: int, clients: int, *, database: str | None = None) -> dict[str, Any]:
    """TPC-B TPS (scale 10): on its own fresh database, dropped afterwards, or in `database`
    (its `pgbench_*` tables beside whatever else is there)."""
    url = create_database("bench_pgbench") if database is None else f"{POSTGRES}/{database}"
    name = url.rsplit("/", 1)[1]
    base = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]
    try:
        subprocess.run(
            ["pgbench", *base, "-i", "-s", "10", "-q", name],
            check=True, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        command = ["pgbench", *base, "-c", str(clients), "-j", "2", "-T", str(duration), name]
        load_before, busy = os.getloadavg(), machine_busy_seconds()
        output = subprocess.run(
            command, check=True, capture_output=True, text=True, timeout=duration + 120
        ).stdout
        load_after, busy = os.getloadavg(), machine_busy_seconds() - busy
    finally:
        if database is None:
            drop_database(url)
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", output)
    if tps is None:
        tps = re.search(r"tps = ([\d.]+)", output)
    latency = re.search(r"latency average = ([\d.]+) ms", output)
    return {
        "command": " ".join(["pgbench", "-c", str(clients), "-j", "2", "-T", str(duration)]),
        "tps": float(tps.group(1)) if tps else 0.0,
        "latency_avg_ms": float(latency.group(1)) if latency else None,
        "load_before": load_before,
        "load_after": load_after,
        "machine_busy_cores": busy / duration,
    }


def seed(url: str, *, providers: int, enterprises: int) -> dict[str, Any]:
    """Migrate the vouchers database and seed it directly: programme, providers, vouchers."""
    from services.common.db import Database
    from services.common.migrations import upgrade_to_head
    from services.vouchers.app import MIGRATIONS
    from services.vouchers.enterprises.models import VoucherEnterprise
    from services.vouchers.programmes.models import Programme
    from services.vouchers.providers.models import Provider
    from services.vouchers.vouchers.codes import new_code
    from services.vouchers.vouchers.models import EnterpriseYearUsage, Voucher
    from services.vouchers.vouchers.service import parse_code

    database = Database(url, schema="vouchers")
    upgrade_to_head("vouchers", MIGRATIONS, database)
    now = datetime.now(UTC)
    today = now.date()
    programme = Programme(
        id="vpg_bench",
        kind="innovation",
        year=today.year,
        name="Bench innovation vouchers",
        budget_fen=FACE_FEN * enterprises * 2,
        committed_fen=FACE_FEN * enterprises,
        face_value_fen=FACE_FEN,
        coverage_bp=5000,
        yearly_cap_fen=FACE_FEN,
        validity_days=365,
        categories=[CATEGORY, "consulting"],
        status="open",
        created_by="bench",
        created_at=now,
        updated_at=now,
    )
    provider_rows = [
        Provider(
            id=f"prv_bench_{i:04d}",
            uscc=f"12140100{i:08d}P0"[:18],
            name=f"Bench lab {i}",
            kind="lab",
            categories=[CATEGORY],
            status="approved",
            applied_by="bench",
            created_at=now,
            updated_at=now,
        )
        for i in range(providers)
    ]
    holders, vouchers, usage, codes = [], [], [], []
    for i in range(enterprises):
        uscc = f"91140105{i:08d}E0"[:18]
        code = new_code()
        assert parse_code(code) == code, "issuance and redemption disagree on codes"
        codes.append(code)
        holders.append(
            VoucherEnterprise(
                uscc=uscc,
                name=f"Bench enterprise {i}",
                district="xiaodian",
                founded_on=date(2024, 1, 1),
                size_class="small",
                is_tech_sme=True,
                legal_rep_id_hash=f"{i:064x}",
                updated_at=now,
            )
        )
        vouchers.append(
            Voucher(
                id=f"vch_bench_{i:06d}",
                code=code,
                programme_id=programme.id,
                uscc=uscc,
                face_value_fen=FACE_FEN,
                balance_fen=FACE_FEN,
                issued_on=today,
                expires_on=today + timedelta(days=365),
                issued_at=now,
                updated_at=now,
            )
        )
        usage.append(
            EnterpriseYearUsage(
                uscc=uscc, programme_id=programme.id, issued_fen=FACE_FEN, cap_fen=FACE_FEN
            )
        )
    with database.transaction() as session:
        for rows in ([programme], provider_rows, holders, vouchers, usage):
            table = type(rows[0]).__table__  # type: ignore[union-attr]
            dumped = [row.model_dump() for row in rows]
            for start in range(0, len(dumped), 2000):
                session.execute(insert(table), dumped[start : start + 2000])
    database.dispose()
    return {"providers": [p.id for p in provider_rows], "codes": codes}


def internal_tokens(key_file: Path, kid: str, provider_ids: list[str]) -> list[str]:
    """What the gateway would send for each provider's client: kind provider, org its id."""
    from services.common.tokens import InternalTokenSigner

    signer = InternalTokenSigner(key_file.read_bytes(), kid, "taiyuan-gateway")
    scopes = ["vouchers:read", "vouchers:provide"]
    return [
        signer.mint(
            sub=f"cli_bench_{provider}",
            kind="provider",
            org=provider,
            scopes=scopes,
            audience="vouchers",
            ttl_seconds=3600,
        )
        for provider in provider_ids
    ]


def prepare_gateway(env: dict[str, str], provider_ids: list[str]) -> list[str]:
    """Migrate the gateway's database; one provider client and API key per provider."""
    keys = ["tsk_bench_" + uuid.uuid4().hex + uuid.uuid4().hex[:16] for _ in provider_ids]
    script = f"""
from gateway.settings import GatewaySettings
from gateway.clients.models import Client
from gateway.clients import service
from gateway.operations import MIGRATIONS
from services.common.db import Database
from services.common.migrations import upgrade_to_head
s = GatewaySettings()
db = Database(s.resolved_database_url)
upgrade_to_head("gateway", MIGRATIONS, db)
with db.session() as session:
    for provider, key in zip({provider_ids!r}, {keys!r}):
        session.add(Client(id="cli_bench_" + provider, name="bench " + provider, kind="provider",
                           org=provider, scopes=["vouchers:read", "vouchers:provide"],
                           rate_limits={{"read": "100000000/minute", "write": "100000000/minute"}}))
    session.commit()
    for provider, key in zip({provider_ids!r}, {keys!r}):
        service.ensure_api_key(session, client_id="cli_bench_" + provider, key=key, label="bench")
    session.commit()
db.dispose()
"""
    subprocess.run([PYTHON, "-c", script], cwd=ROOT, env=env, check=True)
    return keys


LUA_REQUEST = r"""
local tokens = {%(tokens)s}
local codes = {%(codes)s}
local path = "%(path)s"
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
  math.randomseed(os.time() * 1000 + tid)
  statuses = {}
  problems = {}
end

request = function()
  counter = counter + 1
  local n = tid * 100000000 + counter
  local token = tokens[(n %% #tokens) + 1]
  local code = codes[math.random(#codes)]
  local body = '{"voucher_code":"' .. code .. '","contract":{"reference":"%(run)s-' .. n ..
    '","amount_fen":%(contract)d,"category":"%(category)s"},"amount_fen":%(amount)d}'
  local headers = {}
  headers["Authorization"] = "Bearer " .. token
  headers["Content-Type"] = "application/json"
  headers["Idempotency-Key"] = "%(run)s-" .. n
  return wrk.format("POST", path, headers, body)
end

"""


# Counts the answers by status and problem `code` (wrk prints them; `wrk()` reads them).
LUA_TALLY = r"""
response = function(status, headers, body)
  local s = tostring(status)
  statuses[s] = (statuses[s] or 0) + 1
  if status >= 300 then
    local code = string.match(body or "", '"code"%%s*:%%s*"([^"]+)"') or ("http_" .. s)
    problems[code] = (problems[code] or 0) + 1
  end
end

function done(summary, latency, requests)
  local s_all, p_all = {}, {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    local p = thread:get("problems")
    for k, v in pairs(s) do s_all[k] = (s_all[k] or 0) + v end
    for k, v in pairs(p) do p_all[k] = (p_all[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(s_all) do table.insert(parts, '"' .. k .. '":' .. v) end
  io.write("STATUSES {" .. table.concat(parts, ",") .. "}\n")
  parts = {}
  for k, v in pairs(p_all) do table.insert(parts, '"' .. k .. '":' .. v) end
  io.write("PROBLEMS {" .. table.concat(parts, ",") .. "}\n")
end
"""
LUA = LUA_REQUEST + LUA_TALLY


def lua_script(workdir: Path, name: str, *, path: str, tokens: list[str], codes: list[str]) -> Path:
    """A wrk script: rotate the providers' credentials, random vouchers, unique keys."""
    script = workdir / f"{name}.lua"
    script.write_text(
        LUA
        % {
            "tokens": ",".join(f'"{t}"' for t in tokens),
            "codes": ",".join(f'"{c}"' for c in codes),
            "path": path,
            "contract": CONTRACT_FEN,
            "category": CATEGORY,
            "amount": AMOUNT_FEN,
            "run": f"{name}-{uuid.uuid4().hex[:12]}",
        }
    )
    return script


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url: str, script: Path, *, connections: int, duration: int) -> dict[str, Any]:
    """Run wrk with the script; 2xx per second, latency percentiles, answers by status and code."""
    command = [
        "wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "--latency",
        "-s", str(script), url,
    ]  # fmt: skip
    load_before = os.getloadavg()
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=duration + 60
    ).stdout
    load_after = os.getloadavg()
    seconds = re.search(r"requests in ([\d.]+)(\w+),", output)
    assert seconds is not None, output
    elapsed = _ms(seconds.group(1) + seconds.group(2)) / 1000
    statuses = json.loads(re.search(r"STATUSES (\{.*\})", output).group(1))  # type: ignore[union-attr]
    problems = json.loads(re.search(r"PROBLEMS (\{.*\})", output).group(1))  # type: ignore[union-attr]
    ok = sum(v for k, v in statuses.items() if k.startswith("2"))
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "requests": sum(statuses.values()),
        "ok": ok,
        "rps_2xx": ok / elapsed,
        "elapsed_s": elapsed,
        "p50_ms": _ms(re.search(r"50%\s+([\d.]+\w+)", output).group(1)),  # type: ignore[union-attr]
        "p99_ms": _ms(re.search(r"99%\s+([\d.]+\w+)", output).group(1)),  # type: ignore[union-attr]
        "statuses": statuses,
        "problems": problems,
        "socket_errors": socket_errors.group(1) if socket_errors else None,
        "load_before": load_before,
        "load_after": load_after,
    }


def verify(url: str) -> dict[str, Any]:
    """SQL proof that nothing was overspent; returns the counts of violations (all 0) and totals."""
    engine = create_engine(
        url.replace("postgresql://", "postgresql+psycopg://"),
        connect_args={"options": "-csearch_path=vouchers"},
    )
    checks = {
        "vouchers below zero": "SELECT count(*) FROM vouchers WHERE balance_fen < 0",
        "programmes over budget": "SELECT count(*) FROM voucher_programmes "
        "WHERE committed_fen > budget_fen",
        "holders over their cap": "SELECT count(*) FROM voucher_enterprise_usage "
        "WHERE redeemed_fen > cap_fen OR issued_fen > cap_fen",
        "vouchers where redeemed != face - balance": """
            SELECT count(*) FROM vouchers v LEFT JOIN (
                SELECT voucher_id, sum(amount_fen) AS s FROM voucher_redemptions
                WHERE status = 'redeemed' GROUP BY voucher_id) r ON r.voucher_id = v.id
            WHERE coalesce(r.s, 0) <> v.face_value_fen - v.balance_fen - v.released_fen""",
        "holders where redeemed != usage": """
            SELECT count(*) FROM voucher_enterprise_usage u LEFT JOIN (
                SELECT uscc, programme_id, sum(amount_fen) AS s FROM voucher_redemptions
                WHERE status = 'redeemed' GROUP BY uscc, programme_id) r
              ON r.uscc = u.uscc AND r.programme_id = u.programme_id
            WHERE coalesce(r.s, 0) <> u.redeemed_fen""",
        "contracts over their covered share": """
            SELECT count(*) FROM voucher_redemption_contracts c
            WHERE c.redeemed_fen * 10000 > c.amount_fen * 5000""",
        "redemptions without their event": """
            SELECT (SELECT count(*) FROM voucher_redemptions)
                 - (SELECT count(*) FROM outbox_events WHERE type = 'voucher.redeemed')""",
    }
    with engine.connect() as connection:
        found = {
            name: int(connection.execute(text(sql)).scalar_one()) for name, sql in checks.items()
        }
        totals = connection.execute(
            text(
                "SELECT count(*), coalesce(sum(amount_fen), 0) FROM voucher_redemptions "
                "WHERE status = 'redeemed'"
            )
        ).one()
        drawn = connection.execute(
            text("SELECT coalesce(sum(face_value_fen - balance_fen), 0) FROM vouchers")
        ).scalar_one()
    engine.dispose()
    return {
        "violations": found,
        "redemptions": int(totals[0]),
        "redeemed_fen": int(totals[1]),
        "face_minus_balance_fen": int(drawn),
    }


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--providers", type=int, default=64)
    parser.add_argument("--enterprises", type=int, default=2000)
    parser.add_argument(
        "--pool-size",
        type=int,
        default=10,
        help="VOUCHERS_DATABASE_POOL_SIZE (x2 with overflow); above 20 the admission gate admits "
        "more requests than anyio's 40 worker threads and the service stalls under contention",
    )
    parser.add_argument("--skip-gateway", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    for tool in ("wrk", "pgbench"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed (see `make bench`)", file=sys.stderr)
            return 2

    started = time.monotonic()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    bench = pgbench(args.duration, args.connections)
    print(
        f"pgbench TPC-B (scale 10, {bench['command']}): {bench['tps']:.1f} TPS, "
        f"latency avg {bench['latency_avg_ms']} ms",
        flush=True,
    )

    workdir = Path(tempfile.mkdtemp(prefix="bench-vouchers-"))
    key_file, jwks_file = workdir / "signing.pem", workdir / "jwks.json"
    base_env = {**os.environ, "PYTHONPATH": str(ROOT)}
    vouchers_port = free_port()
    vouchers_url = f"http://127.0.0.1:{vouchers_port}"
    gateway_env = {
        **base_env,
        "GATEWAY_ENVIRONMENT": "development",
        "GATEWAY_DATABASE_URL": f"sqlite:///{workdir / 'gateway.db'}",
        "GATEWAY_SIGNING_KEY_FILE": str(key_file),
        "GATEWAY_INTERNAL_JWKS": str(jwks_file),
        "GATEWAY_VOUCHERS_URL": vouchers_url,
        "GATEWAY_OPENAPI_CACHE_DIR": str(workdir / "openapi"),
        "GATEWAY_OPENAPI_REFRESH_SECONDS": "3600",
        "GATEWAY_LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [PYTHON, "-m", "gateway.auth.signing"], cwd=ROOT, env=gateway_env, check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    kid = json.loads(jwks_file.read_text())["keys"][0]["kid"]
    database_url = create_database("bench_vouchers")
    vouchers_env = {
        **base_env,
        "VOUCHERS_ENVIRONMENT": "development",
        "VOUCHERS_DATABASE_URL": database_url,
        "VOUCHERS_DATABASE_POOL_SIZE": str(args.pool_size),
        "VOUCHERS_INTERNAL_JWKS": str(jwks_file),
        "VOUCHERS_LOG_LEVEL": "WARNING",
        "VOUCHERS_JOBS": "false",
        # No service client: no feed consumers polling a gateway during the measurement.
        "VOUCHERS_SERVICE_CLIENT_FILE": str(workdir / "no-service-client.json"),
    }
    processes: list[subprocess.Popen[bytes]] = []
    runs: dict[str, dict[str, Any]] = {}
    try:
        seeded = seed(database_url, providers=args.providers, enterprises=args.enterprises)
        print(
            f"seeded: 1 open programme, {args.providers} approved providers, "
            f"{args.enterprises} enterprises with one voucher each; "
            f"VOUCHERS_DATABASE_POOL_SIZE={args.pool_size} "
            f"(admission gate {2 * args.pool_size} requests at once)",
            flush=True,
        )
        vouchers = uvicorn(
            "services.vouchers.app:create_app", vouchers_port, vouchers_env,
            workdir / "vouchers.log", extra=PROCFILE_FLAGS,
        )  # fmt: skip
        processes.append(vouchers)
        wait_until_up(f"{vouchers_url}/healthz", vouchers)
        targets = {
            "direct": (
                vouchers_url,
                internal_tokens(key_file, kid, seeded["providers"]),
                "/v1/redemptions",
            )
        }
        if not args.skip_gateway:
            keys = prepare_gateway(gateway_env, seeded["providers"])
            gateway_port = free_port()
            gateway = uvicorn(
                "gateway.app:create_app", gateway_port, gateway_env, workdir / "gateway.log",
                extra=PROCFILE_FLAGS,
            )  # fmt: skip
            processes.append(gateway)
            wait_until_up(f"http://127.0.0.1:{gateway_port}/healthz", gateway)
            targets["gateway"] = (
                f"http://127.0.0.1:{gateway_port}",
                keys,
                "/vouchers/v1/redemptions",
            )
        for name, (url, tokens, path) in targets.items():
            # A script per wrk run: its Idempotency-Keys and contract references are its own.
            warm, measured = (
                lua_script(workdir, run, path=path, tokens=tokens, codes=seeded["codes"])
                for run in (f"{name}-warm", name)
            )
            wrk(url, warm, connections=args.connections, duration=2)
            time.sleep(5)  # the warm-up's requests still in flight finish before the measurement
            pids = {
                "vouchers": vouchers.pid,
                **({"gateway": processes[-1].pid} if name != "direct" else {}),
            }
            cpu = {who: cpu_seconds(pid) for who, pid in pids.items()}
            runs[name] = r = wrk(
                url, measured, connections=args.connections, duration=args.duration
            )
            r["cpu"] = {
                who: {
                    "cores": (cpu_seconds(pid) - cpu[who]) / r["elapsed_s"],
                    "ms_per_request": (cpu_seconds(pid) - cpu[who]) / max(1, r["requests"]) * 1e3,
                }
                for who, pid in pids.items()
            }
            print(
                f"{name:<8}: {r['rps_2xx']:8.1f} redemptions/s (2xx: {r['ok']} of {r['requests']} "
                f"in {r['elapsed_s']:.1f} s), p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, "
                f"ratio to pgbench {r['rps_2xx'] / bench['tps']:.3f}; non-2xx by code: "
                f"{r['problems'] or 'none'}; socket errors: {r['socket_errors'] or 'none'}; "
                f"load average {r['load_before'][0]:.2f} → {r['load_after'][0]:.2f}; CPU "
                + ", ".join(
                    f"{who} {c['cores']:.2f} cores = {c['ms_per_request']:.1f} ms/request"
                    for who, c in r["cpu"].items()
                ),
                flush=True,
            )
        for process in reversed(processes):
            stop(process)
        processes.clear()
        proof = verify(database_url)
    finally:
        for process in reversed(processes):
            stop(process)
        drop_database(database_url)

    violations = proof["violations"]
    print(
        f"verified in SQL: {proof['redemptions']} live redemptions, Σ {proof['redeemed_fen']} fen "
        f"= Σ (face − balance) {proof['face_minus_balance_fen']} fen"
    )
    for name, count in violations.items():
        print(f"  {name:<45}: {count}")
    direct = runs["direct"]["rps_2xx"]
    ratio = direct / bench["tps"] if bench["tps"] else 0.0
    overspent = any(violations.values()) or proof["redeemed_fen"] != proof["face_minus_balance_fen"]
    print(
        f"direct {direct:.1f} redemptions/s (target ≥ {TARGET_RPS:.0f}), "
        f"{ratio:.3f} × pgbench (target ≥ {TARGET_RATIO}); "
        f"load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs; "
        f"wall {time.monotonic() - started:.0f} s"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps({"pgbench": bench, "runs": runs, "proof": proof}, indent=2, default=str)
        )
    unexpected = sum(sum(r["problems"].values()) for r in runs.values())
    if overspent:
        print("FAIL: overspent")
        return 1
    if unexpected:
        print(f"WARNING: {unexpected} non-2xx answers; logs in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    met = direct >= TARGET_RPS and ratio >= TARGET_RATIO
    print(
        "PASS" if met else "BELOW TARGET (reported, not failed: throughput depends on the machine)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
