"""CPU per redemption in the vouchers process (not a test): a steady figure on a noisy machine.

Seeds a fresh PostgreSQL database as bench/vouchers_redemptions.py does, starts the vouchers
service (one uvicorn process, deploy/Procfile's flags), sends N redemptions one at a time from
this process (keep-alive, each by a provider in rotation, on a random voucher, with its own
`Idempotency-Key` and contract), and prints the CPU the service process spent per redemption
(user + system, from /proc) — wall-clock throughput on a shared machine varies, this does not
much. With `--py-spy DIR/py-spy` it also samples the service while it works and prints where
its time goes (the functions with the most samples, own and cumulative).

    .venv/bin/python bench/vouchers_redemption_cpu.py [--requests 2000] [--py-spy PATH]
"""

import argparse
import http.client
import json
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.gateway.run import cpu_seconds  # noqa: E402
from bench.servers import PYTHON, free_port, stop, uvicorn, wait_until_up  # noqa: E402
from bench.vouchers_redemptions import (  # noqa: E402
    AMOUNT_FEN,
    CATEGORY,
    CONTRACT_FEN,
    PROCFILE_FLAGS,
    create_database,
    drop_database,
    internal_tokens,
    seed,
    verify,
)


def redeem(connection: http.client.HTTPConnection, token: str, code: str, key: str) -> int:
    """One redemption; returns the status."""
    body = json.dumps(
        {
            "voucher_code": code,
            "contract": {"reference": key, "amount_fen": CONTRACT_FEN, "category": CATEGORY},
            "amount_fen": AMOUNT_FEN,
        }
    )
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Idempotency-Key": key,
    }
    try:
        connection.request("POST", "/v1/redemptions", body=body, headers=headers)
        response = connection.getresponse()
    except (ConnectionError, http.client.RemoteDisconnected):  # idle past keep-alive: again
        connection.close()
        connection.request("POST", "/v1/redemptions", body=body, headers=headers)
        response = connection.getresponse()
    response.read()
    return response.status


def top_functions(
    raw: Path, limit: int
) -> tuple[list[tuple[str, int]], list[tuple[str, int]], int]:
    """py-spy's raw (collapsed) stacks: the functions with the most own and cumulative samples."""
    own: Counter[str] = Counter()
    cumulative: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        n = int(count)
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            cumulative[frame] += n
    return own.most_common(limit), cumulative.most_common(limit * 4), total


def start_service(
    root: Path, workdir: Path, jwks_file: Path, database_url: str, port: int
) -> subprocess.Popen[bytes]:
    """The vouchers service of the tree at `root` on `port` (deploy/Procfile's flags)."""
    env = {
        "PYTHONPATH": str(root),
        "PATH": "/usr/bin:/bin",
        "VOUCHERS_ENVIRONMENT": "development",
        "VOUCHERS_DATABASE_URL": database_url,
        "VOUCHERS_INTERNAL_JWKS": str(jwks_file),
        "VOUCHERS_LOG_LEVEL": "WARNING",
        "VOUCHERS_JOBS": "false",
        "VOUCHERS_SERVICE_CLIENT_FILE": str(workdir / "no-service-client.json"),
    }
    command = [
        PYTHON, "-m", "uvicorn", "services.vouchers.app:create_app", "--factory", "--host",
        "127.0.0.1", "--port", str(port), "--no-access-log", "--no-proxy-headers",
        "--log-level", "warning", *PROCFILE_FLAGS,
    ]  # fmt: skip
    if root == ROOT:
        return uvicorn("services.vouchers.app:create_app", port, env, workdir / "vouchers.log",
                       extra=PROCFILE_FLAGS)  # fmt: skip
    with (workdir / f"vouchers-{port}.log").open("wb") as log:
        return subprocess.Popen(
            command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def main() -> int:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--providers", type=int, default=8)
    parser.add_argument("--enterprises", type=int, default=500)
    parser.add_argument("--py-spy", type=Path, help="path of a py-spy binary: also sample")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument(
        "--against",
        type=Path,
        help="a checkout of another commit: its service runs beside this one, on a database of "
        "its own, and the requests alternate between them (both see the same machine load)",
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-redemption-cpu-"))
    key_file, jwks_file = workdir / "signing.pem", workdir / "jwks.json"
    subprocess.run(
        [PYTHON, "-m", "gateway.auth.signing"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
             "GATEWAY_SIGNING_KEY_FILE": str(key_file),
             "GATEWAY_INTERNAL_JWKS": str(jwks_file), "GATEWAY_ENVIRONMENT": "development"},
    )  # fmt: skip
    kid = json.loads(jwks_file.read_text())["keys"][0]["kid"]
    roots = {"this tree": ROOT, **({str(args.against): args.against} if args.against else {})}
    databases: dict[str, str] = {}
    services: dict[str, subprocess.Popen[bytes]] = {}
    try:
        targets = {}
        for name, root in roots.items():
            databases[name] = create_database("bench_redemption_cpu")
            seeded = seed(databases[name], providers=args.providers, enterprises=args.enterprises)
            port = free_port()
            services[name] = start_service(root, workdir, jwks_file, databases[name], port)
            wait_until_up(f"http://127.0.0.1:{port}/healthz", services[name])
            targets[name] = (
                http.client.HTTPConnection("127.0.0.1", port),
                internal_tokens(key_file, kid, seeded["providers"]),
                seeded["codes"],
            )
        run = uuid.uuid4().hex[:12]
        for connection, tokens, codes in targets.values():
            for i in range(200):  # warm up: imports, caches, the pool's connections
                redeem(connection, tokens[i % len(tokens)], random.choice(codes), f"w-{run}-{i}")
        spy = None
        if args.py_spy:
            raw = workdir / "profile.txt"
            spy = subprocess.Popen(
                [str(args.py_spy), "record", "-p", str(services["this tree"].pid), "-f", "raw",
                 "-o", str(raw), "-r", "500", "--nonblocking", "--gil"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            time.sleep(1)
        statuses: dict[str, Counter[int]] = {name: Counter() for name in targets}
        spent = dict.fromkeys(targets, 0.0)
        walls = dict.fromkeys(targets, 0.0)
        for i in range(args.requests):
            key = f"cpu-{run}-{i}"
            for name, (connection, tokens, codes) in targets.items():
                pid = services[name].pid
                before, started = cpu_seconds(pid), time.monotonic()
                status = redeem(connection, tokens[i % len(tokens)], random.choice(codes), key)
                walls[name] += time.monotonic() - started
                spent[name] += cpu_seconds(pid) - before
                statuses[name][status] += 1
        if spy is not None:
            spy.send_signal(2)
            spy.wait(timeout=60)
        for name in targets:
            print(
                f"{name}: {args.requests} sequential redemptions: statuses "
                f"{dict(statuses[name])}; service CPU {spent[name] * 1e3 / args.requests:.2f} ms "
                f"per redemption; wall {walls[name] * 1e3 / args.requests:.2f} ms per redemption"
            )
        if spy is not None and raw.exists():
            own, cumulative, total = top_functions(raw, args.top)
            print(f"py-spy (this tree, samples holding the GIL): {total} samples")
            print("cumulative:")
            for frame, n in cumulative:
                print(f"  {100 * n / total:5.1f}%  {frame}")
            print("own:")
            for frame, n in own:
                print(f"  {100 * n / total:5.1f}%  {frame}")
        for name, service in services.items():
            stop(service)
            print(f"{name}: verified {verify(databases[name])['violations']}")
        services.clear()
    finally:
        for service in services.values():
            stop(service)
        for url in databases.values():
            drop_database(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
