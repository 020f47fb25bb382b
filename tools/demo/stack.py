"""The stack `make run` starts: found where it answers, else started here and stopped after."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_URL = "http://127.0.0.1:8000"
# A path of each service: the merged document is complete once all four have joined it.
JOINED = (
    "/registry/v1/enterprises",
    "/credit/v1/records",
    "/vouchers/v1/redemptions",
    "/funding/v1/events",
)


class StackUnavailable(RuntimeError):
    """The stack did not come up (or its document never became complete) in time."""


def answers(url: str) -> bool:
    """Whether a gateway answers its health check at `url`."""
    try:
        return httpx.get(f"{url}/healthz", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def merged_document(url: str, *, timeout: float = 180.0) -> str:
    """The gateway's merged OpenAPI once every service's part is in it."""
    deadline = time.monotonic() + timeout
    missing: list[str] = list(JOINED)
    while time.monotonic() < deadline:
        try:
            response = httpx.get(f"{url}/openapi.json", timeout=10.0)
        except httpx.HTTPError:
            response = None
        if response is not None and response.status_code == 200:
            paths = response.json().get("paths", {})
            missing = [path for path in JOINED if path not in paths]
            if not missing:
                return response.text
        time.sleep(0.5)
    raise StackUnavailable(f"{url}/openapi.json never listed {missing}")


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not answers(url):
        if process.poll() is not None:
            raise StackUnavailable(f"the stack exited ({process.returncode}); see {log}")
        if time.monotonic() > deadline:
            raise StackUnavailable(f"no gateway at {url} after {timeout:.0f} s; see {log}")
        time.sleep(0.3)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@contextmanager
def started_stack(url: str, *, log: Path, timeout: float = 120.0) -> Iterator[str]:
    """`make run`'s steps (prepare, then deploy/Procfile under honcho); stopped on exit."""
    prepared = subprocess.run(
        [sys.executable, "-m", "services.manage", "prepare"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if prepared.returncode != 0:
        raise StackUnavailable(f"services.manage prepare failed:\n{prepared.stderr}")
    log.parent.mkdir(parents=True, exist_ok=True)
    honcho = Path(sys.executable).parent / "honcho"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(honcho), "-f", "deploy/Procfile", "-d", ".", "start"],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_up(url, process, log, timeout)
        yield url
    finally:
        _stop(process)


@contextmanager
def stack(url: str, *, log: Path) -> Iterator[tuple[str, bool]]:
    """The gateway's URL and whether this process started the stack."""
    if answers(url):
        yield url, False
        return
    with started_stack(url, log=log) as started:
        yield started, True
