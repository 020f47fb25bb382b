"""HTTP routes of fee subsidies: the list of enterprise fees (the office keeps it, anyone reads
it) and new small firms' claims (an enterprise, a portal on its behalf)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.etag import IfMatch
from services.common.idempotency import Idempotency, idempotent
from services.common.links import link
from services.common.openapi import answer_headers
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.common.unitofwork import UnitOfWorkRoute
from services.funding.fees import service
from services.funding.fees.dependencies import (
    FeeClaimant,
    FeeClaimReader,
    FeeListAdmin,
    FeeListReader,
)
from services.funding.fees.schemas import (
    FeeClaimCreate,
    FeeClaimFilters,
    FeeClaimPublic,
    FeeItemCreate,
    FeeItemPublic,
    FeeItemUpdate,
)
from services.funding.settings import FundingSettings

router = APIRouter(tags=["fee subsidies"], route_class=UnitOfWorkRoute)
RequiredIdem = Annotated[Idempotency | None, Depends(idempotent(required=True))]
OptionalIdem = Annotated[Idempotency | None, Depends(idempotent(required=False))]
Filters = Annotated[FeeClaimFilters, Query()]


@router.post(
    "/v1/fee-list",
    name="list_fee_item",
    summary="Put a fee on the list of enterprise fees (admin)",
    description="涉企收费清单: the item, the department that charges it and its legal basis. A "
    "taken code is 409 `fee_item_exists`. `Idempotency-Key` is optional.",
    status_code=201,
    response_model=FeeItemPublic,
    responses={
        **problem_responses(400, 401, 403, 409, 422),
        **answer_headers(
            201, "ETag", "Location", links={"get_fee_item": {"code": "$response.body#/code"}}
        ),
    },
)
def list_fee_item(
    body: FeeItemCreate,
    request: Request,
    response: Response,
    principal: FeeListAdmin,
    _idem: OptionalIdem,
    session: SessionDep,
) -> FeeItemPublic:
    item = service.add_item(session=session, principal=principal, data=body)
    response.headers["ETag"] = service.etag(item)
    response.headers["Location"] = link(request.scope, f"/v1/fee-list/{item.code}")
    return FeeItemPublic.model_validate(item)


@router.get(
    "/v1/fee-list",
    name="get_fee_list",
    summary="Read the list of enterprise fees",
    description="By code; `include_withdrawn` adds the fees taken off the list.",
    response_model=list[FeeItemPublic],
    responses=problem_responses(401, 403, 422),
)
def get_fee_list(
    session: SessionDep, _principal: FeeListReader, include_withdrawn: bool = False
) -> list[FeeItemPublic]:
    items = service.list_items(session=session, listed_only=not include_withdrawn)
    return [FeeItemPublic.model_validate(item) for item in items]


@router.get(
    "/v1/public/fee-list",
    name="get_public_fee_list",
    summary="The list of enterprise fees (public)",
    description="涉企收费清单, for anyone: the fees on the list now, by code. A new small firm pays "
    "no fee that is not on it, and is reimbursed the listed fees it pays during the "
    "demonstration period.",
    response_model=list[FeeItemPublic],
)
def get_public_fee_list(session: SessionDep) -> list[FeeItemPublic]:
    return [
        FeeItemPublic.model_validate(item)
        for item in service.list_items(session=session, listed_only=True)
    ]


@router.get(
    "/v1/fee-list/{code}",
    name="get_fee_item",
    summary="Read one fee of the list",
    response_model=FeeItemPublic,
    responses={**problem_responses(401, 403, 404), **answer_headers(200, "ETag")},
)
def get_fee_item(
    code: str, session: SessionDep, _principal: FeeListReader, response: Response
) -> FeeItemPublic:
    item = service.get_item(session=session, code=code)
    response.headers["ETag"] = service.etag(item)
    return FeeItemPublic.model_validate(item)


@router.patch(
    "/v1/fee-list/{code}",
    name="update_fee_item",
    summary="Change a fee of the list, or take it off (admin)",
    description="`listed: false` takes the fee off the list: claims citing it are then refused "
    "(422 `fee_not_listed`); claims made before stay. Send the fee's ETag in `If-Match` (428 "
    "without it, 412 when stale).",
    response_model=FeeItemPublic,
    responses={**problem_responses(401, 403, 404, 412, 422, 428), **answer_headers(200, "ETag")},
)
def update_fee_item(
    code: str,
    body: FeeItemUpdate,
    precondition: IfMatch,
    principal: FeeListAdmin,
    session: SessionDep,
    response: Response,
) -> FeeItemPublic:
    item = service.update_item(
        session=session, principal=principal, code=code, data=body, precondition=precondition
    )
    response.headers["ETag"] = service.etag(item)
    return FeeItemPublic.model_validate(item)


@router.post(
    "/v1/subsidies/fee-claims",
    name="claim_fee_subsidy",
    summary="Claim the reimbursement of a listed fee paid (a new small firm)",
    description="A small or micro enterprise founded during the demonstration period (422 "
    "`fee_firm_not_small`, `fee_firm_not_new`), itself or through a portal on its behalf, claims "
    "a fee it paid during the period (422 `fee_paid_outside_period`). A fee not on the list is "
    "refused naming it (422 `fee_not_listed`). A listed fee is reimbursed in full: a "
    "disbursement to the enterprise is proposed at once from `line:<year paid>:<fee line>` "
    "(`FUNDING_FEE_SUBSIDY_BUDGET_LINE`, default `other`); one the line cannot cover is 409 "
    "`ledger_insufficient_funds`, nothing recorded. One claim per fee receipt (409 "
    "`fee_claim_exists`). `Idempotency-Key` is required.",
    status_code=201,
    response_model=FeeClaimPublic,
    responses={
        **problem_responses(400, 401, 403, 409, 422),
        **answer_headers(
            201, "Location", links={"get_fee_subsidy_claim": {"claim_id": "$response.body#/id"}}
        ),
    },
)
def claim_fee_subsidy(
    body: FeeClaimCreate,
    request: Request,
    response: Response,
    principal: FeeClaimant,
    _idem: RequiredIdem,
    session: SessionDep,
) -> FeeClaimPublic:
    settings: FundingSettings = request.app.state.settings
    claim = service.claim_fee(
        session=session,
        principal=principal,
        data=body,
        budget_line=settings.fee_subsidy_budget_line,
        period=(settings.demonstration_from, settings.demonstration_to),
    )
    response.headers["Location"] = link(request.scope, f"/v1/subsidies/fee-claims/{claim.id}")
    return FeeClaimPublic.model_validate(claim)


@router.get(
    "/v1/subsidies/fee-claims",
    name="list_fee_subsidy_claims",
    summary="List fee subsidy claims",
    description="The administration and departments see all, an enterprise (or its portal) its "
    "own. Filters: `enterprise` (USCC), `fee` (code). Oldest first.",
    response_model=Page[FeeClaimPublic],
    responses=problem_responses(401, 403, 422),
)
def list_fee_subsidy_claims(
    session: SessionDep,
    principal: FeeClaimReader,
    filters: Filters,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[FeeClaimPublic]:
    items, next_cursor = service.list_claims(
        session=session, principal=principal, filters=filters, limit=limit, cursor=cursor
    )
    return Page[FeeClaimPublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/subsidies/fee-claims/{claim_id}",
    name="get_fee_subsidy_claim",
    summary="Read one fee subsidy claim",
    response_model=FeeClaimPublic,
    responses=problem_responses(401, 403, 404),
)
def get_fee_subsidy_claim(
    claim_id: str, session: SessionDep, principal: FeeClaimReader
) -> FeeClaimPublic:
    return FeeClaimPublic.model_validate(
        service.get_claim(session=session, principal=principal, claim_id=claim_id)
    )
