"""Memory under attack (not a test): peak RSS of the gateway and the registry per attack.

Starts the gateway and the registry as real uvicorn processes (SQLite in a temporary folder,
the registry behind the gateway), lets them settle, then runs three attacks one after the
other, resetting the peak (VmHWM) of both processes before each:

1. one anonymous 200 MiB chunked POST to the public complaint lookup, through the gateway and
   straight at the registry;
2. 10,000 anonymous requests with 60 kB paths at the gateway (20 connections);
3. 40 concurrent anonymous token requests with unknown clients and wrong secrets, and 40 valid.

Prints each process's resting RSS, peak and growth per attack, and the access log's size after
the long paths; every growth must stay under 50 MiB (exit 1 otherwise).

    .venv/bin/python bench/memory_attack.py [--json out.json]
"""

import argparse
import asyncio
import json
import os
import secrets
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.servers import free_port, reset_peak, status_kib, stop, uvicorn, wait_until_up
from services.common.db import Database
from services.common.migrations import upgrade_to_head
from services.registry.app import MIGRATIONS

ADMIN_KEY = "bench-bootstrap-admin-" + "0123456789abcdef" * 2
MIB = 1 << 20
TARGET_MIB = 50


def chunked_post(host: str, port: int, path: str, total: int) -> tuple[int | None, int]:
    """POST `total` bytes chunked (64 KiB chunks) until the server answers or hangs up."""
    chunk = b"x" * 65536
    frame = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
    sent = 0
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )
        sock.setblocking(False)
        answer = b""
        try:
            while sent < total:
                try:
                    answer += sock.recv(4096)
                    if answer:
                        break  # answered before the body ended: it stopped reading
                except BlockingIOError:
                    pass
                try:
                    sock.send(frame)
                    sent += len(chunk)
                except BlockingIOError:
                    time.sleep(0.001)
            if not answer:
                sock.setblocking(True)
                sock.sendall(b"0\r\n\r\n")
                answer = sock.recv(4096)
        except (BrokenPipeError, ConnectionResetError):
            pass
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else None
    return status, sent


async def long_paths(port: int, count: int, length: int) -> dict[int, int]:
    """`count` GETs of `length`-byte paths over 20 keep-alive connections (raw HTTP/1.1)."""
    counts: dict[int, int] = {}
    queue = iter(range(count))
    filler = b"a" * length

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for n in queue:
                writer.write(
                    b"GET /registry/v1/enterprises/%s%d HTTP/1.1\r\nHost: x\r\n\r\n" % (filler, n)
                )
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                length_at = head.lower().find(b"content-length: ")
                size = int(head[length_at + 16 :].split(b"\r\n", 1)[0])
                await reader.readexactly(size)
                counts[status] = counts.get(status, 0) + 1
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(20)))
    return counts


async def token_flood(base: str, client_id: str, secret: str, concurrency: int) -> dict[int, int]:
    """`concurrency` bad token requests (unknown clients, wrong secrets) and as many valid."""
    grant = {"grant_type": "client_credentials"}
    limits = httpx.Limits(max_connections=concurrency * 2)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        bad = [
            http.post(
                "/oauth/token",
                data=grant,
                auth=(
                    f"cli_{secrets.token_hex(8)}" if n % 2 else client_id,
                    secrets.token_urlsafe(32),
                ),
            )
            for n in range(concurrency)
        ]
        good = [
            http.post("/oauth/token", data=grant, auth=(client_id, secret))
            for _ in range(concurrency)
        ]
        answers = await asyncio.gather(*bad, *good)
    counts: dict[int, int] = {}
    for answer in answers:
        counts[answer.status_code] = counts.get(answer.status_code, 0) + 1
    return counts


def measure(pids: dict[str, int], attack: Callable[[], Any]) -> tuple[Any, dict[str, Any]]:
    """Run `attack`; each process's resting RSS, peak RSS and growth in MiB."""
    time.sleep(1)
    resting = {name: status_kib(pid, "VmRSS") for name, pid in pids.items()}
    reset = all(reset_peak(pid) for pid in pids.values())
    started = time.perf_counter()
    outcome = attack()
    seconds = time.perf_counter() - started
    figures: dict[str, Any] = {"seconds": round(seconds, 2), "peak_reset": reset}
    for name, pid in pids.items():
        peak = status_kib(pid, "VmHWM")
        figures[name] = {
            "resting_mib": round(resting[name] / 1024, 1),
            "peak_mib": round(peak / 1024, 1),
            "growth_mib": round((peak - resting[name]) / 1024, 1),
        }
    return outcome, figures


