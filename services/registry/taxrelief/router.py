"""HTTP routes of tax and fee relief."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.etag import IfMatch
from services.common.idempotency import Idempotency, idempotent
from services.common.openapi import answer_headers
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.common.unitofwork import UnitOfWorkRoute
from services.registry.taxrelief import service
from services.registry.taxrelief.dependencies import Officials, Reader, Writer
from services.registry.taxrelief.schemas import (
    QuarterlyReliefReport,
    TaxReliefFilingCreate,
    TaxReliefFilingPublic,
    TaxReliefFilingUpdate,
    TaxType,
)

router = APIRouter(tags=["tax relief"], route_class=UnitOfWorkRoute)

Idem = Annotated[Idempotency | None, Depends(idempotent(required=False))]
FilingPath = Annotated[
    str, Path(max_length=40, description="Filing id.", examples=["trf_01JA2B3C4D5E6F7G8H9J0KMNPQ"])
]


@router.post(
    "/v1/tax-relief/filings",
    summary="File a quarter's tax or fee relief",
    description="Tax departments (`tax`, `state_tax`, `local_tax`) file, per quarter and tax "
    "type, how many enterprises were relieved and by how much (fen). One filing per "
    "department, type and quarter (409 otherwise: correct it with PUT).",
    operation_id="file_tax_relief",
    status_code=201,
    response_model=TaxReliefFilingPublic,
    responses={**problem_responses(400, 401, 403, 409, 422), **answer_headers(201, "ETag")},
)
def file_tax_relief(
    body: TaxReliefFilingCreate,
    session: SessionDep,
    client: Writer,
    _kind: Officials,
    _idem: Idem,
    response: Response,
) -> TaxReliefFilingPublic:
    filing, etag = service.file_relief(session, body=body, principal=client)
    response.headers["ETag"] = etag
    return filing


@router.get(
    "/v1/tax-relief/filings",
    summary="List tax relief filings",
    description="Filings in the order they were made, filtered by period, type and department.",
    operation_id="list_tax_relief_filings",
    response_model=Page[TaxReliefFilingPublic],
    responses=problem_responses(401, 403, 422),
)
def list_tax_relief_filings(
    session: SessionDep,
    _client: Reader,
    _kind: Officials,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    quarter: Annotated[int | None, Query(ge=1, le=4)] = None,
    tax_type: Annotated[TaxType | None, Query()] = None,
    department: Annotated[str | None, Query(max_length=40)] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[TaxReliefFilingPublic]:
    items, next_cursor = service.list_filings(
        session,
        year=year,
        quarter=quarter,
        tax_type=tax_type,
        department=department,
        limit=limit,
        cursor=cursor,
    )
    return Page[TaxReliefFilingPublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/tax-relief/filings/{filing_id}",
    summary="Get a tax relief filing",
    description="With an `ETag` to send as `If-Match` when correcting it.",
    operation_id="get_tax_relief_filing",
    response_model=TaxReliefFilingPublic,
    responses={**problem_responses(401, 403, 404, 422), **answer_headers(200, "ETag")},
)
def get_tax_relief_filing(
    filing_id: FilingPath,
    session: SessionDep,
    _client: Reader,
    _kind: Officials,
    response: Response,
) -> TaxReliefFilingPublic:
    filing, etag = service.get_filing(session, filing_id=filing_id)
    response.headers["ETag"] = etag
    return filing


@router.put(
    "/v1/tax-relief/filings/{filing_id}",
    summary="Correct a tax relief filing",
    description="The filing department or an administrator replaces the figures; `If-Match` "
    "with the current ETag is required (412 when stale, 428 when missing).",
    operation_id="correct_tax_relief_filing",
    response_model=TaxReliefFilingPublic,
    responses={**problem_responses(401, 403, 404, 412, 422, 428), **answer_headers(200, "ETag")},
)
def correct_tax_relief_filing(
    filing_id: FilingPath,
    body: TaxReliefFilingUpdate,
    precondition: IfMatch,
    response: Response,
    session: SessionDep,
    client: Writer,
    _kind: Officials,
) -> TaxReliefFilingPublic:
    filing, etag = service.correct_filing(
        session,
        filing_id=filing_id,
        body=body,
        principal=client,
        etag_check=precondition,
    )
    response.headers["ETag"] = etag
    return filing


@router.get(
    "/v1/tax-relief/reports/quarterly",
    summary="Quarterly tax relief report by tax type",
    description="Every tax type with the enterprises relieved and the amount (fen) in the "
    "quarter, over all tax departments, and the totals.",
    operation_id="get_quarterly_tax_relief_report",
    response_model=QuarterlyReliefReport,
    responses=problem_responses(401, 403, 422),
)
def get_quarterly_tax_relief_report(
    session: SessionDep,
    _client: Reader,
    _kind: Officials,
    year: Annotated[int, Query(ge=2000, le=2100, examples=[2015])],
    quarter: Annotated[int, Query(ge=1, le=4, examples=[2])],
) -> QuarterlyReliefReport:
    return service.quarterly_report(session, year=year, quarter=quarter)
