"""Limits of the server in front of the apps: uvicorn's own, the apps' 431, and nginx's."""

import contextlib
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn

from services.registry import app as registry_app
from services.registry.settings import RegistrySettings
from tests.conftest import DatabaseTarget
from tests.gateway.conftest import RunningGateway
from tests.servers import free_port
from tests.support import migrated_settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    return socket.create_connection((parts.hostname, parts.port), timeout=10)


def test_too_many_or_too_large_headers_are_431(gw: RunningGateway) -> None:
    key = {"X-API-Key": gw.key_for("bank")}
    many = {f"X-Extra-{n}": "1" for n in range(150)}
    for path in ("/registry/v1/echo", "/admin/v1/clients"):
        answer = gw.http.get(path, headers={**key, **many})
        assert answer.status_code == 431, (path, answer.text)
        assert answer.json()["code"] == "headers_too_large"
        big = gw.http.get(path, headers={**key, "X-Big": "a" * 20_000})
        assert big.status_code == 431 and big.json()["code"] == "headers_too_large"
    assert gw.http.get("/registry/v1/echo", headers=key).status_code == 200


def _procfile_flags() -> dict[str, dict[str, str]]:
    found = {}
    for line in (DEPLOY / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        found[name] = dict(re.findall(r"--([a-z-]+) (\d+)", command))
    return found


@pytest.fixture
def registry_server(
    database_target: DatabaseTarget, jwks_json: str
) -> Iterator[tuple[str, uvicorn.Config]]:
    """The registry under uvicorn with the deployment's kind of limits, made small to show them."""
    settings = migrated_settings(
        RegistrySettings,
        target=database_target,
        jwks_json=jwks_json,
        migrations=registry_app.MIGRATIONS,
    )
    config = uvicorn.Config(
        registry_app.create_app(settings),
        host="127.0.0.1",
        port=free_port(),
        log_level="warning",
        limit_concurrency=3,
        timeout_keep_alive=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive()
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{config.port}", config
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_uvicorn_caps_connections_and_idle_keep_alive(
    registry_server: tuple[str, uvicorn.Config],
) -> None:
    # Every process is started with both limits.
    for name, flags in _procfile_flags().items():
        assert int(flags["limit-concurrency"]) <= 1024, name
        assert int(flags["timeout-keep-alive"]) <= 5, name
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "UVICORN_LIMIT_CONCURRENCY=1024" in dockerfile
    assert "UVICORN_TIMEOUT_KEEP_ALIVE=5" in dockerfile

    url, _config = registry_server
    held = [_connect(url) for _ in range(3)]  # open connections count against the limit
    try:
        time.sleep(0.2)
        answer = httpx.get(f"{url}/healthz", timeout=5)
        assert answer.status_code == 503
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.3)
    assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200
    # An idle keep-alive connection is closed by the server after its timeout.
    sock = _connect(url)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert sock.recv(65536).startswith(b"HTTP/1.1 200")
    started = time.monotonic()
    sock.settimeout(5)
    assert sock.recv(100) == b""  # closed by the server
    assert time.monotonic() - started < 3
    sock.close()


@pytest.fixture
def nginx_in_front(gw: RunningGateway, tmp_path: Path) -> Iterator[str]:
    """deploy/nginx.conf in front of a gateway; its timeouts shortened to 1 s to show them."""
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        pytest.skip("nginx is not installed (make test-deps installs it)")
    port = free_port()
    gateway_port = urlsplit(gw.url).port
    config = (DEPLOY / "nginx.conf").read_text()
    config = config.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    config = config.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{gateway_port};")
    config = config.replace("client_header_timeout 10s;", "client_header_timeout 1s;")
    config = config.replace("client_body_timeout 10s;", "client_body_timeout 1s;")
    config = config.replace("pid /tmp/taiyuan-nginx.pid;", f"pid {tmp_path}/nginx.pid;")
    config = config.replace("worker_processes auto;", "worker_processes 1;")
    temp = ""
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / name).mkdir()
        temp += f"\n    {name}_temp_path {tmp_path}/{name};"
    config = config.replace("http {", "http {" + temp, 1)
    path = tmp_path / "nginx.conf"
    path.write_text(config)
    process = subprocess.Popen(
        [nginx, "-c", str(path), "-p", str(tmp_path), "-e", "stderr", "-g", "daemon off;"]
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_nginx_in_front_times_out_slow_senders_and_bounds_headers(nginx_in_front: str) -> None:
    url = nginx_in_front
    assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200
    # Headers sent slowly: the connection is closed once client_header_timeout passes.
    slow = _connect(url)
    slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    started = time.monotonic()
    slow.settimeout(10)
    try:
        data = slow.recv(1000)
    except ConnectionResetError:
        data = b""
    assert data in (b"",) or data.startswith(b"HTTP/1.1 408"), data
    assert time.monotonic() - started < 5
    slow.close()
    # A body that stops arriving: cut off after client_body_timeout.
    body = _connect(url)
    body.sendall(
        b"POST /registry/v1/public/ping HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc"
    )
    started = time.monotonic()
    with contextlib.suppress(ConnectionResetError):
        body.recv(1000)
    assert time.monotonic() - started < 5
    body.close()
    # A header line beyond large_client_header_buffers is refused while parsed.
    answer = httpx.get(f"{url}/healthz", headers={"X-Big": "a" * 9000}, timeout=5)
    assert answer.status_code == 400
