"""HTTP routes of indicator reports."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.idempotency import Idempotency, idempotent
from services.common.unitofwork import UnitOfWorkRoute
from services.registry.indicators import service
from services.registry.indicators.dependencies import Reader, Writer
from services.registry.indicators.schemas import (
    EnterpriseIndicators,
    IndicatorReportCreate,
    IndicatorReportReceipt,
    PrecedencePublic,
)

router = APIRouter(tags=["indicators"], route_class=UnitOfWorkRoute)

Idem = Annotated[Idempotency | None, Depends(idempotent(required=False))]
UsccPath = Annotated[
    str,
    Path(
        min_length=18,
        max_length=18,
        description="Unified social credit code.",
        examples=["91140100MA0GRDLQ3T"],
    ),
]


@router.post(
    "/v1/enterprises/{uscc}/indicators",
    summary="Report an enterprise's indicators",
    description="Stores one report (all reports are kept); the declared precedence picks the "
    "effective figure per indicator and period. Enterprises and portals report only as "
    "`enterprise` for their own enterprise; departments report as their own source. Emits "
    "`indicators.reported`. An optional `Idempotency-Key` makes retries safe.",
    operation_id="report_indicators",
    status_code=201,
    response_model=IndicatorReportReceipt,
    responses=problem_responses(400, 401, 403, 404, 409, 422),
)
def report_indicators(
    uscc: UsccPath,
    body: IndicatorReportCreate,
    session: SessionDep,
    client: Writer,
    _idem: Idem,
) -> IndicatorReportReceipt:
    return service.report_indicators(session, uscc=uscc, body=body, principal=client)


@router.get(
    "/v1/enterprises/{uscc}/indicators",
    summary="Get an enterprise's indicators",
    description="Per period (newest first): the effective figure of each indicator with its "
    "source, and every report from every source.",
    operation_id="get_enterprise_indicators",
    response_model=EnterpriseIndicators,
    responses=problem_responses(401, 403, 404, 422),
)
def get_enterprise_indicators(
    uscc: UsccPath,
    session: SessionDep,
    client: Reader,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="Only this year.")] = None,
) -> EnterpriseIndicators:
    return service.enterprise_indicators(session, uscc=uscc, principal=client, year=year)


@router.get(
    "/v1/indicators/precedence",
    summary="Get the declared source precedence",
    description="Per indicator, the sources from most to least trusted, and which source each "
    "department reports as. Public.",
    operation_id="get_indicator_precedence",
    response_model=PrecedencePublic,
    responses=problem_responses(422),
)
def get_indicator_precedence() -> PrecedencePublic:
    return service.precedence_public()
