"""HTTP routes of disbursements: reads (admin, departments; an enterprise its own) and the
admin's approval, payment and cancellation."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.etag import IfMatch
from services.common.idempotency import Idempotency, idempotent
from services.common.openapi import answer_headers
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.common.unitofwork import UnitOfWorkRoute
from services.funding.disbursements import service, settlements
from services.funding.disbursements.dependencies import DisbursementAdmin, DisbursementReader
from services.funding.disbursements.schemas import (
    DisbursementApprovalCreate,
    DisbursementCancellationCreate,
    DisbursementFilters,
    DisbursementPaymentCreate,
    DisbursementPublic,
    SettlementRequestFilters,
    SettlementRequestPublic,
)
from services.funding.settings import FundingSettings

router = APIRouter(tags=["disbursements"], route_class=UnitOfWorkRoute)
RequiredIdem = Annotated[Idempotency | None, Depends(idempotent(required=True))]
OptionalIdem = Annotated[Idempotency | None, Depends(idempotent(required=False))]
Filters = Annotated[DisbursementFilters, Query()]
RequestFilters = Annotated[SettlementRequestFilters, Query()]


@router.get(
    "/v1/disbursements",
    name="list_disbursements",
    summary="List disbursements",
    description="The administration and departments see every disbursement, an enterprise (or "
    "its portal) those paying it, a provider those paying its voucher settlements. Filters: `status`, `purpose` (`reward`, "
    "`voucher_settlement`, …), `payee` (USCC), `year`, `line` (budget line). Oldest first.",
    response_model=Page[DisbursementPublic],
    responses=problem_responses(401, 403, 422),
)
def list_disbursements(
    session: SessionDep,
    principal: DisbursementReader,
    filters: Filters,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[DisbursementPublic]:
    items, next_cursor = service.list_disbursements(
        session=session, principal=principal, filters=filters, limit=limit, cursor=cursor
    )
    return Page[DisbursementPublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/disbursements/{disbursement_id}",
    name="get_disbursement",
    summary="Read one disbursement",
    description="The administration and departments any, an enterprise (or its portal) one "
    "paying it, a provider one paying its voucher settlement; anyone else's answers 404 "
    "`disbursement_not_found`.",
    response_model=DisbursementPublic,
    responses={**problem_responses(401, 403, 404), **answer_headers(200, "ETag")},
)
def get_disbursement(
    disbursement_id: str, session: SessionDep, principal: DisbursementReader, response: Response
) -> DisbursementPublic:
    row = service.get_disbursement(
        session=session, principal=principal, disbursement_id=disbursement_id
    )
    response.headers["ETag"] = service.etag(row)
    return service.to_public(row)


@router.post(
    "/v1/disbursements/{disbursement_id}/approval",
    name="approve_disbursement",
    summary="Approve a proposed disbursement (a second admin)",
    description="Four eyes (四眼原则): an admin other than the one who proposed it approves a "
    "disbursement (403 `four_eyes_required`; reward runs and financing proposals name the "
    "admin who committed them, voucher settlements the funding service itself). A payee on the "
    "serious-dishonesty list today cannot be approved (409 `payee_on_dishonesty_list`, "
    "失信联合惩戒): the disbursement stays proposed, its money committed, until the listing "
    "ends or it is cancelled. Only a proposed one (409 `disbursement_not_proposed`). Send the "
    "disbursement's ETag in `If-Match` (428 without it, 412 when stale). `Idempotency-Key` is "
    "optional (no money moves).",
    response_model=DisbursementPublic,
    responses={
        **problem_responses(400, 401, 403, 404, 409, 412, 422, 428),
        **answer_headers(200, "ETag"),
    },
)
def approve_disbursement(
    disbursement_id: str,
    body: DisbursementApprovalCreate,
    precondition: IfMatch,
    principal: DisbursementAdmin,
    _idem: OptionalIdem,
    session: SessionDep,
    response: Response,
) -> DisbursementPublic:
    row = service.approve(
        session=session,
        principal=principal,
        disbursement_id=disbursement_id,
        note=body.note,
        precondition=precondition,
    )
    response.headers["ETag"] = service.etag(row)
    return service.to_public(row)


@router.post(
    "/v1/disbursements/{disbursement_id}/payment",
    name="pay_disbursement",
    summary="Record the bank's payment of an approved disbursement",
    description="Moves the money from `payable` to the payee's account, publishes the payment "
    "in the public ledger and announces `disbursement.paid` (with `settlement_id` when it pays "
    "a voucher settlement, which the vouchers service then marks paid). Only an approved one "
    "(409 `disbursement_not_approved`). Idempotent on the bank's `payment_reference`: paying a "
    "paid disbursement again with the same reference answers the same, with another 409 "
    "`disbursement_paid_otherwise`; a reference that pays another disbursement 409 "
    "`payment_reference_used`. `paid_on` is an ISO date from 2000-01-01 (a number is not a "
    "day: 422), never after today (422 `payment_day_in_future`). Send the disbursement's ETag in `If-Match` (428 without it, 412 "
    "when stale; not checked for a repeat with the same reference). `Idempotency-Key` is "
    "required.",
    response_model=DisbursementPublic,
    responses={
        **problem_responses(400, 401, 403, 404, 409, 412, 422, 428),
        **answer_headers(200, "ETag"),
    },
)
def pay_disbursement(
    disbursement_id: str,
    body: DisbursementPaymentCreate,
    precondition: IfMatch,
    principal: DisbursementAdmin,
    _idem: RequiredIdem,
    session: SessionDep,
    response: Response,
) -> DisbursementPublic:
    row = service.pay(
        session=session,
        principal=principal,
        disbursement_id=disbursement_id,
        payment_reference=body.payment_reference,
        paid_on=body.paid_on,
        precondition=precondition,
    )
    response.headers["ETag"] = service.etag(row)
    return service.to_public(row)


@router.post(
    "/v1/disbursements/{disbursement_id}/cancellation",
    name="cancel_disbursement",
    summary="Cancel a proposed or approved disbursement",
    description="Moves its committed money from `payable` back to the account it came from and "
    "announces `disbursement.cancelled`. A paid or cancelled one answers 409 "
    "`disbursement_not_cancellable` (a paid one is corrected by a reversing transfer in the "
    "ledger and a correcting public record, not here). Send the disbursement's ETag in "
    "`If-Match` (428 without it, 412 when stale). `Idempotency-Key` is required.",
    response_model=DisbursementPublic,
    responses={
        **problem_responses(400, 401, 403, 404, 409, 412, 422, 428),
        **answer_headers(200, "ETag"),
    },
)
def cancel_disbursement(
    disbursement_id: str,
    body: DisbursementCancellationCreate,
    precondition: IfMatch,
    principal: DisbursementAdmin,
    _idem: RequiredIdem,
    session: SessionDep,
    response: Response,
) -> DisbursementPublic:
    row = service.cancel(
        session=session,
        principal=principal,
        disbursement_id=disbursement_id,
        reason=body.reason,
        precondition=precondition,
    )
    response.headers["ETag"] = service.etag(row)
    return service.to_public(row)


@router.get(
    "/v1/settlement-requests",
    name="list_settlement_requests",
    summary="List the voucher settlements asked of funding (admin)",
    description="Each `settlement.requested` the vouchers feed delivered, once, with what became "
    "of it: `proposed` (a disbursement from the voucher budget line, `FUNDING_VOUCHER_BUDGET_LINE`"
    ", default `public-services`, of the settlement's year unless `FUNDING_VOUCHER_BUDGET_YEAR` "
    "is set), `nothing_to_pay` (an amount of zero or less: nothing proposed) or `not_funded` (the "
    "line is missing or short; `detail` says which). Filter by `outcome`. Oldest first.",
    response_model=Page[SettlementRequestPublic],
    responses=problem_responses(401, 403, 422),
)
def list_settlement_requests(
    session: SessionDep,
    principal: DisbursementAdmin,
    filters: RequestFilters,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[SettlementRequestPublic]:
    rows, next_cursor = settlements.list_settlement_requests(
        session=session, outcome=filters.outcome, limit=limit, cursor=cursor
    )
    items = [SettlementRequestPublic.model_validate(row) for row in rows]
    return Page[SettlementRequestPublic](items=items, next_cursor=next_cursor)


@router.post(
    "/v1/settlement-requests/{settlement_id}/proposal",
    name="propose_settlement_again",
    summary="Propose a settlement that could not be funded, again (admin)",
    description="Once the voucher line is funded, proposes a `not_funded` settlement's "
    "disbursement, committing its money (the caller is its proposer: another admin approves "
    "it). Only a `not_funded` one (409 `settlement_request_not_pending`); still short or "
    "missing: 409 `settlement_still_not_funded`, nothing changed. `Idempotency-Key` is required.",
    response_model=SettlementRequestPublic,
    responses=problem_responses(400, 401, 403, 404, 409, 422),
)
def propose_settlement_again(
    settlement_id: str,
    request: Request,
    principal: DisbursementAdmin,
    _idem: RequiredIdem,
    session: SessionDep,
) -> SettlementRequestPublic:
    settings: FundingSettings = request.app.state.settings
    row = settlements.retry_settlement(
        session=session, principal=principal, settlement_id=settlement_id, settings=settings
    )
    return SettlementRequestPublic.model_validate(row)
