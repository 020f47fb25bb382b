"""HTTP routes of budgets: load a year (admin), read it."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.idempotency import Idempotency, idempotent
from services.common.links import link
from services.common.openapi import answer_headers
from services.common.unitofwork import UnitOfWorkRoute
from services.funding.budgets import service
from services.funding.budgets.dependencies import BudgetAdmin, BudgetReader
from services.funding.budgets.schemas import RECONCILIATION_RULE, BudgetCreate, BudgetPublic

router = APIRouter(tags=["budgets"], route_class=UnitOfWorkRoute)
RequiredIdem = Annotated[Idempotency, Depends(idempotent(required=True))]
Year = Annotated[int, Path(ge=2000, le=2100, description="The budget year.")]


@router.post(
    "/v1/budgets",
    name="load_funding_budget",
    summary="Load a year's budget (admin)",
    description="Loads the year's sources, lines and sub-lines into the ledger as balanced "
    "transfers: every source to every line at its stated figure (one transfer), then each "
    "reconciliation, then each line to its sub-lines. "
    + RECONCILIATION_RULE
    + " Loading the same document again answers the loaded budget (200); another document for "
    "a loaded year is 409 `budget_already_loaded`. Announced as `budget.loaded`. "
    "`Idempotency-Key` is required.",
    status_code=201,
    response_model=BudgetPublic,
    responses={
        200: {"description": "This document was loaded already.", "model": BudgetPublic},
        **problem_responses(400, 401, 403, 409, 422),
        **answer_headers(201, "Location"),
    },
)
def load_funding_budget(
    body: BudgetCreate,
    request: Request,
    response: Response,
    principal: BudgetAdmin,
    _idem: RequiredIdem,
    session: SessionDep,
) -> BudgetPublic:
    budget, loaded = service.load_budget(session, data=body, principal_id=principal.client_id)
    if not loaded:
        response.status_code = 200
    response.headers["Location"] = link(request.scope, f"/v1/budgets/{budget.year}")
    return service.to_public(session, budget)


@router.get(
    "/v1/budgets/{year}",
    name="get_funding_budget",
    summary="Read a year's budget",
    description="Totals by source and by use (equal), each line's stated figure, what "
    "reconciliations moved and what it was funded with, each sub-line, the accounts' balances "
    "now and the transfers that loaded it; 404 `budget_not_found`. " + RECONCILIATION_RULE,
    response_model=BudgetPublic,
    responses=problem_responses(401, 403, 404, 422),
)
def get_funding_budget(year: Year, session: SessionDep, _reader: BudgetReader) -> BudgetPublic:
    return service.to_public(session, service.get_budget(session, year=year))
