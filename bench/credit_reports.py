"""Credit report benchmark (not a test): a bank reading reports through the gateway, against a
department reading the register by USCC through the same gateway, in the same run.

Every server is a real uvicorn process on a free loopback port: the registry, the credit service
and the gateway (aiohttp upstream transport), each on its own fresh PostgreSQL database, dropped
afterwards. Set-up goes through the platform as a user would:

- the registry files its demo enterprises (its demo loader);
- the gateway gets a department client (tax), a bank client (JSB) and an enterprise client (the
  demo enterprise), each with an API key and a limit far above the load, and the credit service's
  own `service` client (what `make run` provisions);
- the credit service reads the registry's feed through the gateway with that client, so its
  replica of the register comes from the feed (the bench waits until the demo enterprise is in);
- the enterprise grants JSB a consent for `pre_loan_review`, and the tax department files two
  credit records on it, both through the gateway.

Then wrk, alternating rounds, 64 connections each:
  registry  GET /registry/v1/enterprises/{uscc}                      (department key)
  credit    GET /credit/v1/enterprises/{uscc}/report?purpose=pre_loan_review  (bank key)
A report read checks the consent, logs the query (its own committed transaction) and assembles
the report (replica, records, lists, a twelve-month summary of the log). Printed: req/s, p50/p99,
the credit/registry throughput ratio (target >= 0.5) and credit's p99 (target < 50 ms), and how
much the query log grew against the reads wrk completed (every read logged).

    .venv/bin/python bench/credit_reports.py [--duration 5] [--rounds 3] [--connections 64]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.gateway.run import POSTGRES, cpu_seconds, wrk
from bench.servers import PYTHON, ROOT, free_port, stop, uvicorn, wait_until_up

READ_USCC = "91140105MA0KDE119Q"  # the demo enterprise
KEYS = {
    "department": "tsk_bench_dept_" + "0123456789abcdef" * 3,
    "bank": "tsk_bench_bank_" + "0123456789abcdef" * 3,
    "enterprise": "tsk_bench_entr_" + "0123456789abcdef" * 3,
}
ORGS = {"department": "tax", "bank": "JSB", "enterprise": READ_USCC}
REGISTRY_PATH = f"/registry/v1/enterprises/{READ_USCC}"
CREDIT_PATH = f"/credit/v1/enterprises/{READ_USCC}/report?purpose=pre_loan_review"
TARGET_RATIO, TARGET_P99_MS = 0.5, 50.0


def create_database(service: str) -> str:
    """A fresh PostgreSQL database; returns its URL."""
    name = f"bench_credit_{service}_{uuid.uuid4().hex[:8]}"
    _admin_sql(f'CREATE DATABASE "{name}"')
    return f"{POSTGRES}/{name}"


def drop_database(url: str) -> None:
    """Drop a bench database (its servers are stopped; FORCE ends any straggler)."""
    _admin_sql(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def _engine(url: str, **options: Any) -> Any:
    from sqlalchemy import create_engine

    return create_engine(url.replace("postgresql://", "postgresql+psycopg://"), **options)


def _admin_sql(statement: str) -> None:
    from sqlalchemy import text

    engine = _engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


def scalar(url: str, statement: str, **params: Any) -> Any:
    """One value from a bench database (set-up and the log count only, never under load)."""
    from sqlalchemy import text

    engine = _engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(statement), params).scalar()
    finally:
        engine.dispose()


def connection_states(databases: dict[str, str]) -> dict[str, dict[str, int]]:
    """Each bench database's server connections by state (a leak shows as it grows)."""
    from sqlalchemy import text

    engine = _engine(f"{POSTGRES}/postgres")
    out: dict[str, dict[str, int]] = {}
    try:
        with engine.connect() as connection:
            for service, url in databases.items():
                rows = connection.execute(
                    text(
                        "SELECT coalesce(state, '?'), count(*) FROM pg_stat_activity "
                        "WHERE datname = :name GROUP BY 1"
                    ),
                    {"name": url.rsplit("/", 1)[1]},
                )
                out[service] = {state: int(count) for state, count in rows}
                stuck = connection.execute(
                    text(
                        "SELECT left(query, 120), count(*) FROM pg_stat_activity WHERE "
                        "datname = :name AND state = 'idle in transaction' GROUP BY 1"
                    ),
                    {"name": url.rsplit("/", 1)[1]},
                )
                for query, count in stuck:  # the last statement of each stuck transaction
                    out[service][f"stuck after: {query}"] = int(count)
    finally:
        engine.dispose()
    return out


def run_python(script: str, env: dict[str, str]) -> None:
    """Run a set-up script in a fresh interpreter with the component's environment."""
    subprocess.run([PYTHON, "-c", script], cwd=ROOT, env=env, check=True)


