"""The app factory every service uses: problems, identity, health, metrics, events, consumers."""

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from services.common.bodylimit import BodyLimitMiddleware
from services.common.consumer import FeedConsumer
from services.common.db import Database
from services.common.errors import install_problem_handlers
from services.common.health import Warnings, health_router
from services.common.idempotency import IdempotentReplay, replay_handler
from services.common.inputguard import RejectNulMiddleware
from services.common.jobs import Worker
from services.common.migrations import upgrade_to_head
from services.common.observability import RequestContextMiddleware, configure_logging
from services.common.openapi import problem_openapi
from services.common.outbox import events_router
from services.common.settings import ServiceSettings
from services.common.tokens import TokenVerifier, load_jwks

ConsumerFactory = Callable[[FastAPI], Sequence[FeedConsumer]]
# Feed consumers, periodic claimed jobs: built at start-up, run beside the server, stopped with it.
WorkerFactory = Callable[[FastAPI], Sequence[Worker]]


def operation_id_of(route: APIRoute) -> str:
    """The route's name as its operationId (routes set stable names)."""
    return route.name


def create_service_app(
    *,
    settings: ServiceSettings,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    migrations: Path,
    consumers: ConsumerFactory | None = None,
    workers: WorkerFactory | None = None,
    migrate_on_start: bool = False,
    version: str = "1.0.0",
    openapi_tags: list[dict[str, str]] | None = None,
    readiness_warnings: Warnings | None = None,
    body_limits: Mapping[str, int] | None = None,
    on_start: Sequence[Callable[[Database, ServiceSettings], None]] = (),
) -> FastAPI:
    """A service app: work done once here (engine, keys), none of it per request.

    `consumers` and `workers` are called at start-up with the app and return what runs beside
    the server until shutdown: feed consumers (`services.common.consumer`) and periodic jobs
    (`services.common.jobs.PeriodicJob`); each claims its work, so every replica runs them.
    """
    configure_logging(settings.log_level, json=settings.log_json)
    service = settings.service_name
    database = Database(
        settings.resolved_database_url,
        schema=settings.resolved_schema,
        pool_size=settings.database_pool_size,
    )
    verifier = TokenVerifier(
        load_jwks(settings.internal_jwks), issuer=settings.token_issuer, audience=service
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if migrate_on_start:
            upgrade_to_head(service, migrations, database)
        for hook in on_start:
            hook(database, settings)
        stop = asyncio.Event()
        running: list[Worker] = [*(consumers(app) if consumers else ())]
        running += workers(app) if workers else ()
        tasks = [asyncio.create_task(consumer.run(stop)) for consumer in running]
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            for consumer in running:
                await consumer.aclose()
            database.dispose()

    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        openapi_tags=openapi_tags,
        generate_unique_id_function=operation_id_of,
        redirect_slashes=False,  # a redirect would name the service's internal address
    )
    app.state.settings = settings
    app.state.database = database
    app.state.token_verifier = verifier
    app.state.service = service
    install_problem_handlers(app)
    app.add_exception_handler(IdempotentReplay, replay_handler)
    app.include_router(
        health_router(service=service, migrations=migrations, warnings=readiness_warnings)
    )
    app.include_router(events_router(max_limit=settings.events_page_max))
    for router in routers:
        app.include_router(router)
    app.add_middleware(RejectNulMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        default=settings.max_body_bytes,
        limits={**(body_limits or {}), **settings.body_limits},
        max_headers=settings.max_headers,
        max_header_bytes=settings.max_header_bytes,
    )
    app.add_middleware(RequestContextMiddleware, service=service)
    app.openapi = problem_openapi(app)  # type: ignore[method-assign]
    return app
