"""The whole platform as real processes: the gateway and the four services under uvicorn.

`running_stack` prepares a stack the way `make run` does (`python -m services.manage prepare`:
keys, migrations, service clients, demo data; environment development) in its own var
directory (`TSME_VAR_DIR`) on free ports, starts the `deploy/Procfile` command lines with
`--port` changed, waits for every `/readyz`, and kills every process at exit.
"""

import ctypes
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy as sa

from gateway.demo import DEMO_CLIENTS, demo_key
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
PROCFILE = ROOT / "deploy" / "Procfile"
SERVICES = ("registry", "funding", "credit", "vouchers")
NAMES = ("gateway", *SERVICES)
# A cold start imports the whole app (about 4 s of CPU per process); on a loaded 2-core machine
# five of them took 90 s, so the deadline is generous (readiness is polled, not waited for).
READY_SECONDS = 180.0
STOP_SECONDS = 10.0
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL it when the test process dies, even by SIGKILL (an
    xdist worker crashing), so no server outlives its test run."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def procfile_commands(path: Path = PROCFILE) -> dict[str, str]:
    """Process name → its shell command line, as honcho reads `deploy/Procfile`."""
    commands: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, command = line.split(":", 1)
            commands[name.strip()] = command.strip()
    return commands


def shell_command(command: str, port: int) -> str:
    """The Procfile line on `port`, `exec`ed so the shell (which expands its `${…:-…}`) becomes
    the server, whose pid is then the one to kill."""
    changed, count = re.subn(r"--port \d+", f"--port {port}", command)
    if count != 1:
        raise ValueError(f"no single --port in {command!r}")
    parts = re.fullmatch(r"((?:\w+=\S*\s+)*)(.*)", changed, re.DOTALL)
    assert parts is not None
    assignments, program = parts.groups()
    return f"{assignments}exec {program}"


@dataclass
class Stack:
    """A running stack: the gateway's URL, the demo keys, and control of each process."""

    url: str
    keys: dict[str, str]
    directory: Path
    ports: dict[str, int]
    env: dict[str, str]
    commands: dict[str, str]
    databases: dict[str, tuple[str, str | None]]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def service_url(self, name: str) -> str:
        """The process's own base URL (services accept only the gateway's internal tokens)."""
        return f"http://127.0.0.1:{self.ports[name]}"

    def database(self, name: str) -> tuple[str, str | None]:
        """The process's database URL and PostgreSQL schema (None on SQLite)."""
        return self.databases[name]

    def log_path(self, name: str) -> Path:
        """Where the process's stdout and stderr go (appended across restarts)."""
        return self.directory / "logs" / f"{name}.log"

    def log(self, name: str) -> str:
        """What the process wrote (stderr and stdout), for failure messages."""
        path = self.log_path(name)
        return path.read_text(errors="replace") if path.exists() else ""

    def _spawn(self, name: str, env: dict[str, str] | None = None) -> None:
        self.log_path(name).parent.mkdir(parents=True, exist_ok=True)
        with self.log_path(name).open("ab") as log:
            # Its own session keeps it out of the terminal's signals (Ctrl-C of pytest).
            self.processes[name] = subprocess.Popen(
                ["/bin/sh", "-c", shell_command(self.commands[name], self.ports[name])],
                cwd=ROOT,
                env=self.env | (env or {}),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )

    def _wait_ready(self, names: tuple[str, ...]) -> None:
        deadline = time.monotonic() + READY_SECONDS
        waiting = list(names)
        with httpx.Client(timeout=5) as http:
            while waiting:
                name = waiting[0]
                process = self.processes[name]
                if process.poll() is not None:
                    raise RuntimeError(
                        f"{name} exited with {process.returncode}:\n{self.log(name)}"
                    )
                try:
                    ready = http.get(f"{self.service_url(name)}/readyz").status_code == 200
                except httpx.TransportError:
                    ready = False
                if ready:
                    waiting.pop(0)
                elif time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{name} not ready after {READY_SECONDS:.0f}s:\n{self.log(name)}"
                    )
                else:
                    time.sleep(0.05)

    def start(self, name: str, env: dict[str, str] | None = None) -> None:
        """Start the process (again): same port, same database, `env` over the stack's own;
        returns once /readyz is 200."""
        self.spawn(name, env)
        self._wait_ready((name,))

    def spawn(self, name: str, env: dict[str, str] | None = None) -> None:
        """Start the process (again) and return at once, for a test that watches what it does
        before it answers /readyz (its consumers start with the app)."""
        if name in self.processes and self.processes[name].poll() is None:
            raise RuntimeError(f"{name} is running")
        self._spawn(name, env)

    def pause(self, name: str) -> None:
        """SIGSTOP the process: it stays where it is, an open transaction open, until killed."""
        os.killpg(self.processes[name].pid, signal.SIGSTOP)

    def kill(self, name: str) -> None:
        """SIGKILL the process and wait until it is gone."""
        process = self.processes[name]
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_SECONDS)

    def stop_all(self) -> None:
        """Kill every process still running (SIGKILL: nothing a test relies on survives it)."""
        for name in list(self.processes):
            try:
                self.kill(name)
            except ProcessLookupError:
                self.processes[name].wait(timeout=STOP_SECONDS)


