"""HTTP routes of block allocation and district matching."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.idempotency import Idempotency, idempotent
from services.common.links import link
from services.common.openapi import answer_headers
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.common.unitofwork import UnitOfWorkRoute
from services.funding.allocations import service
from services.funding.allocations.dependencies import (
    AllocationAdmin,
    AllocationReader,
    MatchingReporter,
)
from services.funding.allocations.rules import ALLOCATION, MATCHING
from services.funding.allocations.schemas import (
    DISTRICT_PATTERN,
    LINE_PATTERN,
    SPENDING_RULE,
    AllocationCreate,
    AllocationPublic,
    DistrictMatchingPublic,
    MatchingPaymentCreate,
    MatchingPaymentPublic,
)

router = APIRouter(tags=["allocations"], route_class=UnitOfWorkRoute)
RequiredIdem = Annotated[Idempotency, Depends(idempotent(required=True))]
DistrictCode = Annotated[
    str,
    Path(min_length=1, max_length=40, pattern=DISTRICT_PATTERN, description="District code."),
]
AllocationId = Annotated[str, Path(min_length=1, max_length=40, description="Allocation id.")]

MATCHING_RULE = (
    f"Matching ratios come from the rule family `{MATCHING}` (the version in force on 1 January "
    "of the year; effective-dated, so a later year can change them, and never edited once used): "
    "the district owes city share × district_part / city_part, rounded up to the fen; the "
    "allocation stores the version it used (`matching_rule_set_id`). A version giving a part "
    "that is not a whole number from 1 to 10,000, or an amount owed beyond what can be stored, "
    "is 409 `matching_rule_invalid` (nothing allocated). "
)


@router.post(
    "/v1/allocations",
    name="allocate_funding_line",
    summary="Allocate a budget line among districts (admin)",
    description="切块分配: `explicit` amounts per district, or `rule_set`: `total_fen` split in "
    f"proportion to each district's `weight` from the `{ALLOCATION}` rule set over its admitted "
    "bases (kind, incubation area, private money leveraged in `kpi_year`), exactly to the fen "
    "(largest remainder). One ledger transfer moves the shares from `line:<year>:<line>` to "
    "each `block:<year>:<line>:<district>`; more than the line holds is 409 "
    "`ledger_insufficient_funds`; a line not loaded is 422 `unknown_budget_line`. "
    + MATCHING_RULE
    + SPENDING_RULE
    + " Announced as `allocation.made`. `Idempotency-Key` is required.",
    status_code=201,
    response_model=AllocationPublic,
    responses={**problem_responses(400, 401, 403, 409, 422), **answer_headers(201, "Location")},
)
def allocate_funding_line(
    body: AllocationCreate,
    request: Request,
    response: Response,
    principal: AllocationAdmin,
    _idem: RequiredIdem,
    session: SessionDep,
) -> AllocationPublic:
    allocation = service.allocate(session, data=body, principal=principal)
    response.headers["Location"] = link(request.scope, f"/v1/allocations/{allocation.id}")
    return service.to_public(session, allocation)


@router.get(
    "/v1/allocations",
    name="list_funding_allocations",
    summary="List allocations",
    description="Allocations in the order they were made, optionally of one `year` and `line`.",
    response_model=Page[AllocationPublic],
    responses=problem_responses(401, 403, 422),
)
def list_funding_allocations(
    session: SessionDep,
    _reader: AllocationReader,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="Only this year.")] = None,
    line: Annotated[
        str | None, Query(max_length=60, pattern=LINE_PATTERN, description="Only this line.")
    ] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[AllocationPublic]:
    items, next_cursor = service.list_allocations(
        session, year=year, line=line, limit=limit, cursor=cursor
    )
    return Page[AllocationPublic](
        items=[service.to_public(session, a) for a in items], next_cursor=next_cursor
    )


@router.get(
    "/v1/allocations/{allocation_id}",
    name="get_funding_allocation",
    summary="Read an allocation",
    description="The shares, the matching owed for each and the rule sets used; 404 "
    "`allocation_not_found`.",
    response_model=AllocationPublic,
    responses=problem_responses(401, 403, 404),
)
def get_funding_allocation(
    allocation_id: AllocationId, session: SessionDep, _reader: AllocationReader
) -> AllocationPublic:
    found = service.get_allocation(session, allocation_id=allocation_id)
    return service.to_public(session, found)


@router.get(
    "/v1/districts/{code}/matching",
    name="get_district_matching",
    summary="A district's matching: owed, paid, outstanding per block",
    description="Each block of the district (optionally of one `year`): the city share, the "
    "matching owed, paid and outstanding, and the block account's balance. "
    + SPENDING_RULE
    + " An unknown district is 422 `unknown_district`.",
    response_model=DistrictMatchingPublic,
    responses=problem_responses(401, 403, 422),
)
def get_district_matching(
    code: DistrictCode,
    session: SessionDep,
    _reader: AllocationReader,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="Only this year.")] = None,
) -> DistrictMatchingPublic:
    return service.matching_of(session, district=code, year=year)


@router.post(
    "/v1/districts/{code}/matching/payments",
    name="report_matching_payment",
    summary="Report a district's matching payment into a block",
    description="The district (a department client whose org is the district code, with "
    "`funding:accept`) reports its matching money paid into its block of a line, or an admin "
    "records it (403 `not_this_district` otherwise): a ledger transfer "
    "`source:district:<code>` → `block:<year>:<line>:<code>`. No block: 404 `block_not_found`; "
    "more than still owed: 409 `matching_overpaid` (guarded in the database, so concurrent "
    "reports never pay more than owed). "
    + SPENDING_RULE
    + " Announced as `matching.paid`. `Idempotency-Key` is required.",
    status_code=201,
    response_model=MatchingPaymentPublic,
    responses={
        **problem_responses(400, 401, 403, 404, 409, 422),
        **answer_headers(201, "Location"),
    },
)
def report_matching_payment(
    code: DistrictCode,
    body: MatchingPaymentCreate,
    request: Request,
    response: Response,
    principal: MatchingReporter,
    _idem: RequiredIdem,
    session: SessionDep,
) -> MatchingPaymentPublic:
    payment = service.report_payment(session, district=code, data=body, principal=principal)
    response.headers["Location"] = link(request.scope, f"/v1/districts/{code}/matching")
    return service.payment_public(session, payment)
