"""Gateway benchmark (not a test): what the gateway costs in front of a real service, per transport.

1. Realistic upstream: the registry service on PostgreSQL (a fresh database, migrated and seeded
   with the demo enterprises, dropped afterwards), under a mixed load that reads an enterprise by
   USCC and searches. `wrk` runs against the registry directly (with a valid internal token) and
   against one gateway per upstream transport (`native`, `aiohttp`; API key → authenticated,
   scope-checked, rate-limited, forwarded), in alternating rounds. Printed per transport, from
   this one run: throughput ratio gateway/direct, the gateway process's CPU per request (from
   /proc/<pid>/stat over its runs) and the p50/p99 latency it adds at one connection.
2. The kernel's share: CPU per request of a bare FastAPI route and of the same route behind the
   kernel's middleware and token check (bench/gateway/upstream.py), same load.

Every server is a real uvicorn process on a free loopback port; only 127.0.0.1 is loaded.

    .venv/bin/python bench/gateway/run.py [--duration 5] [--rounds 3] [--connections 32]
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
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.servers import PYTHON, ROOT, free_port, stop, uvicorn, wait_until_up

BENCH_KEY = "tsk_bench_" + "0123456789abcdef" * 3
TRANSPORTS = ("native", "aiohttp")
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
READ_USCC = "91140105MA0KDE119Q"  # the demo enterprise
PATHS = (f"/v1/enterprises/{READ_USCC}", "/v1/enterprises?district=xiaodian&limit=20")
TICKS = os.sysconf("SC_CLK_TCK")


def wrk(
    url: str,
    header: str,
    *,
    threads: int,
    connections: int,
    duration: int,
    script: Path | None = None,
) -> dict[str, Any]:
    """Run wrk; returns req/s, requests, p50/p99 latency (ms) and the count of non-2xx answers."""
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "-H", header,
    ]  # fmt: skip
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=duration + 30
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"50%\s+([\d.]+\w+)", output).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"99%\s+([\d.]+\w+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {
        "rps": rps,
        "requests": requests,
        "p50_ms": p50,
        "p99_ms": p99,
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def measured(pid: int, url: str, header: str, **load: Any) -> dict[str, Any]:
    """A wrk run, with the CPU the process `pid` spent per request during it (µs)."""
    before = cpu_seconds(pid)
    result = wrk(url, header, **load)
    result["cpu_s"] = cpu_seconds(pid) - before
    result["cpu_us_per_request"] = result["cpu_s"] / max(1, result["requests"]) * 1e6
    return result


def mixed_script(workdir: Path, prefix: str) -> Path:
    """A wrk script alternating the read by USCC and the search, under `prefix`."""
    paths = ", ".join(f'"{prefix}{path}"' for path in PATHS)
    script = workdir / f"mixed{prefix.replace('/', '-')}.lua"
    script.write_text(
        f"local paths = {{{paths}}}\nlocal i = 0\n"
        "request = function()\n  i = i + 1\n  return wrk.format(nil, paths[i % 2 + 1])\nend\n"
    )
    return script


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def create_database() -> str:
    """A fresh PostgreSQL database for the registry; returns its URL."""
    name = f"bench_gateway_{uuid.uuid4().hex[:8]}"
    _admin_sql(f'CREATE DATABASE "{name}"')
    return f"{POSTGRES}/{name}"


def drop_database(url: str) -> None:
    """Drop the bench's database (its connections are gone with the registry process)."""
    _admin_sql(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def _admin_sql(statement: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(
        f"{POSTGRES.replace('postgresql://', 'postgresql+psycopg://')}/postgres",
        isolation_level="AUTOCOMMIT",
    )
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


def prepare_registry(env: dict[str, str]) -> None:
    """Migrate the registry's database and file the demo enterprises."""
    script = """
from services.common.db import Database
from services.common.migrations import upgrade_to_head
from services.registry.app import MIGRATIONS
from services.registry.demo import seed
from services.registry.settings import RegistrySettings
s = RegistrySettings()
db = Database(s.resolved_database_url, schema=s.resolved_schema)
upgrade_to_head("registry", MIGRATIONS, db)
db.dispose()
seed(s)
"""
    subprocess.run([PYTHON, "-c", script], cwd=ROOT, env=env, check=True)


def prepare_gateway(workdir: Path, env: dict[str, str]) -> None:
    """Migrate the gateway's database and register the benchmark client (a generous limit)."""
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
    if session.get(Client, "cli_bench") is None:
        session.add(Client(id="cli_bench", name="bench", kind="department", org="TAX",
                           scopes=["registry:read"], rate_limits={{"read": "100000000/minute"}}))
        session.commit()
    service.ensure_api_key(session, client_id="cli_bench", key={BENCH_KEY!r}, label="bench")
db.dispose()
"""
    subprocess.run([PYTHON, "-c", script], cwd=ROOT, env=env, check=True)


def internal_token(key_file: Path, kid: str) -> str:
    """A valid internal token for the direct calls (what the gateway would send)."""
    sys.path.insert(0, str(ROOT))
    from services.common.tokens import InternalTokenSigner

    signer = InternalTokenSigner(key_file.read_bytes(), kid, "taiyuan-gateway")
    return signer.mint(
        sub="cli_bench", kind="department", org="TAX", scopes=["registry:read"], audience="registry",
        ttl_seconds=3600,
    )  # fmt: skip


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=4, help="seconds per throughput run")
    parser.add_argument(
        "--latency-duration", type=int, default=3, help="seconds per 1-connection run"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="alternate direct/gateway runs")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    key_file = workdir / "signing.pem"
    jwks_file = workdir / "jwks.json"
    base_env = {**os.environ, "PYTHONPATH": str(ROOT)}
    registry_port = free_port()
    registry_url = f"http://127.0.0.1:{registry_port}"
    gateway_envs = {}
    for transport in TRANSPORTS:
        gateway_envs[transport] = {
            **base_env,
            "GATEWAY_ENVIRONMENT": "development",
            "GATEWAY_DATABASE_URL": f"sqlite:///{workdir / f'gateway-{transport}.db'}",
            "GATEWAY_SIGNING_KEY_FILE": str(key_file),
            "GATEWAY_INTERNAL_JWKS": str(jwks_file),
            "GATEWAY_REGISTRY_URL": registry_url,
            "GATEWAY_OPENAPI_CACHE_DIR": str(workdir / f"openapi-{transport}"),
            "GATEWAY_OPENAPI_REFRESH_SECONDS": "3600",
            "GATEWAY_UPSTREAM_TRANSPORT": transport,
            "GATEWAY_LOG_LEVEL": "WARNING",
        }
    # The key and JWKS exist before any upstream starts (they load the JWKS once).
    subprocess.run(
        [PYTHON, "-m", "gateway.auth.signing"], cwd=ROOT, env=gateway_envs["native"], check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    kid = json.loads(jwks_file.read_text())["keys"][0]["kid"]
    database_url = create_database()
    registry_env = {
        **base_env,
        "REGISTRY_ENVIRONMENT": "development",
        "REGISTRY_DATABASE_URL": database_url,
        "REGISTRY_INTERNAL_JWKS": str(jwks_file),
        "REGISTRY_LOG_LEVEL": "WARNING",
    }
    processes: list[subprocess.Popen[bytes]] = []
    load = {"threads": args.threads, "connections": args.connections}
    one = {"threads": 1, "connections": 1, "duration": args.latency_duration}
    direct_header = f"Authorization: Bearer {internal_token(key_file, kid)}"
    gateway_header = f"Authorization: Bearer {BENCH_KEY}"
    runs: dict[str, list[dict[str, Any]]] = {"direct": [], **{t: [] for t in TRANSPORTS}}
    latency: dict[str, dict[str, Any]] = {}
    kernel: dict[str, dict[str, Any]] = {}
    started = time.monotonic()
    try:
        prepare_registry(registry_env)
        registry = uvicorn(
            "services.registry.app:create_app", registry_port, registry_env, workdir / "reg.log"
        )
        processes.append(registry)
        gateways = {}
        for transport in TRANSPORTS:
            prepare_gateway(workdir, gateway_envs[transport])
            port = free_port()
            gateways[transport] = (
                uvicorn(
                    "gateway.app:create_app",
                    port,
                    gateway_envs[transport],
                    workdir / f"gateway-{transport}.log",
                ),
                f"http://127.0.0.1:{port}/registry",
            )
            processes.append(gateways[transport][0])
        wait_until_up(f"{registry_url}/healthz", registry)
        for process, url in gateways.values():
            wait_until_up(url.removesuffix("/registry") + "/healthz", process)

        targets = {"direct": (registry, registry_url, direct_header)}
        for transport, (process, url) in gateways.items():
            targets[transport] = (process, url, gateway_header)
        scripts = {
            name: mixed_script(workdir, url.removeprefix(f"http://{url.split('/')[2]}"))
            for name, (_, url, _) in targets.items()
        }
        for name, (_, url, header) in targets.items():  # warm pools, caches, tokens
            wrk(url, header, duration=2, script=scripts[name], **load)
        for _ in range(args.rounds):
            for name, (process, url, header) in targets.items():
                runs[name].append(
                    measured(
                        process.pid,
                        url,
                        header,
                        duration=args.duration,
                        script=scripts[name],
                        **load,
                    )
                )
        for name, (_, url, header) in targets.items():
            latency[name] = wrk(url, header, script=scripts[name], **one)
        for process in reversed(processes):
            stop(process)
        processes.clear()
        kernel = kernel_share(workdir, base_env, jwks_file, direct_header, args, load)
    finally:
        for process in reversed(processes):
            stop(process)
        drop_database(database_url)

    results = summarise(runs, latency, kernel, args)
    results["wall_seconds"] = round(time.monotonic() - started, 1)
    report(results)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    if results["non_2xx"]:
        print(f"WARNING: {results['non_2xx']} non-2xx answers; see {workdir}", file=sys.stderr)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def kernel_share(
    workdir: Path,
    base_env: dict[str, str],
    jwks_file: Path,
    header: str,
    args: argparse.Namespace,
    load: dict[str, int],
) -> dict[str, dict[str, Any]]:
    """CPU per request of a bare FastAPI route, and of the same route behind the kernel."""
    out = {}
    for mode in ("trivial", "service"):
        env = {**base_env, "BENCH_JWKS": str(jwks_file), "BENCH_UPSTREAM_MODE": mode}
        port = free_port()
        process = uvicorn("bench.gateway.upstream:create_app", port, env, workdir / f"{mode}.log")
        try:
            wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
            url = f"http://127.0.0.1:{port}/v1/enterprises?limit=3"
            wrk(url, header, duration=2, **load)
            out[mode] = measured(process.pid, url, header, duration=args.duration, **load)
        finally:
            stop(process)
    return out


def summarise(
    runs: dict[str, list[dict[str, Any]]],
    latency: dict[str, dict[str, Any]],
    kernel: dict[str, dict[str, Any]],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Ratios and per-request CPU from one run's measurements."""

    def rps(name: str) -> float:
        return sum(run["rps"] for run in runs[name]) / len(runs[name])

    def cpu(name: str) -> float:
        requests = sum(run["requests"] for run in runs[name])
        return sum(run["cpu_s"] for run in runs[name]) / max(1, requests) * 1e6

    direct = rps("direct")
    transports = {
        transport: {
            "rps": round(rps(transport), 1),
            "ratio": round(rps(transport) / direct, 3),
            "gateway_cpu_us_per_request": round(cpu(transport), 1),
            "added_p50_ms": round(latency[transport]["p50_ms"] - latency["direct"]["p50_ms"], 3),
            "added_p99_ms": round(latency[transport]["p99_ms"] - latency["direct"]["p99_ms"], 3),
        }
        for transport in TRANSPORTS
    }
    native, library = transports["native"], transports["aiohttp"]
    everything = [run for name in runs for run in runs[name]] + list(latency.values())
    return {
        "load": f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s x {args.rounds}",
        "paths": list(PATHS),
        "direct_rps": round(direct, 1),
        "direct_cpu_us_per_request": round(cpu("direct"), 1),
        "transports": transports,
        "native_over_aiohttp": {
            "throughput": round(native["rps"] / library["rps"], 3),
            "cpu_per_request": round(
                library["gateway_cpu_us_per_request"] / native["gateway_cpu_us_per_request"], 3
            ),
        },
        "kernel": {
            mode: {"rps": round(r["rps"], 1), "cpu_us_per_request": round(r["cpu_us_per_request"])}
            for mode, r in kernel.items()
        },
        "runs": runs,
        "latency_1conn": latency,
        "non_2xx": sum(run["non_2xx"] for run in everything)
        + sum(r["non_2xx"] for r in kernel.values()),
        "cpus": os.cpu_count(),
    }


def report(results: dict[str, Any]) -> None:
    """Print the figures."""
    print(f"realistic upstream: registry on PostgreSQL; paths {', '.join(results['paths'])}")
    print(f"load: {results['load']} per target, rounds alternated ({results['cpus']} CPUs)")
    print(
        f"direct to the registry : {results['direct_rps']:8.1f} req/s, "
        f"registry CPU {results['direct_cpu_us_per_request']:.0f} µs/request"
    )
    for transport, r in results["transports"].items():
        print(
            f"gateway, {transport:<7}       : {r['rps']:8.1f} req/s, ratio {r['ratio']:.3f}, "
            f"gateway CPU {r['gateway_cpu_us_per_request']:.0f} µs/request, added latency "
            f"(1 conn) p50 {r['added_p50_ms']:.3f} ms, p99 {r['added_p99_ms']:.3f} ms"
        )
    edge = results["native_over_aiohttp"]
    print(
        f"native over aiohttp    : throughput x{edge['throughput']:.3f} (native is the default "
        f"only if >= 1.15), gateway CPU per request x{edge['cpu_per_request']:.3f} in its favour"
    )
    kernel = results["kernel"]
    if kernel:
        print(
            f"bare FastAPI route     : {kernel['trivial']['cpu_us_per_request']} µs/request; "
            f"with the kernel's middleware and token check: "
            f"{kernel['service']['cpu_us_per_request']} µs/request"
        )
    print(f"wall time: {results['wall_seconds']} s")


if __name__ == "__main__":
    sys.exit(main())
