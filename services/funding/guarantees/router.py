"""HTTP routes of guarantee risk compensation: institutions (admin), guarantees and payouts
(the institutions, as `bank` clients)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.idempotency import Idempotency, idempotent
from services.common.links import link
from services.common.openapi import answer_headers
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.common.unitofwork import UnitOfWorkRoute
from services.funding.guarantees import service
from services.funding.guarantees.dependencies import (
    GuaranteeAdmin,
    GuaranteeInstitutionClient,
    GuaranteeReader,
)
from services.funding.guarantees.schemas import (
    GuaranteeCreate,
    GuaranteeFilters,
    GuaranteeInstitutionCreate,
    GuaranteeInstitutionPublic,
    GuaranteePayoutCreate,
    GuaranteePayoutPublic,
    GuaranteePublic,
)

router = APIRouter(tags=["guarantee compensation"], route_class=UnitOfWorkRoute)
RequiredIdem = Annotated[Idempotency | None, Depends(idempotent(required=True))]
OptionalIdem = Annotated[Idempotency | None, Depends(idempotent(required=False))]
Filters = Annotated[GuaranteeFilters, Query()]


@router.post(
    "/v1/guarantee-institutions",
    name="register_guarantee_institution",
    summary="Admit a guarantee institution to the compensation scheme (admin)",
    description="Its `code` is the `org` of its gateway client (kind `bank`, scope "
    "`funding:loans`); compensation is paid to its `uscc`. A taken code or USCC is 409 "
    "`guarantee_institution_exists`. `Idempotency-Key` is optional.",
    status_code=201,
    response_model=GuaranteeInstitutionPublic,
    responses=problem_responses(400, 401, 403, 409, 422),
)
def register_guarantee_institution(
    body: GuaranteeInstitutionCreate,
    principal: GuaranteeAdmin,
    _idem: OptionalIdem,
    session: SessionDep,
) -> GuaranteeInstitutionPublic:
    row = service.register_institution(session=session, principal=principal, data=body)
    return GuaranteeInstitutionPublic.model_validate(row)


@router.get(
    "/v1/guarantee-institutions",
    name="list_guarantee_institutions",
    summary="List the guarantee institutions of the scheme",
    response_model=list[GuaranteeInstitutionPublic],
    responses=problem_responses(401, 403),
)
def list_guarantee_institutions(
    session: SessionDep, _principal: GuaranteeReader
) -> list[GuaranteeInstitutionPublic]:
    return [
        GuaranteeInstitutionPublic.model_validate(row)
        for row in service.list_institutions(session=session)
    ]


@router.post(
    "/v1/guarantees",
    name="register_guarantee",
    summary="Register a guarantee of an SME loan (a guarantee institution)",
    description="The calling client's `org` must be a registered guarantee institution (403 "
    "`not_a_guarantee_institution`); the borrower a filed, active small or micro enterprise "
    "(422 `unknown_enterprise`, `guarantee_not_sme`). One guarantee per institution and loan "
    "contract (409 `guarantee_exists`). `Idempotency-Key` is optional.",
    status_code=201,
    response_model=GuaranteePublic,
    responses={
        **problem_responses(400, 401, 403, 409, 422),
        **answer_headers(
            201,
            "Location",
            links={
                "get_guarantee": {"guarantee_id": "$response.body#/id"},
                "list_guarantee_payouts": {"guarantee_id": "$response.body#/id"},
            },
        ),
    },
)
def register_guarantee(
    body: GuaranteeCreate,
    request: Request,
    response: Response,
    principal: GuaranteeInstitutionClient,
    _idem: OptionalIdem,
    session: SessionDep,
) -> GuaranteePublic:
    row = service.register_guarantee(session=session, principal=principal, data=body)
    response.headers["Location"] = link(request.scope, f"/v1/guarantees/{row.id}")
    return GuaranteePublic.model_validate(row)


@router.get(
    "/v1/guarantees",
    name="list_guarantees",
    summary="List guarantees",
    description="The administration and departments see all, an institution its own. Filters: "
    "`institution`, `enterprise` (USCC). Oldest first.",
    response_model=Page[GuaranteePublic],
    responses=problem_responses(401, 403, 422),
)
def list_guarantees(
    session: SessionDep,
    principal: GuaranteeReader,
    filters: Filters,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[GuaranteePublic]:
    items, next_cursor = service.list_guarantees(
        session=session, principal=principal, filters=filters, limit=limit, cursor=cursor
    )
    return Page[GuaranteePublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/guarantees/{guarantee_id}",
    name="get_guarantee",
    summary="Read one guarantee",
    response_model=GuaranteePublic,
    responses=problem_responses(401, 403, 404),
)
def get_guarantee(
    guarantee_id: str, session: SessionDep, principal: GuaranteeReader
) -> GuaranteePublic:
    row = service.get_guarantee(session=session, principal=principal, guarantee_id=guarantee_id)
    return GuaranteePublic.model_validate(row)


@router.post(
    "/v1/guarantees/{guarantee_id}/payouts",
    name="report_guarantee_payout",
    summary="Report a payout (代偿) under a guarantee and claim the fund's share",
    description="The institution that gave the guarantee reports a payout it made to the lender "
    "(on or after the guarantee's start, not in the future: 422 "
    "`guarantee_payout_outside_term`). Payouts never exceed the guaranteed amount (409 "
    "`guarantee_payout_exceeds_guarantee`); one per institution payout `reference` (409 "
    "`guarantee_payout_exists`). The fund's compensation is payout × the share in force on the "
    "payout day (rule family `funding.guarantee.compensation`) / 10000, rounded down to the fen, "
    "proposed at once as a disbursement to the institution from "
    "`line:<year>:financing:guarantee-risk`: one the line cannot cover is 409 "
    "`ledger_insufficient_funds`, nothing recorded. `Idempotency-Key` is required.",
    status_code=201,
    response_model=GuaranteePayoutPublic,
    responses=problem_responses(400, 401, 403, 404, 409, 422),
)
def report_guarantee_payout(
    guarantee_id: str,
    body: GuaranteePayoutCreate,
    principal: GuaranteeInstitutionClient,
    _idem: RequiredIdem,
    session: SessionDep,
) -> GuaranteePayoutPublic:
    row = service.report_payout(
        session=session, principal=principal, guarantee_id=guarantee_id, data=body
    )
    return GuaranteePayoutPublic.model_validate(row)


@router.get(
    "/v1/guarantees/{guarantee_id}/payouts",
    name="list_guarantee_payouts",
    summary="List a guarantee's payouts and their compensation",
    response_model=list[GuaranteePayoutPublic],
    responses=problem_responses(401, 403, 404),
)
def list_guarantee_payouts(
    guarantee_id: str, session: SessionDep, principal: GuaranteeReader
) -> list[GuaranteePayoutPublic]:
    rows = service.list_payouts(session=session, principal=principal, guarantee_id=guarantee_id)
    return [GuaranteePayoutPublic.model_validate(row) for row in rows]
