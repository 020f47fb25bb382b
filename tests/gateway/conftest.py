"""Gateway fixtures: echo upstreams and running gateways (uvicorn in a thread, real sockets)."""

import asyncio
import json
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import uvloop
from fastapi import FastAPI

from gateway.app import GatewayApp, create_app
from gateway.operations import MIGRATIONS as GATEWAY_MIGRATIONS
from gateway.settings import GatewaySettings
from tests.conftest import DatabaseTarget
from tests.gateway.upstream import echo_app
from tests.servers import free_port, serve


@contextmanager
def serve_gateway(app: GatewayApp, loops: list[asyncio.AbstractEventLoop]) -> Iterator[str]:
    """Serve like production: uvicorn must not trust X-Forwarded-For (`--no-proxy-headers`).

    The server's event loop is appended to `loops`, for tests that call the app in it.
    """
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
            proxy_headers=False,
        )
    )

    async def serve() -> None:
        loops.append(asyncio.get_running_loop())
        await server.serve()

    def run() -> None:
        with asyncio.Runner(loop_factory=server.config.get_loop_factory()) as runner:
            runner.run(serve())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("gateway did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class Links:
    """Every `Location` and problem `instance` a test's caller received through the gateway."""

    FOLLOWED_HEADERS = ("authorization", "x-api-key", "x-on-behalf-of")

    def __init__(self) -> None:
        self.locations: list[tuple[str, dict[str, str]]] = []
        self.instances: list[tuple[str, str]] = []

    def record(self, response: httpx.Response) -> None:
        """An httpx response hook."""
        location = response.headers.get("location")
        if location is not None:
            headers = {
                k: v for k, v in response.request.headers.items() if k in self.FOLLOWED_HEADERS
            }
            self.locations.append((location, headers))
        problem = response.headers.get("content-type", "").startswith("application/problem+json")
        if problem and response.request.method != "HEAD":
            response.read()
            instance = response.json().get("instance")
            if instance is not None:
                self.instances.append((instance, response.request.url.path))

    def follow(self, http: httpx.Client) -> None:
        """Each Location answers 200 to the caller that received it; each instance is the
        path the caller asked for, so it names a resource at the gateway."""
        for location, headers in self.locations:
            assert location.startswith("/"), location
            followed = http.get(location, headers=headers)
            assert followed.status_code == 200, (location, followed.status_code, followed.text)
        for instance, asked in self.instances:
            assert instance == asked, (instance, asked)
        self.locations.clear()
        self.instances.clear()


ADMIN_KEY = "test-bootstrap-admin-key-0123456789abcdef"
KID = "test-key-1"


@dataclass
class Upstream:
    """A running echo service."""

    url: str
    app: FastAPI

    @property
    def hits(self) -> int:
        return int(self.app.state.hits)

    def arrived(self, query: str) -> int:
        """How many requests with this query string reached the service."""
        return list(self.app.state.queries).count(query)


@dataclass
class RunningGateway:
    """A gateway served on a loopback port, with an HTTP client and admin helpers."""

    url: str
    app: GatewayApp
    settings: GatewaySettings
    http: httpx.Client
    loop: asyncio.AbstractEventLoop
    links: Links = field(default_factory=Links)
    admin_headers: dict[str, str] = field(default_factory=lambda: {"X-API-Key": ADMIN_KEY})

    def create_client(self, kind: str = "bank", **body: Any) -> dict[str, Any]:
        """Create a client through the admin API; returns the answer (with its key)."""
        payload = {"name": f"test {kind}", "kind": kind, **body}
        if kind in ("bank", "provider", "enterprise"):
            payload.setdefault("org", "91140105MA0KDE119Q" if kind == "enterprise" else "ORG1")
        response = self.http.post("/admin/v1/clients", json=payload, headers=self.admin_headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def key_for(self, kind: str = "bank", **body: Any) -> str:
        """A fresh API key of a new client of `kind`."""
        return str(self.create_client(kind, **body)["api_key"]["key"])

    def delegate(
        self,
        portal_id: str,
        uscc: str,
        scopes: tuple[str, ...] = ("registry:read", "registry:write"),
        *,
        seconds: float = 3600,
        enterprise_key: str | None = None,
    ) -> dict[str, Any]:
        """The enterprise `uscc` (a new client of it, unless its key is given) delegates
        `scopes` to the portal for `seconds`; returns the delegation."""
        key = enterprise_key or self.key_for("enterprise", org=uscc)
        expires = datetime.now(UTC) + timedelta(seconds=seconds)
        response = self.http.post(
            "/v1/delegations",
            json={
                "portal_id": portal_id,
                "scopes": list(scopes),
                "expires_at": expires.isoformat(),
            },
            headers={"X-API-Key": key},
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def portal(
        self, uscc: str, scopes: tuple[str, ...] = ("registry:read", "registry:write")
    ) -> dict[str, str]:
        """Headers of a new portal acting for `uscc` under a live delegation."""
        created = self.create_client("portal")
        self.delegate(created["client"]["id"], uscc, scopes)
        return {"X-API-Key": created["api_key"]["key"], "X-On-Behalf-Of": uscc}

    @property
    def gateway(self) -> Any:
        return self.app.state.gateway


@pytest.fixture(scope="session")
def jwks(jwks_json: str) -> dict[str, Any]:
    """The JWKS of the session's gateway key, as a dict."""
    return dict(json.loads(jwks_json))


@pytest.fixture(scope="session")
def registry_upstream(jwks: dict[str, Any]) -> Iterator[Upstream]:
    """An echo service standing in for the registry."""
    app = echo_app("registry", jwks)
    with serve(app) as url:
        yield Upstream(url, app)


@pytest.fixture(scope="session")
def credit_upstream(jwks: dict[str, Any]) -> Iterator[Upstream]:
    """An echo service standing in for the credit service."""
    app = echo_app("credit", jwks)
    with serve(app) as url:
        yield Upstream(url, app)


@pytest.fixture
def gateway_database(
    new_database_target: Callable[[], DatabaseTarget],
) -> Callable[[], DatabaseTarget]:
    """Where a gateway under test keeps its tables (the one place to repoint the gateway's DB):
    a copy of the worker's migrated gateway template, so its start-up migration has nothing to do."""

    def make() -> DatabaseTarget:
        target = new_database_target()
        if target.templates is not None:
            target.templates.copy("gateway", GATEWAY_MIGRATIONS, target)
        return target

    return make


StartGateway = Callable[..., RunningGateway]
TRANSPORTS = ("native", "aiohttp")

LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "asyncio": asyncio.new_event_loop,
    "uvloop": uvloop.new_event_loop,  # what uvicorn runs the gateway on
}


@pytest.fixture(params=sorted(LOOPS))
def run(request: pytest.FixtureRequest) -> Callable[[Coroutine[Any, Any, None]], None]:
    """Runs a scenario on each event loop the gateway may use, failing on any error the loop
    was told about (an exception raised in a protocol callback is reported only there)."""

    def runner(scenario: Coroutine[Any, Any, None]) -> None:
        reported: list[dict[str, Any]] = []

        async def watched() -> None:
            asyncio.get_running_loop().set_exception_handler(lambda _, ctx: reported.append(ctx))
            await scenario

        with asyncio.Runner(loop_factory=LOOPS[request.param]) as runner:
            runner.run(watched())
        assert reported == [], f"the event loop was told of errors: {reported}"

    return runner


RawHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def raw_upstream(handler: RawHandler) -> AsyncIterator[int]:
    """A raw asyncio upstream served by `handler`, on the port it yields; on exit it stops
    listening and each of its handlers has finished (none is left for the loop to cancel)."""
    handlers: list[asyncio.Task[None]] = []

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.append(asyncio.current_task())  # type: ignore[arg-type]
        await handler(reader, writer)

    # A backlog above the 258 connections one test opens at once: with the default 100, the
    # kernel drops the rest's SYNs, and their 1 s retransmit can outlast a loaded loop's
    # 2 s connect timeout.
    server = await asyncio.start_server(tracked, "127.0.0.1", 0, backlog=512)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await asyncio.wait_for(asyncio.gather(*handlers), 5)


ConnectionHandler = Callable[[socket.socket, threading.Event], None]


@contextmanager
def threaded_upstream(handle: ConnectionHandler) -> Iterator[str]:
    """A hand-written HTTP/1.1 upstream: each connection it accepts is served in a thread of its
    own by `handle(connection, stop)`; yields its URL; on exit `stop` is set and it stops
    listening."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=50)
    listener.settimeout(0.1)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=handle, args=(conn, stop), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()


@pytest.fixture
def upstream_transport() -> str | None:
    """The upstream transport of gateways under test: the default, unless a module asks for both
    (by redefining this fixture with `params=TRANSPORTS`)."""
    return None


@pytest.fixture
def start_gateway(
    upstream_transport: str | None,
    gateway_database: Callable[[], DatabaseTarget],
    signing_key: bytes,
    registry_upstream: Upstream,
    credit_upstream: Upstream,
    tmp_path: Path,
) -> Iterator[StartGateway]:
    """`start_gateway(**settings)` → a running gateway; stopped at the end of the test."""
    stack = ExitStack()
    started: list[RunningGateway] = []

    def start(**overrides: Any) -> RunningGateway:
        target = gateway_database()
        dead = f"http://127.0.0.1:{free_port()}"
        values: dict[str, Any] = {
            "environment": "test",
            "database_url": target.url,
            "database_schema": target.schema,
            "signing_key_pem": signing_key.decode(),
            "signing_key_id": KID,
            "write_jwks_file": False,
            "registry_url": registry_upstream.url,
            "credit_url": credit_upstream.url,
            "funding_url": dead,
            "vouchers_url": dead,
            "bootstrap_admin_key": ADMIN_KEY,
            "openapi_cache_dir": str(tmp_path / f"openapi-{uuid.uuid4().hex[:6]}"),
            "openapi_refresh_seconds": 3600,
            "log_level": "WARNING",
            "log_json": False,
            "access_log": False,
        }
        if upstream_transport is not None:
            values["upstream_transport"] = upstream_transport
        values.update(overrides)
        settings = GatewaySettings(**values)
        app = create_app(settings)
        loops: list[asyncio.AbstractEventLoop] = []
        url = stack.enter_context(serve_gateway(app, loops))
        links = Links()
        http = stack.enter_context(
            httpx.Client(base_url=url, timeout=10, event_hooks={"response": [links.record]})
        )
        running = RunningGateway(
            url=url, app=app, settings=settings, http=http, loop=loops[0], links=links
        )
        started.append(running)
        return running

    try:
        yield start
        for running in started:  # every link handed out is followable through the gateway
            running.links.follow(running.http)
    finally:
        stack.close()


@pytest.fixture
def gw(start_gateway: StartGateway) -> RunningGateway:
    """A gateway with default test settings."""
    return start_gateway()


@contextmanager
def registry_stack(
    *,
    directory: Path,
    postgres_database: str | None,
    templates: Any,
    signing_key: bytes,
    jwks_json: str,
    **overrides: Any,
) -> Iterator[RunningGateway]:
    """The real registry, credit, vouchers and funding services behind a gateway, for a whole
    module (tests share its data)."""
    from services.credit import app as credit_app
    from services.credit.settings import CreditSettings
    from services.funding import app as funding_app
    from services.funding.settings import FundingSettings
    from services.registry import app as registry_app
    from services.registry.settings import RegistrySettings
    from services.vouchers import app as vouchers_app
    from services.vouchers.settings import VouchersSettings
    from tests.support import migrated_settings

    def target() -> DatabaseTarget:
        suffix = uuid.uuid4().hex[:12]
        if postgres_database:
            return DatabaseTarget(postgres_database, f"t_{suffix}", templates)
        return DatabaseTarget(f"sqlite:///{directory / f'service_{suffix}.db'}", None, templates)

    registry = migrated_settings(
        RegistrySettings, target=target(), jwks_json=jwks_json, migrations=registry_app.MIGRATIONS
    )
    credit = migrated_settings(
        CreditSettings, target=target(), jwks_json=jwks_json, migrations=credit_app.MIGRATIONS
    )
    vouchers = migrated_settings(
        VouchersSettings, target=target(), jwks_json=jwks_json, migrations=vouchers_app.MIGRATIONS
    )
    funding = migrated_settings(
        FundingSettings, target=target(), jwks_json=jwks_json, migrations=funding_app.MIGRATIONS
    )
    gateway_target = target()
    templates.copy("gateway", GATEWAY_MIGRATIONS, gateway_target)
    with ExitStack() as stack:
        registry_url = stack.enter_context(serve(registry_app.create_app(registry)))
        credit_url = stack.enter_context(serve(credit_app.create_app(credit)))
        vouchers_url = stack.enter_context(serve(vouchers_app.create_app(vouchers)))
        funding_url = stack.enter_context(serve(funding_app.create_app(funding)))
        for service_url in (registry_url, credit_url, vouchers_url, funding_url):
            # A service builds its OpenAPI document on the first request; built here, the
            # gateway's 3 s fetch never races that first build on a loaded machine.
            httpx.get(f"{service_url}/openapi.json", timeout=60).raise_for_status()
        settings = GatewaySettings(
            **{
                "environment": "test",
                "database_url": gateway_target.url,
                "database_schema": gateway_target.schema,
                "signing_key_pem": signing_key.decode(),
                "signing_key_id": KID,
                "write_jwks_file": False,
                "registry_url": registry_url,
                "credit_url": credit_url,
                "funding_url": funding_url,
                "vouchers_url": vouchers_url,
                "bootstrap_admin_key": ADMIN_KEY,
                "openapi_cache_dir": str(directory / "openapi"),
                "openapi_refresh_seconds": 3600,
                "log_level": "WARNING",
                "log_json": False,
                "access_log": False,
                **overrides,
            }
        )
        app = create_app(settings)
        loops: list[asyncio.AbstractEventLoop] = []
        url = stack.enter_context(serve_gateway(app, loops))
        http = stack.enter_context(httpx.Client(base_url=url, timeout=10))
        yield RunningGateway(url=url, app=app, settings=settings, http=http, loop=loops[0])


@pytest.fixture(scope="module")
def shared_stack(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_database: str | None,
    templates: Any,
    signing_key: bytes,
    jwks_json: str,
) -> Iterator[RunningGateway]:
    """One registry + credit + vouchers + gateway for the whole module."""
    with registry_stack(
        directory=tmp_path_factory.mktemp("stack"),
        postgres_database=postgres_database,
        templates=templates,
        signing_key=signing_key,
        jwks_json=jwks_json,
    ) as running:
        yield running


@pytest.fixture
def registry_settings(database_target: DatabaseTarget, jwks_json: str) -> Any:
    """A migrated registry's settings (a test module may override them)."""
    from services.registry import app as registry_app
    from services.registry.settings import RegistrySettings
    from tests.support import migrated_settings

    return migrated_settings(
        RegistrySettings,
        target=database_target,
        jwks_json=jwks_json,
        migrations=registry_app.MIGRATIONS,
    )


@pytest.fixture
def registry_url(registry_settings: Any) -> Iterator[str]:
    """The real registry served on a free port."""
    from services.registry import app as registry_app

    with serve(registry_app.create_app(registry_settings)) as url:
        yield url


@pytest.fixture
def stack(start_gateway: StartGateway, registry_url: str) -> Iterator[RunningGateway]:
    """A gateway in front of the real registry; every link it handed out is followed at the end."""
    running = start_gateway(registry_url=registry_url)
    yield running
    running.links.follow(running.http)  # while the registry still runs
