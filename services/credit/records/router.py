"""HTTP routes of credit records and the public lists they feed."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.etag import IfMatch, OptionalIfMatch, etag_of
from services.common.idempotency import Idempotency, idempotent
from services.common.openapi import answer_headers
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.common.unitofwork import UnitOfWorkRoute
from services.credit.records import service
from services.credit.records.dependencies import Filer, Reader, TypeReader
from services.credit.records.rules import PublicList
from services.credit.records.schemas import (
    CreditPublicListEntry,
    CreditRecordBatchCreate,
    CreditRecordBatchPublic,
    CreditRecordFilters,
    CreditRecordPublic,
    CreditRecordTypePublic,
    CreditRecordUpdate,
    CreditRecordVersionPublic,
    CreditRecordWithdrawalCreate,
    CreditRepairCreate,
)

router = APIRouter(tags=["credit records"], route_class=UnitOfWorkRoute)
Idem = Annotated[Idempotency | None, Depends(idempotent(required=True))]
Filters = Annotated[CreditRecordFilters, Query()]
IncludeRemoved = Annotated[
    bool, Query(description="Also list entries that have ended or been repaired.")
]


def _answer(public: CreditRecordPublic, response: Response) -> None:
    response.headers["ETag"] = etag_of(public.id, public.version)


@router.get(
    "/v1/record-types",
    name="list_credit_record_types",
    summary="The kinds of credit record",
    description="Each type with its polarity (negative, positive or loan), English and Chinese "
    "names, who files it (loan records: banks; the rest: departments) and the public list it "
    "puts an enterprise on.",
    response_model=list[CreditRecordTypePublic],
    responses=problem_responses(401, 403),
)
def list_credit_record_types(_client: TypeReader) -> list[CreditRecordTypePublic]:
    return service.record_types()


@router.post(
    "/v1/records",
    name="file_credit_records",
    summary="File a batch of credit records",
    description="Departments file records of their remit; banks file `loan` records about "
    "their own loans (any other type: 403 `bank_files_loans_only`; a department filing `loan`: "
    "403 `loans_filed_by_banks`). The source is the caller's organisation. Every record is "
    "checked first: one 422 names each bad record and field (`body.records.<i>.<field>`) and "
    "nothing is stored. A reference the source filed before with the same content is answered "
    "`unchanged`; with other content the batch is refused with 409 `record_reference_taken` "
    "(correct that record instead). 201 when something was created, 200 when all were "
    "unchanged. Requires `Idempotency-Key`.",
    status_code=201,
    response_model=CreditRecordBatchPublic,
    responses={
        200: {"description": "Every record was already filed with this content."},
        **problem_responses(400, 401, 403, 409, 422),
    },
)
def file_credit_records(
    body: CreditRecordBatchCreate,
    client: Filer,
    _idem: Idem,
    session: SessionDep,
    response: Response,
) -> CreditRecordBatchPublic:
    batch = service.file_records(session=session, client=client, data=body)
    if batch.created == 0:
        response.status_code = 200
    return batch


@router.get(
    "/v1/records",
    name="list_credit_records",
    summary="List credit records",
    description="The demonstration office sees every record; a department or bank the records "
    "it filed; an enterprise (or a portal for it) the records about itself. `counting_on` "
    "keeps the records that count on that date (a negative one until 5 years after it ended).",
    response_model=Page[CreditRecordPublic],
    responses=problem_responses(401, 403, 422),
)
def list_credit_records(
    session: SessionDep,
    client: Reader,
    filters: Filters,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[CreditRecordPublic]:
    items, next_cursor = service.list_records(
        session=session, client=client, filters=filters, limit=limit, cursor=cursor
    )
    return Page[CreditRecordPublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/records/{record_id}",
    name="get_credit_record",
    summary="Read one credit record",
    description="404 for a record the caller may not see (see the list).",
    response_model=CreditRecordPublic,
    responses={**problem_responses(401, 403, 404), **answer_headers(200, "ETag")},
)
def get_credit_record(
    record_id: str, session: SessionDep, client: Reader, response: Response
) -> CreditRecordPublic:
    public = service.to_public(
        service.get_record(session=session, client=client, record_id=record_id)
    )
    response.headers["ETag"] = etag_of(public.id, public.version)
    return public


@router.get(
    "/v1/records/{record_id}/versions",
    name="list_credit_record_versions",
    summary="A credit record's versions",
    description="The filing, then each correction, withdrawal and repair: the content at each, "
    "who and why.",
    response_model=Page[CreditRecordVersionPublic],
    responses=problem_responses(401, 403, 404),
)
def list_credit_record_versions(
    record_id: str, session: SessionDep, client: Reader
) -> Page[CreditRecordVersionPublic]:
    return Page[CreditRecordVersionPublic](
        items=service.record_versions(session=session, client=client, record_id=record_id)
    )


@router.post(
    "/v1/records/{record_id}/corrections",
    name="correct_credit_record",
    summary="Correct a credit record",
    description="Only the source (403 `not_record_source`). Send the current ETag in "
    "`If-Match` (428 without, 412 stale). The fields given replace the record's; the type, "
    "enterprise and reference never change (withdraw and file anew). A new version, announced "
    "as `record.corrected`; an `ended_on` that takes a dishonesty record off the list also "
    "announces `dishonesty.cleared`.",
    response_model=CreditRecordPublic,
    responses={
        **problem_responses(401, 403, 404, 409, 412, 422, 428),
        **answer_headers(200, "ETag"),
    },
)
def correct_credit_record(
    record_id: str,
    body: CreditRecordUpdate,
    precondition: IfMatch,
    response: Response,
    session: SessionDep,
    client: Filer,
) -> CreditRecordPublic:
    record = service.correct_record(
        session=session,
        client=client,
        record_id=record_id,
        changes=body,
        precondition=precondition,
    )
    public = service.to_public(record)
    _answer(public, response)
    return public


@router.post(
    "/v1/records/{record_id}/withdrawal",
    name="withdraw_credit_record",
    summary="Withdraw a credit record",
    description="Only the source, with a reason; `If-Match` is optional. The record stops "
    "counting and leaves any public list (`record.withdrawn`, and `dishonesty.cleared` for a "
    "listed dishonesty record); its history is kept.",
    response_model=CreditRecordPublic,
    responses={
        **problem_responses(401, 403, 404, 409, 412, 422),
        **answer_headers(200, "ETag"),
    },
)
def withdraw_credit_record(
    record_id: str,
    body: CreditRecordWithdrawalCreate,
    precondition: OptionalIfMatch,
    response: Response,
    session: SessionDep,
    client: Filer,
) -> CreditRecordPublic:
    record = service.withdraw_record(
        session=session, client=client, record_id=record_id, data=body, precondition=precondition
    )
    public = service.to_public(record)
    _answer(public, response)
    return public


@router.post(
    "/v1/records/{record_id}/repair",
    name="repair_credit_record",
    summary="Credit repair (信用修复) of a negative record",
    description="Only the source, with a reason and evidence; `If-Match` is optional. The "
    "record becomes `repaired` today: it stops counting and takes the enterprise off the "
    "public list (`record.repaired`, and `dishonesty.cleared` for a dishonesty record), so the "
    "rating is recomputed.",
    response_model=CreditRecordPublic,
    responses={
        **problem_responses(401, 403, 404, 409, 412, 422),
        **answer_headers(200, "ETag"),
    },
)
def repair_credit_record(
    record_id: str,
    body: CreditRepairCreate,
    precondition: OptionalIfMatch,
    response: Response,
    session: SessionDep,
    client: Filer,
) -> CreditRecordPublic:
    record = service.repair_record(
        session=session, client=client, record_id=record_id, data=body, precondition=precondition
    )
    public = service.to_public(record)
    _answer(public, response)
    return public


@router.get(
    "/v1/public/dishonesty-list",
    name="get_public_dishonesty_list",
    summary="The dishonesty list (严重违法失信名单)",
    description="No key needed. Enterprises listed for serious violation and dishonesty, by "
    "listing date: since when (`listed_on`), why, by which department; `include_removed=true` adds entries that "
    "ended or were repaired, with `removed_on`. Withdrawn records never appear.",
    response_model=Page[CreditPublicListEntry],
    responses=problem_responses(422),
)
def get_public_dishonesty_list(
    session: SessionDep,
    include_removed: IncludeRemoved = False,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[CreditPublicListEntry]:
    items, next_cursor = service.public_list(
        session=session,
        which=PublicList.DISHONESTY,
        include_removed=include_removed,
        limit=limit,
        cursor=cursor,
    )
    return Page[CreditPublicListEntry](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/public/abnormal-operations",
    name="get_public_abnormal_operations",
    summary="The abnormal-operations list (经营异常名录)",
    description="No key needed. Enterprises listed for abnormal operation, as the dishonesty list.",
    response_model=Page[CreditPublicListEntry],
    responses=problem_responses(422),
)
def get_public_abnormal_operations(
    session: SessionDep,
    include_removed: IncludeRemoved = False,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[CreditPublicListEntry]:
    items, next_cursor = service.public_list(
        session=session,
        which=PublicList.ABNORMAL_OPERATIONS,
        include_removed=include_removed,
        limit=limit,
        cursor=cursor,
    )
    return Page[CreditPublicListEntry](items=items, next_cursor=next_cursor)
