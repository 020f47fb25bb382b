"""The gateway's operational routes: keys, merged OpenAPI, docs, health, metrics."""

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from gateway.auth.dependencies import GatewayDep, MetricsReader
from gateway.runtime import Gateway
from services.common.errors import problem_responses
from services.common.health import Health, readiness_response
from services.common.migrations import current_revision, head_revision
from services.common.unitofwork import UnitOfWorkRoute

MIGRATIONS = Path(__file__).parent / "migrations"
router = APIRouter(tags=["operations"], route_class=UnitOfWorkRoute)
PUBLIC: dict[str, Any] = {"security": []}


class Jwk(BaseModel):
    """A public Ed25519 key (RFC 8037)."""

    model_config = ConfigDict(extra="allow")

    kty: str = Field(examples=["OKP"])
    crv: str = Field(examples=["Ed25519"])
    x: str
    kid: str
    alg: str = Field(examples=["EdDSA"])
    use: str = Field(examples=["sig"])


class Jwks(BaseModel):
    """The keys that verify the gateway's tokens: the current key, and the previous during a rotation."""

    keys: list[Jwk]


@router.get(
    "/.well-known/jwks.json",
    summary="Public keys of the gateway's tokens",
    operation_id="get_jwks",
    response_model=Jwks,
    openapi_extra=PUBLIC,
)
def jwks(gateway: GatewayDep) -> JSONResponse:
    return JSONResponse(gateway.keyring.jwks(), headers={"Cache-Control": "public, max-age=300"})


@router.get(
    "/openapi.json",
    summary="The platform's OpenAPI document (gateway and every service)",
    operation_id="get_openapi",
    response_model=dict[str, Any],
    openapi_extra=PUBLIC,
)
def openapi_document(gateway: GatewayDep) -> JSONResponse:
    assert gateway.specs is not None
    return JSONResponse(gateway.specs.document())


@router.get("/docs", include_in_schema=False)
def docs() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title="Taiyuan SME platform API")


@router.get(
    "/healthz",
    summary="Liveness",
    operation_id="healthz",
    response_model=Health,
    openapi_extra=PUBLIC,
)
def healthz() -> Health:
    return Health(status="ok")


def _database_checks(gateway: Gateway) -> dict[str, str]:
    try:
        with gateway.database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current = current_revision("gateway", gateway.database.engine, gateway.database.schema)
        head = head_revision(MIGRATIONS)
        return {
            "database": "ok",
            "migrations": "ok" if current == head else f"at {current}, head is {head}",
        }
    except SQLAlchemyError as exc:
        return {"database": f"unreachable: {type(exc).__name__}"}


@router.get(
    "/readyz",
    summary="Readiness: the gateway's own database, migrations and signing key",
    description="Upstreams and the rate-limit storage are not checked: one of them down must "
    "not take every gateway replica out of rotation. Their state is in `/metrics` "
    "(`gateway_circuit_open`, `gateway_upstream_errors_total`, "
    "`gateway_rate_limit_storage_up`).",
    operation_id="readyz",
    response_model=Health,
    responses=problem_responses(503),
    openapi_extra=PUBLIC,
)
async def readyz(request: Request, gateway: GatewayDep) -> Response:
    checks = await run_in_threadpool(_database_checks, gateway)
    checks["signing_key"] = "ok" if gateway.keyring.jwks()["keys"] else "missing"
    return readiness_response(request, checks)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    description="Needs an `admin` credential on the public listener; served without one on "
    "the admin listener (`GATEWAY_ADMIN_LISTEN`), which only the operators' network reaches.",
    operation_id="metrics",
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text"},
        **problem_responses(401, 403, 429),
    },
)
def metrics(gateway: GatewayDep, _: MetricsReader) -> Response:
    body = generate_latest(gateway.metrics.registry) + generate_latest(REGISTRY)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