PREPARE_REGISTRY = """
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

PREPARE_CREDIT = """
from services.common.db import Database
from services.common.migrations import upgrade_to_head
from services.credit.app import MIGRATIONS
from services.credit.settings import CreditSettings
s = CreditSettings()
db = Database(s.resolved_database_url, schema=s.resolved_schema)
upgrade_to_head("credit", MIGRATIONS, db)
db.dispose()
"""


def prepare_gateway(env: dict[str, str], clients_dir: Path) -> None:
    """Migrate the gateway; the bench's clients with keys; the credit service's own client."""
    script = f"""
from pathlib import Path
from gateway.auth.scopes import DEFAULT_SCOPES
from gateway.clients import service
from gateway.clients.models import Client
from gateway.operations import MIGRATIONS
from gateway.service_clients import provision
from gateway.settings import GatewaySettings
from services.common.db import Database
from services.common.identity import ClientKind
from services.common.migrations import upgrade_to_head
s = GatewaySettings()
db = Database(s.resolved_database_url, schema=s.resolved_schema)
upgrade_to_head("gateway", MIGRATIONS, db)
keys, orgs = {KEYS!r}, {ORGS!r}
with db.transaction() as session:
    for kind, key in keys.items():
        client_id = f"cli_bench_{{kind}}"
        if session.get(Client, client_id) is None:
            session.add(Client(id=client_id, name=f"bench {{kind}}", kind=kind, org=orgs[kind],
                               scopes=sorted(DEFAULT_SCOPES[ClientKind(kind)]),
                               rate_limits={{"read": "100000000/minute",
                                             "write": "100000000/minute"}}))
            session.flush()
        service.ensure_api_key(session, client_id=client_id, key=key, label="bench")
db.dispose()
provision(s, directory=Path({str(clients_dir)!r}))
"""
    run_python(script, env)


def call(method: str, url: str, key: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """One API call through the gateway (set-up); fails loudly on an error answer."""
    request = urllib.request.Request(
        url,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Authorization": f"Bearer {key}",
            "Content-Type": "application/json",
            "Idempotency-Key": uuid.uuid4().hex,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            answer: dict[str, Any] = json.loads(response.read())
            return answer
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"{method} {url}: {exc.code} {exc.read().decode()}") from None


def wait_for_replica(credit_url: str, timeout: float = 60) -> float:
    """Wait until credit's consumer has the demo enterprise in its replica; seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if scalar(
            credit_url,
            "SELECT count(*) FROM credit.enterprise_replicas WHERE uscc = :u",
            u=READ_USCC,
        ):
            return time.monotonic() - started
        time.sleep(0.2)
    raise RuntimeError("the credit service did not read the demo enterprise from the feed")


