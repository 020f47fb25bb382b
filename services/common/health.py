"""`/healthz`, `/readyz` and `/metrics`, the same on every service."""

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from services.common.db import Database
from services.common.errors import ServiceNotReady, problem_response, problem_responses
from services.common.migrations import current_revision, head_revision
from services.common.unitofwork import UnitOfWorkRoute


class Health(BaseModel):
    """Liveness or readiness, with one entry per check."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"status": "ready", "checks": {"database": "ok", "migrations": "ok"}}]
        }
    )

    status: str
    checks: dict[str, str] = {}


def readiness_response(request: Request, checks: dict[str, str]) -> Response:
    """200 when every check says ok, else a 503 problem naming what failed."""
    if all(value == "ok" for value in checks.values()):
        return JSONResponse(Health(status="ready", checks=checks).model_dump())
    failing = "; ".join(f"{k}: {v}" for k, v in checks.items() if v != "ok")
    return problem_response(request, status=503, code=ServiceNotReady.code, detail=failing)


def health_router(*, service: str, migrations: Path) -> APIRouter:
    """Health, readiness and metrics routes for one service."""
    router = APIRouter(tags=["operations"], route_class=UnitOfWorkRoute)
    head = head_revision(migrations)

    @router.get("/healthz", summary="Liveness", operation_id="healthz", response_model=Health)
    def healthz() -> Health:
        return Health(status="ok")

    def _check(database: Database) -> dict[str, str]:
        checks: dict[str, str] = {}
        try:
            with database.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            checks["database"] = "ok"
            current = current_revision(service, database.engine, database.schema)
            checks["migrations"] = "ok" if current == head else f"at {current}, head is {head}"
        except SQLAlchemyError as exc:
            checks["database"] = f"unreachable: {type(exc).__name__}"
        return checks

    @router.get(
        "/readyz",
        summary="Readiness: database reachable and migrations at head",
        operation_id="readyz",
        response_model=Health,
        responses=problem_responses(503),
    )
    async def readyz(request: Request) -> Response:
        checks = await run_in_threadpool(_check, request.app.state.database)
        return readiness_response(request, checks)

    @router.get(
        "/metrics",
        summary="Prometheus metrics",
        operation_id="metrics",
        response_class=Response,
        responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text"}},
    )
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
