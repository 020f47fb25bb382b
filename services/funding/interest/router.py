"""HTTP routes of the graduate interest subsidy: claim (an enterprise, a portal on its behalf),
list and read."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.idempotency import Idempotency, idempotent
from services.common.links import link
from services.common.openapi import answer_headers
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.common.unitofwork import UnitOfWorkRoute
from services.funding.interest import service
from services.funding.interest.dependencies import InterestClaimant, InterestReader
from services.funding.interest.schemas import (
    InterestClaimCreate,
    InterestClaimFilters,
    InterestClaimPublic,
)

router = APIRouter(tags=["interest subsidies"], route_class=UnitOfWorkRoute)
RequiredIdem = Annotated[Idempotency | None, Depends(idempotent(required=True))]
Filters = Annotated[InterestClaimFilters, Query()]


@router.post(
    "/v1/subsidies/interest-claims",
    name="claim_interest_subsidy",
    summary="Claim a quarter's graduate interest subsidy on a loan",
    description="大学生创业贷款基准利率贴息: the borrowing enterprise (or a portal on its behalf) "
    "claims a quarter once it is over (422 `interest_quarter_not_over`). The founder must have "
    "graduated no more than three years before the loan date, by the registry's graduation day "
    "(422 `founder_graduation_unknown` when the registry has none, "
    "`founder_not_recent_graduate` otherwise). The subsidy is principal × benchmark rate × days "
    "/ 360 over the quarter's days the loan was outstanding (the loan date to the day before "
    "maturity; none: 422 `interest_no_days`), each day at the rate of the "
    "`funding.interest.benchmark` version in force that day (a change inside the quarter splits "
    "it), computed exactly and rounded once, half up, to the fen. It is proposed at once as a "
    "disbursement to the enterprise from `line:<year>:financing:graduate-interest`: a claim "
    "the line cannot cover is 409 `ledger_insufficient_funds`, nothing recorded; a second claim "
    "for the same loan (bank and contract number) and quarter is 409 `interest_claim_exists`. "
    "`Idempotency-Key` is required.",
    status_code=201,
    response_model=InterestClaimPublic,
    responses={
        **problem_responses(400, 401, 403, 409, 422),
        **answer_headers(
            201,
            "Location",
            links={"get_interest_subsidy_claim": {"claim_id": "$response.body#/id"}},
        ),
    },
)
def claim_interest_subsidy(
    body: InterestClaimCreate,
    request: Request,
    response: Response,
    principal: InterestClaimant,
    _idem: RequiredIdem,
    session: SessionDep,
) -> InterestClaimPublic:
    claim = service.claim_interest(session=session, principal=principal, data=body)
    response.headers["Location"] = link(request.scope, f"/v1/subsidies/interest-claims/{claim.id}")
    return service.to_public(claim)


@router.get(
    "/v1/subsidies/interest-claims",
    name="list_interest_subsidy_claims",
    summary="List graduate interest subsidy claims",
    description="The administration and departments see every claim, an enterprise (or its "
    "portal) its own. Filters: `enterprise` (USCC), `year`, `quarter`. Oldest first.",
    response_model=Page[InterestClaimPublic],
    responses=problem_responses(401, 403, 422),
)
def list_interest_subsidy_claims(
    session: SessionDep,
    principal: InterestReader,
    filters: Filters,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[InterestClaimPublic]:
    items, next_cursor = service.list_claims(
        session=session, principal=principal, filters=filters, limit=limit, cursor=cursor
    )
    return Page[InterestClaimPublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/subsidies/interest-claims/{claim_id}",
    name="get_interest_subsidy_claim",
    summary="Read one graduate interest subsidy claim",
    description="With its days at each benchmark rate. Another enterprise's claim answers 404 "
    "`interest_claim_not_found`.",
    response_model=InterestClaimPublic,
    responses=problem_responses(401, 403, 404),
)
def get_interest_subsidy_claim(
    claim_id: str, session: SessionDep, principal: InterestReader
) -> InterestClaimPublic:
    return service.to_public(
        service.get_claim(session=session, principal=principal, claim_id=claim_id)
    )
