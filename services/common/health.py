"""`/healthz`, `/readyz` and `/metrics`, the same on every service."""

from collections.abc import Callable, Mapping
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from services.common.db import Database
from services.common.errors import ServiceNotReady, problem_response, problem_responses
from services.common.migrations import current_revision, head_revision
from services.common.unitofwork import UnitOfWorkRoute


class Health(BaseModel):
    """Liveness, with one entry per check."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok", "checks": {}}]})

    status: str
    checks: dict[str, str] = {}


class Readiness(Health):
    """Readiness: the checks, and what the service cannot do now without failing readiness."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "ready",
                    "checks": {"database": "ok", "migrations": "ok"},
                    "degraded": True,
                    "warnings": {"calendar": "no holidays known for 2027: …"},
                }
            ]
        }
    )

    degraded: bool = Field(
        default=False,
        description="True when a part of the service cannot answer (see `warnings`) while the "
        "rest can: the service stays ready.",
    )
    warnings: dict[str, str] = Field(default_factory=dict)


# A service's own readiness warnings: what it cannot do now, without failing readiness.
Warnings = Callable[[Session], Mapping[str, str]]


def readiness_response(
    request: Request, checks: dict[str, str], warnings: Mapping[str, str] | None = None
) -> Response:
    """200 when every check says ok (with any warnings), else a 503 problem naming what failed."""
    if all(value == "ok" for value in checks.values()):
        warned = dict(warnings or {})
        body = Readiness(status="ready", checks=checks, degraded=bool(warned), warnings=warned)
        return JSONResponse(body.model_dump())
    failing = "; ".join(f"{k}: {v}" for k, v in checks.items() if v != "ok")
    return problem_response(request, status=503, code=ServiceNotReady.code, detail=failing)


def health_router(*, service: str, migrations: Path, warnings: Warnings | None = None) -> APIRouter:
    """Health, readiness and metrics routes for one service."""
    router = APIRouter(tags=["operations"], route_class=UnitOfWorkRoute)
    head = head_revision(migrations)

    @router.get("/healthz", summary="Liveness", operation_id="healthz", response_model=Health)
    def healthz() -> Health:
        return Health(status="ok")

    def _check(database: Database) -> tuple[dict[str, str], Mapping[str, str]]:
        checks: dict[str, str] = {}
        try:
            with database.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            checks["database"] = "ok"
            current = current_revision(service, database.engine, database.schema)
            checks["migrations"] = "ok" if current == head else f"at {current}, head is {head}"
        except SQLAlchemyError as exc:
            checks["database"] = f"unreachable: {type(exc).__name__}"
        if warnings is None or any(value != "ok" for value in checks.values()):
            return checks, {}
        with database.session(write=False) as session:
            return checks, warnings(session)

    @router.get(
        "/readyz",
        summary="Readiness: database reachable and migrations at head",
        description="200 when the service can serve; `degraded` and `warnings` name what it "
        "cannot do now (for the registry: years whose holidays are not known).",
        operation_id="readyz",
        response_model=Readiness,
        responses=problem_responses(503),
    )
    async def readyz(request: Request) -> Response:
        checks, warned = await run_in_threadpool(_check, request.app.state.database)
        return readiness_response(request, checks, warned)

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
