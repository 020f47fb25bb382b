"""A consumer's client credentials: one token reused, renewed near expiry and once after a 401."""

import asyncio
import base64

import httpx
import pytest
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse

from services.common.consumer import ClientCredentials, FeedConsumer, feed_consumer
from services.common.db import Database
from tests.common.kernel_app.app import KernelSettings
from tests.servers import serve


def token_server(expires_in: int) -> FastAPI:
    """Issues t1, t2, … to the client `svc:secret`; the feed takes only the newest token."""
    app = FastAPI()
    app.state.issued = []

    @app.post("/oauth/token")
    def token(request: Request, grant_type: str = Form(), scope: str = Form()) -> JSONResponse:
        basic = base64.b64encode(b"svc:secret").decode()
        if request.headers.get("authorization") != f"Basic {basic}":
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        assert grant_type == "client_credentials" and scope == "events:read"
        app.state.issued.append(f"t{len(app.state.issued) + 1}")
        return JSONResponse({"access_token": app.state.issued[-1], "expires_in": expires_in})

    @app.get("/registry/v1/events")
    def events(request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {app.state.issued[-1]}":
            return JSONResponse({"code": "invalid_token"}, status_code=401)
        return JSONResponse({"items": [], "next_after": 0})

    return app


def _consumer(url: str, settings: KernelSettings, secret: str = "secret") -> FeedConsumer:
    return FeedConsumer(
        name="kernel.registry",
        feed_url=f"{url}/registry/v1/events",
        database=Database(settings.resolved_database_url, schema=settings.resolved_schema),
        handlers={},
        auth=ClientCredentials(
            token_url=f"{url}/oauth/token", client_id="svc", client_secret=secret
        ),
    )


def test_token_is_reused_then_renewed_after_a_401(kernel_settings: KernelSettings) -> None:
    app = token_server(expires_in=600)
    with serve(app) as url:
        consumer = _consumer(url, kernel_settings)

        async def scenario() -> None:
            await consumer.poll_once()
            await consumer.poll_once()
            assert app.state.issued == ["t1"]  # one token for both calls
            app.state.issued.append("t-revoked-elsewhere")  # the feed no longer takes t1
            await consumer.poll_once()
            assert app.state.issued[-1] == "t3"  # renewed once, and the call went through
            await consumer.aclose()

        asyncio.run(scenario())
        consumer.database.dispose()


def test_token_is_renewed_before_it_expires(kernel_settings: KernelSettings) -> None:
    app = token_server(expires_in=10)  # within the 30 s margin: renewed on every call
    with serve(app) as url:
        consumer = _consumer(url, kernel_settings)

        async def scenario() -> None:
            await consumer.poll_once()
            await consumer.poll_once()
            await consumer.aclose()

        asyncio.run(scenario())
        consumer.database.dispose()
        assert app.state.issued == ["t1", "t2"]


def test_refused_credentials_fail_the_poll(kernel_settings: KernelSettings) -> None:
    with serve(token_server(expires_in=600)) as url:
        consumer = _consumer(url, kernel_settings, secret="wrong")

        async def scenario() -> None:
            with pytest.raises(httpx.HTTPStatusError, match="token request refused"):
                await consumer.poll_once()
            await consumer.aclose()

        asyncio.run(scenario())
        consumer.database.dispose()


def test_a_service_without_a_client_says_what_to_set(
    kernel_settings: KernelSettings, tmp_path
) -> None:
    settings = kernel_settings.model_copy(
        update={"service_client_file": str(tmp_path / "missing.json")}
    )
    database = Database(settings.resolved_database_url, schema=settings.resolved_schema)
    with pytest.raises(RuntimeError, match="KERNEL_SERVICE_CLIENT_ID"):
        feed_consumer(settings, producer="registry", database=database, handlers={})
    database.dispose()
