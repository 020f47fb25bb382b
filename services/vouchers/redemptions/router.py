"""HTTP routes of redemptions: redeem, reverse, read."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.etag import OptionalIfMatch, etag_of
from services.common.idempotency import Idempotency, idempotent
from services.common.links import link
from services.common.openapi import answer_headers
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.common.unitofwork import UnitOfWorkRoute
from services.vouchers.redemptions import service
from services.vouchers.redemptions.dependencies import Reader, Redeemer, Reverser
from services.vouchers.redemptions.schemas import (
    RedemptionCreate,
    RedemptionFilters,
    RedemptionPublic,
    RedemptionReversalCreate,
)

router = APIRouter(tags=["redemptions"], route_class=UnitOfWorkRoute)
RequiredIdem = Annotated[Idempotency | None, Depends(idempotent(required=True))]
Filters = Annotated[RedemptionFilters, Query()]


def _etag(public: RedemptionPublic) -> dict[str, str]:
    return {"ETag": etag_of(public.id, public.version)}


@router.post(
    "/v1/redemptions",
    name="redeem_voucher",
    summary="Redeem a voucher against a contract (providers)",
    description="The provider is the one the key belongs to. In order, each refusal with its own "
    "`code`: a malformed code or wrong check character (`voucher_code_invalid`, before any "
    "lookup), an unknown voucher (`voucher_not_found`), a voucher expired or void "
    "(`voucher_not_active`, `voucher_expired`), a holder no longer eligible under the programme's rules or on the dishonesty "
    "list (`holder_not_eligible`, `holder_on_dishonesty_list`), a provider not approved or not "
    "for the category (`provider_not_approved`, `provider_category_not_approved`), a category "
    "the programme does not cover (`category_not_covered`), a related party "
    "(`provider_is_holder`, `shared_legal_representative`), more than the balance "
    "(`insufficient_balance`), more than the contract's covered share with its earlier "
    "redemptions (`exceeds_covered_share`; `contract_mismatch` when the reference was used with "
    "other terms), more than the holder's yearly cap (`yearly_cap_exceeded`). Partial "
    "redemption is allowed. `Idempotency-Key` is required; announced as `voucher.redeemed`.",
    status_code=201,
    response_model=RedemptionPublic,
    responses={
        **problem_responses(400, 401, 403, 404, 409, 422),
        **answer_headers(
            201,
            "ETag",
            "Location",
            links={"get_redemption": {"redemption_id": "$response.body#/id"}},
        ),
    },
)
def redeem_voucher(
    body: RedemptionCreate,
    request: Request,
    response: Response,
    principal: Redeemer,
    _idem: RequiredIdem,
    session: SessionDep,
) -> RedemptionPublic:
    public = service.to_public(service.redeem(session=session, principal=principal, data=body))
    response.headers.update(
        {**_etag(public), "Location": link(request.scope, f"/v1/redemptions/{public.id}")}
    )
    return public


@router.get(
    "/v1/redemptions",
    name="list_redemptions",
    summary="List redemptions",
    description="A provider sees only its own redemptions; the holder (an enterprise, or a "
    "portal on its behalf) the use of its vouchers (`voucher=` one of them); admin all. "
    "Ordered by id (oldest first).",
    response_model=Page[RedemptionPublic],
    responses=problem_responses(401, 403, 404, 422),
)
def list_redemptions(
    session: SessionDep,
    principal: Reader,
    filters: Filters,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[RedemptionPublic]:
    items, next_cursor = service.list_redemptions(
        session=session, principal=principal, filters=filters, limit=limit, cursor=cursor
    )
    return Page[RedemptionPublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/redemptions/{redemption_id}",
    name="get_redemption",
    summary="Read one redemption",
    description="A provider reads its own, a holder those of its vouchers, admin any; anyone "
    "else's answers 404.",
    response_model=RedemptionPublic,
    responses={**problem_responses(401, 403, 404), **answer_headers(200, "ETag")},
)
def get_redemption(
    redemption_id: str, session: SessionDep, principal: Reader, response: Response
) -> RedemptionPublic:
    public = service.to_public(
        service.get_redemption(session=session, principal=principal, redemption_id=redemption_id)
    )
    response.headers.update(_etag(public))
    return public


@router.post(
    "/v1/redemptions/{redemption_id}/reversal",
    name="reverse_redemption",
    summary="Reverse a redemption within 30 days",
    description="By the provider that made it or an admin. The amount goes back to the voucher "
    "(never above its face value; to the programme's budget if the voucher has expired since), "
    "to the contract's covered share and to the holder's yearly cap. After 30 days: "
    "`reversal_window_passed`; twice: `redemption_already_reversed`. A settled redemption may be "
    "reversed: its provider's next settlement claws it back (`clawback`). `If-Match` is "
    "optional. Announced as `redemption.reversed`.",
    response_model=RedemptionPublic,
    responses={**problem_responses(401, 403, 404, 409, 412, 422), **answer_headers(200, "ETag")},
)
def reverse_redemption(
    redemption_id: str,
    body: RedemptionReversalCreate,
    precondition: OptionalIfMatch,
    response: Response,
    session: SessionDep,
    principal: Reverser,
) -> RedemptionPublic:
    public = service.to_public(
        service.reverse(
            session=session,
            principal=principal,
            redemption_id=redemption_id,
            data=body,
            precondition=precondition,
        )
    )
    response.headers.update(_etag(public))
    return public
