"""HTTP routes of the query log."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.common.unitofwork import UnitOfWorkRoute
from services.credit.queries import service
from services.credit.queries.dependencies import BankLogReader, EnterpriseLogReader
from services.credit.queries.schemas import CreditQueryFilters, CreditQueryPublic

router = APIRouter(tags=["queries"], route_class=UnitOfWorkRoute)
Filters = Annotated[CreditQueryFilters, Query()]
Uscc = Annotated[str, Path(max_length=18, description="Unified social credit code.")]


@router.get(
    "/v1/enterprises/{uscc}/queries",
    name="list_enterprise_credit_queries",
    summary="Who read the enterprise's credit report: its whole query log",
    description="Every attempt by a bank, granted or refused (with the refusal's code): bank, "
    "client, purpose, consent, time and request id, oldest first. The enterprise, or a portal "
    "on its behalf; any other enterprise is 403 `not_your_enterprise`.",
    response_model=Page[CreditQueryPublic],
    responses=problem_responses(401, 403, 422),
)
def list_enterprise_credit_queries(
    uscc: Uscc,
    session: SessionDep,
    client: EnterpriseLogReader,
    filters: Filters,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[CreditQueryPublic]:
    items, next_cursor = service.enterprise_log(
        session=session, client=client, uscc=uscc, filters=filters, limit=limit, cursor=cursor
    )
    return Page[CreditQueryPublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/queries",
    name="list_bank_credit_queries",
    summary="The bank's own credit report queries",
    description="The calling bank's attempts, granted or refused, oldest first; never another "
    "bank's. `uscc` narrows them to one enterprise.",
    response_model=Page[CreditQueryPublic],
    responses=problem_responses(401, 403, 422),
)
def list_bank_credit_queries(
    session: SessionDep,
    client: BankLogReader,
    filters: Filters,
    uscc: Annotated[str | None, Query(max_length=18)] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[CreditQueryPublic]:
    items, next_cursor = service.bank_log(
        session=session, client=client, uscc=uscc, filters=filters, limit=limit, cursor=cursor
    )
    return Page[CreditQueryPublic](items=items, next_cursor=next_cursor)