class _Schemas:
    """This stack's PostgreSQL schemas (one per process) in `url`'s database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.names = {name: f"e2e_{uuid.uuid4().hex[:10]}_{name}" for name in NAMES}
        self.engine = sa.create_engine(
            url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=sa.pool.NullPool
        )

    def drop(self) -> None:
        with self.engine.begin() as connection:
            for schema in self.names.values():
                connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        self.engine.dispose()


def _environment(
    directory: Path, ports: dict[str, int], schemas: _Schemas | None, extra: dict[str, str]
) -> dict[str, str]:
    gateway = f"http://127.0.0.1:{ports['gateway']}"
    # Nothing of the caller's platform settings; no coverage tracing of the servers either (it
    # would slow them down, and SIGKILL at the end keeps them from saving any data).
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("GATEWAY_", "REGISTRY_", "FUNDING_", "CREDIT_", "VOUCHERS_", "COVERAGE_PROCESS_")
        )
    }
    env.update(
        {"TSME_VAR_DIR": str(directory), "PYTHONUNBUFFERED": "1", "GATEWAY_PUBLIC_URL": gateway}
    )
    for name in SERVICES:
        env[f"GATEWAY_{name.upper()}_URL"] = f"http://127.0.0.1:{ports[name]}"
    for name in NAMES:
        prefix = name.upper()
        env[f"{prefix}_ENVIRONMENT"] = "development"
        env[f"{prefix}_GATEWAY_URL"] = gateway
        env[f"{prefix}_LOG_JSON"] = "false"
        if schemas is not None:
            env[f"{prefix}_DATABASE_URL"] = schemas.url
            env[f"{prefix}_DATABASE_SCHEMA"] = schemas.names[name]
    env.update(extra)
    return env


def _databases(
    directory: Path, env: dict[str, str], schemas: _Schemas | None
) -> dict[str, tuple[str, str | None]]:
    if schemas is not None:
        return {name: (schemas.url, schemas.names[name]) for name in NAMES}
    return {
        name: (env.get(f"{name.upper()}_DATABASE_URL") or f"sqlite:///{directory / name}.db", None)
        for name in NAMES
    }


def prepare(env: dict[str, str]) -> None:
    """`python -m services.manage prepare`, as `make run` calls it, in the stack's environment."""
    done = subprocess.run(
        [sys.executable, "-m", "services.manage", "prepare"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"prepare failed:\n{done.stdout}\n{done.stderr}")


@contextmanager
def running_stack(
    directory: Path, *, postgres_url: str | None, env: dict[str, str] | None = None
) -> Iterator[Stack]:
    """A fresh stack: SQLite files under `directory`, or new schemas in `postgres_url`'s
    database (dropped at exit); `env` adds or overrides environment variables."""
    directory.mkdir(parents=True, exist_ok=True)
    ports = {name: free_port() for name in NAMES}
    schemas = _Schemas(postgres_url) if postgres_url else None
    environment = _environment(directory, ports, schemas, env or {})
    stack = Stack(
        url=f"http://127.0.0.1:{ports['gateway']}",
        keys={
            str(kind): demo_key(str(kind), environment.get("GATEWAY_API_KEY_PREFIX", "tsk"))
            for kind in DEMO_CLIENTS
        },
        directory=directory,
        ports=ports,
        env=environment,
        commands=procfile_commands(),
        databases=_databases(directory, environment, schemas),
    )
    try:
        prepare(environment)
        # The gateway first: the services' feed consumers read through it from their start,
        # and each failed read backs them off further (up to 30 s).
        stack.start("gateway")
        for name in SERVICES:
            stack._spawn(name)
        stack._wait_ready(SERVICES)
        yield stack
    finally:
        try:
            stack.stop_all()
        finally:
            if schemas is not None:
                schemas.drop()
