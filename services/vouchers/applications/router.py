"""HTTP routes of voucher applications."""

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
from services.vouchers.applications import service
from services.vouchers.applications.dependencies import Applicant, ApplicationReader, Decider
from services.vouchers.applications.schemas import (
    VoucherApplicationCreate,
    VoucherApplicationDecisionCreate,
    VoucherApplicationFilters,
    VoucherApplicationPublic,
)

router = APIRouter(tags=["applications"], route_class=UnitOfWorkRoute)
RequiredIdem = Annotated[Idempotency | None, Depends(idempotent(required=True))]
Filters = Annotated[VoucherApplicationFilters, Query()]


@router.post(
    "/v1/applications",
    name="apply_for_voucher",
    summary="Apply for a voucher of an open programme",
    description="The enterprise, or a portal on its behalf (recorded as `actor`), applies for "
    "one voucher of an open programme (409 `programme_not_open`) for categories it covers "
    "(422 `category_not_covered`). The enterprise must be in the register (422 "
    "`unknown_enterprise`), not deregistered (409 `enterprise_deregistered`) and not on the "
    "dishonesty list (409 `enterprise_on_dishonesty_list`). Eligibility is evaluated and kept "
    "with the rules' trace as `reasons`: an ineligible application is refused at once; under the "
    "programme's `auto_approve` an eligible one is approved and its voucher issued at once "
    "(409 `programme_budget_exhausted` or `yearly_cap_reached`, nothing recorded). "
    "`Idempotency-Key` is required; a retry with the same key returns the first answer.",
    status_code=201,
    response_model=VoucherApplicationPublic,
    responses={
        **problem_responses(400, 401, 403, 409, 422),
        **answer_headers(
            201,
            "ETag",
            "Location",
            links={"get_voucher_application": {"application_id": "$response.body#/id"}},
        ),
    },
)
def apply_for_voucher(
    body: VoucherApplicationCreate,
    request: Request,
    client: Applicant,
    _idem: RequiredIdem,
    session: SessionDep,
    response: Response,
) -> VoucherApplicationPublic:
    application = service.apply_for_voucher(session=session, client=client, data=body)
    public = service.to_public(application)
    response.headers.update(
        {
            "ETag": service.etag(application),
            "Location": link(request.scope, f"/v1/applications/{public.id}"),
        }
    )
    return public


@router.get(
    "/v1/applications",
    name="list_voucher_applications",
    summary="List voucher applications: the enterprise's own, or all for the administration",
    description="An enterprise (or its portal) sees its applications; the administration all.",
    response_model=Page[VoucherApplicationPublic],
    responses=problem_responses(401, 403, 422),
)
def list_voucher_applications(
    session: SessionDep,
    client: ApplicationReader,
    filters: Filters,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[VoucherApplicationPublic]:
    items, next_cursor = service.list_applications(
        session=session, client=client, filters=filters, limit=limit, cursor=cursor
    )
    return Page[VoucherApplicationPublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/applications/{application_id}",
    name="get_voucher_application",
    summary="Read one voucher application",
    description="The applicant (or its portal) and the administration; anyone else gets 404.",
    response_model=VoucherApplicationPublic,
    responses={**problem_responses(401, 403, 404), **answer_headers(200, "ETag")},
)
def get_voucher_application(
    application_id: str, session: SessionDep, client: ApplicationReader, response: Response
) -> VoucherApplicationPublic:
    application = service.get_application(
        session=session, client=client, application_id=application_id
    )
    response.headers["ETag"] = service.etag(application)
    return service.to_public(application)


@router.post(
    "/v1/applications/{application_id}/decision",
    name="decide_voucher_application",
    summary="Approve or refuse a pending voucher application",
    description="The administration. Send the application's ETag in `If-Match` (428 without "
    "it, 412 when stale). A refusal names its reason (422 `decision_reason_required`). An "
    "approval checks again that the enterprise is registered, not on the dishonesty list and "
    "eligible (409 `application_ineligible`), then issues the voucher, committing its face "
    "value of the programme's budget and the enterprise's yearly cap atomically (409 "
    "`programme_budget_exhausted`, `yearly_cap_reached`, `programme_not_open`). A decided "
    "application answers 409 `application_already_decided`. Issuance emits `voucher.issued`.",
    response_model=VoucherApplicationPublic,
    responses={
        **problem_responses(401, 403, 404, 409, 412, 422, 428),
        **answer_headers(200, "ETag"),
    },
)
def decide_voucher_application(
    application_id: str,
    body: VoucherApplicationDecisionCreate,
    precondition: IfMatch,
    session: SessionDep,
    client: Decider,
    response: Response,
) -> VoucherApplicationPublic:
    application = service.decide_application(
        session=session,
        client=client,
        application_id=application_id,
        data=body,
        precondition=precondition,
    )
    response.headers["ETag"] = service.etag(application)
    return service.to_public(application)
