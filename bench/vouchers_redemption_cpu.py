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
    connection.request("POST", "/v1/redemptions", body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    return response.status


def top_functions(raw: Path, limit: int) -> tuple[list[tuple[str, int]], list[tuple[str, int]], int]:
    """py-spy's raw (collapsed) stacks: the functions with the most own and cumulative samples."""
    own: Counter[str] = Counter()
    cumulative: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        n = int(count)
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            cumulative[frame] += n
    return own.most_common(limit), cumulative.most_common(limit), total


def main() -> int:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--providers", type=int, default=8)
    parser.add_argument("--enterprises", type=int, default=500)
    parser.add_argument("--py-spy", type=Path, help="path of a py-spy binary: also sample")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-redemption-cpu-"))
    key_file, jwks_file = workdir / "signing.pem", workdir / "jwks.json"
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    subprocess.run(
        [PYTHON, "-m", "gateway.auth.signing"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
        env={**env, "GATEWAY_SIGNING_KEY_FILE": str(key_file),
             "GATEWAY_INTERNAL_JWKS": str(jwks_file), "GATEWAY_ENVIRONMENT": "development"},
    )  # fmt: skip
    kid = json.loads(jwks_file.read_text())["keys"][0]["kid"]
    database_url = create_database("bench_redemption_cpu")
    port = free_port()
    service = None
    try:
        seeded = seed(database_url, providers=args.providers, enterprises=args.enterprises)
        service = uvicorn(
            "services.vouchers.app:create_app", port,
            {**env, "VOUCHERS_ENVIRONMENT": "development", "VOUCHERS_DATABASE_URL": database_url,
             "VOUCHERS_INTERNAL_JWKS": str(jwks_file), "VOUCHERS_LOG_LEVEL": "WARNING",
             "VOUCHERS_JOBS": "false",
             "VOUCHERS_SERVICE_CLIENT_FILE": str(workdir / "no-service-client.json")},
            workdir / "vouchers.log", extra=PROCFILE_FLAGS,
        )  # fmt: skip
        wait_until_up(f"http://127.0.0.1:{port}/healthz", service)
        tokens = internal_tokens(key_file, kid, seeded["providers"])
        codes = seeded["codes"]
        connection = http.client.HTTPConnection("127.0.0.1", port)
        run = uuid.uuid4().hex[:12]
        for i in range(200):  # warm up: imports, caches, the pool's connections
            redeem(connection, tokens[i % len(tokens)], random.choice(codes), f"warm-{run}-{i}")
        spy = None
        if args.py_spy:
            raw = workdir / "profile.txt"
            spy = subprocess.Popen(
                [str(args.py_spy), "record", "-p", str(service.pid), "-f", "raw", "-o", str(raw),
                 "-r", "500", "--nonblocking", "--gil"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            time.sleep(1)
        statuses: Counter[int] = Counter()
        before, started = cpu_seconds(service.pid), time.monotonic()
        for i in range(args.requests):
            key = f"cpu-{run}-{i}"
            statuses[redeem(connection, tokens[i % len(tokens)], random.choice(codes), key)] += 1
        wall, cpu = time.monotonic() - started, cpu_seconds(service.pid) - before
        connection.close()
        if spy is not None:
            spy.send_signal(2)
            spy.wait(timeout=60)
        print(
            f"{args.requests} sequential redemptions: statuses {dict(statuses)}; service CPU "
            f"{cpu * 1e3 / args.requests:.2f} ms per redemption; wall {wall * 1e3 / args.requests:.2f}"
            f" ms per redemption"
        )
        if spy is not None and raw.exists():
            own, cumulative, total = top_functions(raw, args.top)
            print(f"py-spy: {total} samples")
            print("cumulative:")
            for frame, n in cumulative:
                print(f"  {100 * n / total:5.1f}%  {frame}")
            print("own:")
            for frame, n in own:
                print(f"  {100 * n / total:5.1f}%  {frame}")
        stop(service)
        service = None
        proof = verify(database_url)
        print(f"verified: {proof['violations']}")
    finally:
        if service is not None:
            stop(service)
        drop_database(database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