def main() -> int:
    """Run the attacks and print the figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--body-mib", type=int, default=200)
    parser.add_argument("--paths", type=int, default=10_000)
    parser.add_argument("--path-bytes", type=int, default=60_000)
    parser.add_argument("--concurrency", type=int, default=40)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-memory-attack-"))
    gateway_port, registry_port = free_port(), free_port()
    jwks = workdir / "jwks.json"
    root = str(Path(__file__).resolve().parents[1])
    registry_db = f"sqlite:///{workdir / 'registry.db'}"
    upgrade_to_head("registry", MIGRATIONS, Database(registry_db))
    gateway_env = {
        **os.environ,
        "PYTHONPATH": root,
        "GATEWAY_ENVIRONMENT": "development",
        "GATEWAY_DATABASE_URL": f"sqlite:///{workdir / 'gateway.db'}",
        "GATEWAY_SIGNING_KEY_FILE": str(workdir / "signing.pem"),
        "GATEWAY_INTERNAL_JWKS": str(jwks),
        "GATEWAY_OPENAPI_CACHE_DIR": str(workdir / "openapi"),
        "GATEWAY_OPENAPI_REFRESH_SECONDS": "3600",
        "GATEWAY_BOOTSTRAP_ADMIN_KEY": ADMIN_KEY,
        "GATEWAY_REGISTRY_URL": f"http://127.0.0.1:{registry_port}",
        "GATEWAY_LOG_LEVEL": "WARNING",
        # The attacks are the point: per-address limits must not cut them short.
        "GATEWAY_RATE_LIMIT_PUBLIC": "1000000/minute",
        "GATEWAY_RATE_LIMIT_TOKEN": "100000/minute",
        "GATEWAY_RATE_LIMIT_AUTH_FAILURES": "100000/minute",
    }
    registry_env = {
        **os.environ,
        "PYTHONPATH": root,
        "REGISTRY_ENVIRONMENT": "development",
        "REGISTRY_DATABASE_URL": registry_db,
        "REGISTRY_INTERNAL_JWKS": str(jwks),
        "REGISTRY_ID_NUMBER_KEY": "bench-id-number-key",
        "REGISTRY_LOG_LEVEL": "WARNING",
    }
    gateway_base = f"http://127.0.0.1:{gateway_port}"
    access_log = workdir / "gateway.log"
    gateway = uvicorn("gateway.app:create_app", gateway_port, gateway_env, access_log)
    registry = None
    results: dict[str, Any] = {}
    try:
        wait_until_up(f"{gateway_base}/healthz", gateway)  # writes the JWKS the registry reads
        registry = uvicorn(
            "services.registry.app:create_app", registry_port, registry_env, workdir / "reg.log"
        )
        wait_until_up(f"http://127.0.0.1:{registry_port}/healthz", registry)
        pids = {"gateway": gateway.pid, "registry": registry.pid}
        created = httpx.post(
            f"{gateway_base}/admin/v1/clients",
            json={"name": "bench bank", "kind": "bank", "org": "JSB", "issue_client_secret": True},
            headers={"X-API-Key": ADMIN_KEY},
            timeout=30,
        ).json()
        client_id, secret = created["client"]["id"], created["client_secret"]
        # Warm up every path once.
        chunked_post("127.0.0.1", gateway_port, "/registry/v1/public/complaints/lookup", MIB)
        asyncio.run(long_paths(gateway_port, 20, 100))
        asyncio.run(token_flood(gateway_base, client_id, secret, 2))
        total = args.body_mib * MIB

        lookup = "/registry/v1/public/complaints/lookup"
        (status, sent), figures = measure(
            pids, lambda: chunked_post("127.0.0.1", gateway_port, lookup, total)
        )
        results["body_through_gateway"] = {"status": status, "sent_mib": sent // MIB, **figures}
        (status, sent), figures = measure(
            pids,
            lambda: chunked_post("127.0.0.1", registry_port, "/v1/public/complaints/lookup", total),
        )
        results["body_at_registry"] = {"status": status, "sent_mib": sent // MIB, **figures}
        log_before = access_log.stat().st_size
        counts, figures = measure(
            pids, lambda: asyncio.run(long_paths(gateway_port, args.paths, args.path_bytes))
        )
        results["long_paths"] = {
            "statuses": counts,
            "access_log_growth_kib": round((access_log.stat().st_size - log_before) / 1024, 1),
            **figures,
        }
        counts, figures = measure(
            pids,
            lambda: asyncio.run(token_flood(gateway_base, client_id, secret, args.concurrency)),
        )
        results["token_requests"] = {"statuses": counts, **figures}
    finally:
        stop(gateway)
        if registry is not None:
            stop(registry)
    worst = 0.0
    for attack, figures in results.items():
        extra = {k: v for k, v in figures.items() if k not in ("gateway", "registry")}
        print(f"{attack}: {extra}")
        for name in ("gateway", "registry"):
            row = figures[name]
            worst = max(worst, row["growth_mib"])
            print(
                f"  {name:8} resting {row['resting_mib']:7.1f} MiB  peak {row['peak_mib']:7.1f} "
                f"MiB  growth {row['growth_mib']:6.1f} MiB"
            )
    print(f"largest growth {worst} MiB (target < {TARGET_MIB})")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0 if worst < TARGET_MIB else 1


if __name__ == "__main__":
    raise SystemExit(main())