def provision_credit_data(gateway: str) -> None:
    """The enterprise's consent to JSB and two records by the tax department, via the API."""
    call(
        "POST",
        f"{gateway}/credit/v1/consents",
        KEYS["enterprise"],
        {"bank": "JSB", "purpose": "pre_loan_review"},
    )
    call(
        "POST",
        f"{gateway}/credit/v1/records",
        KEYS["department"],
        {
            "records": [
                {
                    "type": "tax_a_rating",
                    "uscc": READ_USCC,
                    "reference": "并税信〔2025〕A-0001",
                    "occurred_on": "2025-04-01",
                    "title": "2024年度纳税信用A级",
                    "evidence_url": "https://shanxi.chinatax.gov.cn/credit/a/2024",
                },
                {
                    "type": "tax_arrears",
                    "uscc": READ_USCC,
                    "reference": "并税欠〔2025〕0002",
                    "occurred_on": "2025-06-01",
                    "title": "增值税欠缴（已补缴）",
                    "evidence_url": "https://shanxi.chinatax.gov.cn/arrears/2025-0002",
                },
            ]
        },
    )


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3, help="alternate registry/credit runs")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="bench-credit-"))
    key_file, jwks_file = workdir / "signing.pem", workdir / "jwks.json"
    base_env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ports = {name: free_port() for name in ("registry", "credit", "gateway")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    databases: dict[str, str] = {}
    processes: list[subprocess.Popen[bytes]] = []
    runs: dict[str, list[dict[str, Any]]] = {"registry": [], "credit": []}
    latency: dict[str, dict[str, Any]] = {}
    started = time.monotonic()
    try:
        for name in ("registry", "credit", "gateway"):
            databases[name] = create_database(name)

        def service_env(prefix: str, name: str) -> dict[str, str]:
            return {
                **base_env,
                f"{prefix}_ENVIRONMENT": "development",
                f"{prefix}_DATABASE_URL": databases[name],
                f"{prefix}_INTERNAL_JWKS": str(jwks_file),
                f"{prefix}_LOG_LEVEL": "WARNING",
                f"{prefix}_GATEWAY_URL": urls["gateway"],
            }

        gateway_env = {
            **service_env("GATEWAY", "gateway"),
            "GATEWAY_SIGNING_KEY_FILE": str(key_file),
            "GATEWAY_REGISTRY_URL": urls["registry"],
            "GATEWAY_CREDIT_URL": urls["credit"],
            "GATEWAY_OPENAPI_CACHE_DIR": str(workdir / "openapi"),
            "GATEWAY_OPENAPI_REFRESH_SECONDS": "3600",
            "GATEWAY_UPSTREAM_TRANSPORT": "aiohttp",
            # At most as many requests in flight per service as its database pool holds
            # (10 + 10 overflow): with the default 64, the registry deadlocks — a sync route
            # holding its session's connection awaits a shared thread to serialize its answer
            # while every thread waits for a connection (30 s pool timeouts, then 503s).
            "GATEWAY_UPSTREAM_MAX_CONNECTIONS": "20",
        }
        registry_env = service_env("REGISTRY", "registry")
        credit_env = {
            **service_env("CREDIT", "credit"),
            "CREDIT_SERVICE_CLIENT_FILE": str(workdir / "clients" / "credit.json"),
        }
        # The key and JWKS exist before any service starts (they load the JWKS once).
        subprocess.run(
            [PYTHON, "-m", "gateway.auth.signing"], cwd=ROOT, env=gateway_env, check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        run_python(PREPARE_REGISTRY, registry_env)
        run_python(PREPARE_CREDIT, credit_env)
        prepare_gateway(gateway_env, workdir / "clients")
        for name, app, env in (
            ("registry", "services.registry.app:create_app", registry_env),
            ("gateway", "gateway.app:create_app", gateway_env),
            ("credit", "services.credit.app:create_app", credit_env),
        ):
            processes.append(uvicorn(app, ports[name], env, workdir / f"{name}.log"))
            wait_until_up(f"{urls[name]}/healthz", processes[-1])
        pids = {"registry": processes[0].pid, "gateway": processes[1].pid}
        pids["credit"] = processes[2].pid
        feed_seconds = wait_for_replica(databases["credit"])
        provision_credit_data(urls["gateway"])

        targets = {
            "registry": (
                urls["gateway"] + REGISTRY_PATH,
                f"Authorization: Bearer {KEYS['department']}",
            ),
            "credit": (urls["gateway"] + CREDIT_PATH, f"Authorization: Bearer {KEYS['bank']}"),
        }
        load = {"threads": args.threads, "connections": args.connections}
        count_sql = "SELECT count(*) FROM credit.credit_queries WHERE outcome = 'granted'"
        log_before = scalar(databases["credit"], count_sql)
        warm: dict[str, dict[str, Any]] = {}
        for name, (url, header) in targets.items():  # warm pools, caches, tokens
            # A few connections first: the first requests of a cold process are slow, and 64 of
            # them at once can outwait the gateway's 2 s wait for an upstream connection.
            gentle = wrk(url, header, duration=2, threads=1, connections=4)
            warm[name] = wrk(url, header, duration=2, **load)
            warm[name]["requests"] += gentle["requests"]
            warm[name]["non_2xx"] += gentle["non_2xx"]
        for _ in range(args.rounds):
            for name, (url, header) in targets.items():
                runs[name].append(measured(pids, name, url, header, args.duration, load))
                runs[name][-1]["connections_after"] = connection_states(databases)
        for name, (url, header) in targets.items():  # latency without queueing: one connection
            latency[name] = wrk(url, header, duration=args.duration, threads=1, connections=1)
        log_after = scalar(databases["credit"], count_sql)
        refused = scalar(
            databases["credit"],
            "SELECT count(*) FROM credit.credit_queries WHERE outcome <> 'granted'",
        )
        for process in reversed(processes):
            stop(process)
        processes.clear()
    finally:
        for process in reversed(processes):
            stop(process)
        for url in databases.values():
            drop_database(url)

    results = summarise(runs, warm, latency, args)
    results.update(
        feed_seconds=round(feed_seconds, 2),
        query_log={
            "granted_rows_before": log_before,
            "granted_rows_after": log_after,
            "growth": log_after - log_before,
            "reads_completed": results["credit_reads_completed"],
            "refused_rows": refused,
        },
        pids=pids,
        wall_seconds=round(time.monotonic() - started, 1),
    )
    report(results)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    if results["non_2xx"] or args.keep:
        print(f"logs kept in {workdir}", file=sys.stderr)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if results["non_2xx"] == 0 else 1


def measured(
    pids: dict[str, int], name: str, url: str, header: str, duration: int, load: dict[str, int]
) -> dict[str, Any]:
    """A wrk run, with the CPU the upstream (`name`) and the gateway spent per request (µs)."""
    upstream, gateway = cpu_seconds(pids[name]), cpu_seconds(pids["gateway"])
    result = wrk(
        url, header, duration=duration, threads=load["threads"], connections=load["connections"]
    )
    requests = max(1, result["requests"])
    result["upstream_cpu_us"] = (cpu_seconds(pids[name]) - upstream) / requests * 1e6
    result["gateway_cpu_us"] = (cpu_seconds(pids["gateway"]) - gateway) / requests * 1e6
    return result


def summarise(
    runs: dict[str, list[dict[str, Any]]],
    warm: dict[str, dict[str, Any]],
    latency: dict[str, dict[str, Any]],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Means over the rounds; p99 the worst round's."""

    def mean(name: str, field: str) -> float:
        return sum(run[field] for run in runs[name]) / len(runs[name])

    figures = {
        name: {
            "rps": round(mean(name, "rps"), 1),
            "p50_ms": round(mean(name, "p50_ms"), 2),
            "p99_ms": round(max(run["p99_ms"] for run in runs[name]), 2),
            "upstream_cpu_us": round(mean(name, "upstream_cpu_us")),
            "gateway_cpu_us": round(mean(name, "gateway_cpu_us")),
            "p50_ms_1conn": latency[name]["p50_ms"],
            "p99_ms_1conn": latency[name]["p99_ms"],
        }
        for name in runs
    }
    ratio = figures["credit"]["rps"] / figures["registry"]["rps"]
    everything = [run for name in runs for run in runs[name]]
    everything += [*warm.values(), *latency.values()]
    return {
        "load": f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s x {args.rounds} "
        "rounds, alternated, through the gateway (aiohttp)",
        "figures": figures,
        "ratio": round(ratio, 3),
        "meets": {
            "ratio": ratio >= TARGET_RATIO,
            "p99": figures["credit"]["p99_ms"] < TARGET_P99_MS,
        },
        "runs": runs,
        "credit_reads_completed": sum(r["requests"] for r in runs["credit"])
        + warm["credit"]["requests"]
        + latency["credit"]["requests"],
        "non_2xx": sum(run["non_2xx"] for run in everything),
        "cpus": os.cpu_count(),
    }


def report(results: dict[str, Any]) -> None:
    """Print the figures."""
    print("credit reports vs registry reads, PostgreSQL, real processes "
          f"({results['cpus']} CPUs); {results['load']}")  # fmt: skip
    print(f"replica filled from the registry feed in {results['feed_seconds']} s")
    for name, label in (("registry", REGISTRY_PATH), ("credit", CREDIT_PATH)):
        f = results["figures"][name]
        print(
            f"  {name:<8} {f['rps']:8.1f} req/s   p50 {f['p50_ms']:7.2f} ms   "
            f"p99 {f['p99_ms']:7.2f} ms   {label}"
        )
        for run in results["runs"][name]:
            states = {
                service: {k: v for k, v in found.items() if not k.startswith("stuck")}
                for service, found in run["connections_after"].items()
            }  # the statements of transactions still open are in --json
            print(f"           after a run: {run['rps']:.1f} req/s, {run['non_2xx']} non-2xx, "
                  f"database connections {states}")  # fmt: skip
        print(
            f"           service CPU {f['upstream_cpu_us']} µs/request, gateway CPU "
            f"{f['gateway_cpu_us']} µs/request; one connection: p50 {f['p50_ms_1conn']:.2f} ms, "
            f"p99 {f['p99_ms_1conn']:.2f} ms"
        )
    meets = results["meets"]
    print(
        f"  ratio credit/registry {results['ratio']:.3f} (target >= {TARGET_RATIO}: "
        f"{'met' if meets['ratio'] else 'MISSED'}); credit p99 "
        f"{results['figures']['credit']['p99_ms']:.2f} ms (target < {TARGET_P99_MS:.0f} ms: "
        f"{'met' if meets['p99'] else 'MISSED'})"
    )
    log = results["query_log"]
    print(
        f"  query log: +{log['growth']} granted rows for {log['reads_completed']} reads wrk "
        f"completed (in-flight reads at each run's end are logged but not counted by wrk); "
        f"refused rows {log['refused_rows']}; non-2xx answers {results['non_2xx']}"
    )
    print(f"wall time: {results['wall_seconds']} s")


if __name__ == "__main__":
    sys.exit(main())
