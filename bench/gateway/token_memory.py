"""Gateway memory under a token-endpoint flood (not a test): peak RSS during concurrent requests.

Starts the gateway as a real uvicorn process (SQLite in a temporary folder), creates one OAuth
client, waits for the process to settle, then sends `--concurrency` simultaneous anonymous
`POST /oauth/token` requests (unknown client ids, wrong secrets) and as many valid ones. Prints
the resting RSS, the peak RSS (VmHWM) and the growth; the target is < 50 MiB.

    .venv/bin/python -m bench.gateway.token_memory [--concurrency 40] [--json out.json]
"""

import argparse
import asyncio
import json
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.servers import PYTHON, free_port, reset_peak, status_kib, stop, uvicorn, wait_until_up

ADMIN_KEY = "bench-bootstrap-admin-" + "0123456789abcdef" * 2


async def _flood(base: str, client_id: str, secret: str, concurrency: int) -> dict[int, int]:
    grant = {"grant_type": "client_credentials"}
    limits = httpx.Limits(max_connections=concurrency * 2)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        anonymous = [
            http.post(
                "/oauth/token",
                data=grant,
                auth=(f"cli_{secrets.token_hex(8)}", secrets.token_urlsafe(32)),
            )
            for _ in range(concurrency // 2)
        ]
        wrong = [
            http.post("/oauth/token", data=grant, auth=(client_id, secrets.token_urlsafe(32)))
            for _ in range(concurrency - concurrency // 2)
        ]
        valid = [
            http.post("/oauth/token", data=grant, auth=(client_id, secret))
            for _ in range(concurrency)
        ]
        answers = await asyncio.gather(*anonymous, *wrong, *valid)
    counts: dict[int, int] = {}
    for answer in answers:
        counts[answer.status_code] = counts.get(answer.status_code, 0) + 1
    return counts


def main() -> int:
    """Run the flood and print the figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--concurrency", type=int, default=40)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-token-memory-"))
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "GATEWAY_ENVIRONMENT": "development",
        "GATEWAY_DATABASE_URL": f"sqlite:///{workdir / 'gateway.db'}",
        "GATEWAY_SIGNING_KEY_FILE": str(workdir / "signing.pem"),
        "GATEWAY_INTERNAL_JWKS": str(workdir / "jwks.json"),
        "GATEWAY_OPENAPI_CACHE_DIR": str(workdir / "openapi"),
        "GATEWAY_OPENAPI_REFRESH_SECONDS": "3600",
        "GATEWAY_ACCESS_LOG": "false",
        "GATEWAY_BOOTSTRAP_ADMIN_KEY": ADMIN_KEY,
        # The flood is the point: the per-address limits must not cut it short.
        "GATEWAY_RATE_LIMIT_TOKEN": "100000/minute",
        "GATEWAY_RATE_LIMIT_AUTH_FAILURES": "100000/minute",
    }
    base = f"http://127.0.0.1:{port}"
    gateway = uvicorn("gateway.app:create_app", port, env, workdir / "gateway.log")
    try:
        wait_until_up(f"{base}/healthz", gateway)
        created = httpx.post(
            f"{base}/admin/v1/clients",
            json={"name": "bench bank", "kind": "bank", "org": "JSB", "issue_client_secret": True},
            headers={"X-API-Key": ADMIN_KEY},
            timeout=30,
        ).json()
        client_id, secret = created["client"]["id"], created["client_secret"]
        # One warm-up request each way, then let the process settle.
        asyncio.run(_flood(base, client_id, secret, 2))
        time.sleep(1)
        resting = status_kib(gateway.pid, "VmRSS")
        reset = reset_peak(gateway.pid)
        started = time.perf_counter()
        counts = asyncio.run(_flood(base, client_id, secret, args.concurrency))
        seconds = time.perf_counter() - started
        peak = status_kib(gateway.pid, "VmHWM")
    finally:
        stop(gateway)
    results = {
        "python": PYTHON,
        "concurrency": args.concurrency,
        "statuses": counts,
        "seconds": round(seconds, 2),
        "resting_rss_mib": round(resting / 1024, 1),
        "peak_rss_mib": round(peak / 1024, 1),
        "growth_mib": round((peak - resting) / 1024, 1),
        "peak_reset": reset,
    }
    print(
        f"{args.concurrency} anonymous + {args.concurrency} valid concurrent token requests "
        f"in {seconds:.2f} s, answers {counts}"
    )
    print(
        f"gateway RSS resting {results['resting_rss_mib']} MiB, peak {results['peak_rss_mib']} "
        f"MiB, growth {results['growth_mib']} MiB (target < 50)"
        + ("" if reset else " [peak since start: clear_refs not writable]")
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0 if results["growth_mib"] < 50 else 1


if __name__ == "__main__":
    raise SystemExit(main())
