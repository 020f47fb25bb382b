"""HTTP routes of vouchers (reads; issuance happens on an application's approval)."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.etag import etag_of
from services.common.openapi import answer_headers
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.common.unitofwork import UnitOfWorkRoute
from services.vouchers.vouchers import service
from services.vouchers.vouchers.dependencies import VoucherReader
from services.vouchers.vouchers.schemas import VoucherFilters, VoucherPublic

router = APIRouter(tags=["vouchers"], route_class=UnitOfWorkRoute)
Filters = Annotated[VoucherFilters, Query()]


@router.get(
    "/v1/vouchers",
    name="list_vouchers",
    summary="List vouchers: the holder's own, or all for the administration",
    description="An enterprise (or a portal on its behalf) sees its vouchers with their codes, "
    "balances and expiry; the administration sees every voucher without its code. Providers "
    "never list vouchers. `code` finds one voucher by its code: a code whose check symbol is "
    "wrong (a typo) is 422 `voucher_code_invalid` before anything is looked up.",
    response_model=Page[VoucherPublic],
    responses=problem_responses(401, 403, 422),
)
def list_vouchers(
    session: SessionDep,
    client: VoucherReader,
    filters: Filters,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[VoucherPublic]:
    items, next_cursor = service.list_vouchers(
        session=session, client=client, filters=filters, limit=limit, cursor=cursor
    )
    return Page[VoucherPublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/vouchers/{voucher_id}",
    name="get_voucher",
    summary="Read one voucher",
    description="The holder (or its portal) sees it with its code; the administration without. "
    "Anyone else gets 404.",
    response_model=VoucherPublic,
    responses={**problem_responses(401, 403, 404), **answer_headers(200, "ETag")},
)
def get_voucher(
    voucher_id: str, session: SessionDep, client: VoucherReader, response: Response
) -> VoucherPublic:
    voucher = service.get_voucher(session=session, client=client, voucher_id=voucher_id)
    response.headers["ETag"] = etag_of(voucher.id, voucher.version)
    return service.to_public(voucher, client=client)
