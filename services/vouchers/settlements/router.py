"""HTTP routes of settlements: a month's run (admin), reads (a provider its own, admin all)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.idempotency import Idempotency, idempotent
from services.common.links import link
from services.common.openapi import answer_headers
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.common.unitofwork import UnitOfWorkRoute
from services.vouchers.settlements import service
from services.vouchers.settlements.dependencies import SettlementAdmin, SettlementReader
from services.vouchers.settlements.schemas import (
    SettlementFilters,
    SettlementPublic,
    SettlementRunCreate,
    SettlementRunPublic,
)

router = APIRouter(tags=["settlements"], route_class=UnitOfWorkRoute)
RequiredIdem = Annotated[Idempotency | None, Depends(idempotent(required=True))]
Filters = Annotated[SettlementFilters, Query()]


@router.post(
    "/v1/settlements/runs",
    name="run_voucher_settlement",
    summary="Settle a month (admin)",
    description="Groups each provider's unsettled redemptions made before the month's end "
    "(Asia/Shanghai) into one settlement, with a clawback line for each redemption reversed "
    "after it was settled, and announces each as `settlement.requested` for the funding "
    "service. One run per month (`settlement_run_exists`); only a month that is over "
    "(`settlement_month_not_over`). `Idempotency-Key` is required.",
    status_code=201,
    response_model=SettlementRunPublic,
    responses={**problem_responses(400, 401, 403, 409, 422), **answer_headers(201, "Location")},
)
def run_voucher_settlement(
    body: SettlementRunCreate,
    request: Request,
    response: Response,
    principal: SettlementAdmin,
    _idem: RequiredIdem,
    session: SessionDep,
) -> SettlementRunPublic:
    run = service.run_month(session=session, month=body.month, created_by=principal.client_id)
    public = service.run_public(session, run)
    response.headers["Location"] = link(request.scope, f"/v1/settlements?month={run.month}")
    return public


@router.get(
    "/v1/settlements",
    name="list_voucher_settlements",
    summary="List settlements",
    description="A provider sees its own settlements, admin all (`provider=` one). Oldest first.",
    response_model=Page[SettlementPublic],
    responses=problem_responses(401, 403, 422),
)
def list_voucher_settlements(
    session: SessionDep,
    principal: SettlementReader,
    filters: Filters,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[SettlementPublic]:
    items, next_cursor = service.list_settlements(
        session=session, principal=principal, filters=filters, limit=limit, cursor=cursor
    )
    return Page[SettlementPublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/settlements/{settlement_id}",
    name="get_voucher_settlement",
    summary="Read one settlement with its lines",
    description="A provider reads its own, admin any; anyone else's answers 404.",
    response_model=SettlementPublic,
    responses=problem_responses(401, 403, 404),
)
def get_voucher_settlement(
    settlement_id: str, session: SessionDep, principal: SettlementReader
) -> SettlementPublic:
    settlement = service.get_settlement(
        session=session, principal=principal, settlement_id=settlement_id
    )
    return service.to_public(session, settlement)
