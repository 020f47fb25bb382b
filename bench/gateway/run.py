"""Gateway benchmark (not a test): the same GET sent to a service directly and through the gateway.

Starts the upstream and the gateway as real uvicorn processes on free loopback ports, then runs
`wrk` against (a) the service directly, with a valid internal token, and (b) the gateway, with
an API key, authenticated, scope-checked, rate-limited and forwarded. Prints req/s of both,
the ratio (target ≥ 0.8) and the median latency the gateway adds at one connection.

    .venv/bin/python -m bench.gateway.run [--duration 10] [--connections 32] [--threads 2]
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.servers import PYTHON, ROOT, free_port, stop, uvicorn, wait_until_up

BENCH_KEY = "tsk_bench_" + "0123456789abcdef" * 3
PATH = "/v1/enterprises?limit=3"


def wrk(url: str, header: str, *, threads: int, connections: int, duration: int) -> dict[str, Any]:
    """Run wrk; returns req/s, p50 latency (ms) and the count of non-2xx answers."""
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "-H", header, url,
    ]  # fmt: skip
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=duration + 30
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"50%\s+([\d.]+\w+)", output).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"99%\s+([\d.]+\w+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors:.*", output)
    return {
        "rps": rps,
        "p50_ms": p50,
        "p99_ms": p99,
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(0) if socket_errors else None,
    }


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


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
        session.add(Client(id="cli_bench", name="bench", kind="bank", org="JSB",
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
        sub="cli_bench", kind="bank", org="JSB", scopes=["registry:read"], audience="registry",
        ttl_seconds=3600,
    )  # fmt: skip


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per throughput run")
    parser.add_argument(
        "--latency-duration", type=int, default=5, help="seconds per 1-connection run"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternate direct/gateway runs this often"
    )
    parser.add_argument("--upstream", choices=("service", "trivial"), default="service")
    parser.add_argument(
        "--no-access-log", action="store_true", help="turn the gateway's access log off"
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    key_file = workdir / "signing.pem"
    jwks_file = workdir / "jwks.json"
    upstream_port, gateway_port = free_port(), free_port()
    base_env = {**os.environ, "PYTHONPATH": str(ROOT)}
    gateway_env = {
        **base_env,
        "GATEWAY_ENVIRONMENT": "development",
        "GATEWAY_DATABASE_URL": f"sqlite:///{workdir / 'gateway.db'}",
        "GATEWAY_SIGNING_KEY_FILE": str(key_file),
        "GATEWAY_INTERNAL_JWKS": str(jwks_file),
        "GATEWAY_REGISTRY_URL": f"http://127.0.0.1:{upstream_port}",
        "GATEWAY_OPENAPI_CACHE_DIR": str(workdir / "openapi"),
        "GATEWAY_OPENAPI_REFRESH_SECONDS": "3600",
        "GATEWAY_ACCESS_LOG": "false" if args.no_access_log else "true",
    }
    # The key and JWKS exist before the upstream starts (it loads the JWKS once).
    subprocess.run(
        [PYTHON, "-m", "gateway.auth.signing"], cwd=ROOT, env=gateway_env, check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    prepare_gateway(workdir, gateway_env)
    kid = json.loads(jwks_file.read_text())["keys"][0]["kid"]
    upstream_env = {**base_env, "BENCH_JWKS": str(jwks_file), "BENCH_UPSTREAM_MODE": args.upstream}
    processes = []
    try:
        upstream = uvicorn(
            "bench.gateway.upstream:create_app",
            upstream_port,
            upstream_env,
            workdir / "upstream.log",
        )
        processes.append(upstream)
        gateway = uvicorn(
            "gateway.app:create_app", gateway_port, gateway_env, workdir / "gateway.log"
        )
        processes.append(gateway)
        wait_until_up(f"http://127.0.0.1:{upstream_port}/healthz", upstream)
        wait_until_up(f"http://127.0.0.1:{gateway_port}/healthz", gateway)

        direct_url = f"http://127.0.0.1:{upstream_port}{PATH}"
        gateway_url = f"http://127.0.0.1:{gateway_port}/registry{PATH}"
        direct_header = f"Authorization: Bearer {internal_token(key_file, kid)}"
        gateway_header = f"Authorization: Bearer {BENCH_KEY}"
        load = {"threads": args.threads, "connections": args.connections}
        # Warm both paths (pools, caches, token cache).
        wrk(direct_url, direct_header, duration=2, **load)
        wrk(gateway_url, gateway_header, duration=2, **load)
        direct_runs, gateway_runs = [], []
        for _ in range(args.rounds):
            direct_runs.append(wrk(direct_url, direct_header, duration=args.duration, **load))
            gateway_runs.append(wrk(gateway_url, gateway_header, duration=args.duration, **load))
        one = {"threads": 1, "connections": 1, "duration": args.latency_duration}
        direct_one = wrk(direct_url, direct_header, **one)
        gateway_one = wrk(gateway_url, gateway_header, **one)
    finally:
        for process in reversed(processes):
            stop(process)

    direct_rps = sum(run["rps"] for run in direct_runs) / len(direct_runs)
    gateway_rps = sum(run["rps"] for run in gateway_runs) / len(gateway_runs)
    results = {
        "upstream": args.upstream,
        "gateway_access_log": not args.no_access_log,
        "load": f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s",
        "direct": direct_runs,
        "gateway": gateway_runs,
        "direct_rps": round(direct_rps, 1),
        "gateway_rps": round(gateway_rps, 1),
        "ratio": round(gateway_rps / direct_rps, 3),
        "direct_p50_ms_1conn": direct_one["p50_ms"],
        "gateway_p50_ms_1conn": gateway_one["p50_ms"],
        "added_p50_ms_1conn": round(gateway_one["p50_ms"] - direct_one["p50_ms"], 3),
        "non_2xx": sum(run["non_2xx"] for run in direct_runs + gateway_runs)
        + direct_one["non_2xx"]
        + gateway_one["non_2xx"],
        "cpus": os.cpu_count(),
    }
    print(f"upstream: {args.upstream}; load: {results['load']} (loopback, {os.cpu_count()} CPUs)")
    print(f"direct to the service : {direct_rps:9.1f} req/s")
    print(
        f"through the gateway   : {gateway_rps:9.1f} req/s  (authenticated, scope-checked, rate-limited)"
    )
    print(f"ratio                 : {results['ratio']:.3f}  (target >= 0.8)")
    print(
        f"median latency, 1 conn: direct {direct_one['p50_ms']:.3f} ms, gateway "
        f"{gateway_one['p50_ms']:.3f} ms, added {results['added_p50_ms_1conn']:.3f} ms"
    )
    if results["non_2xx"]:
        print(f"WARNING: {results['non_2xx']} non-2xx answers; see {workdir}", file=sys.stderr)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    shutil.rmtree(workdir, ignore_errors=True) if not results["non_2xx"] else None
    return 0


if __name__ == "__main__":
    sys.exit(main())
