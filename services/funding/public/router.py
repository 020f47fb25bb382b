"""HTTP routes of the public ledger: no key to read; an admin may ask for a checkpoint."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from services.common.db import DatabaseDep, SessionDep
from services.common.errors import problem_responses
from services.common.idempotency import Idempotency, idempotent
from services.common.links import link
from services.common.openapi import answer_headers
from services.common.pagination import CursorQuery, Page
from services.common.unitofwork import UnitOfWorkRoute
from services.funding.public import service
from services.funding.public.dependencies import LedgerAdmin, LedgerKeyDep, LedgerSettings
from services.funding.public.schemas import (
    LedgerChainHeadPublic,
    LedgerCheckpointPublic,
    LedgerRecordPublic,
    LedgerSigningKeyPublic,
)

router = APIRouter(tags=["public ledger"], route_class=UnitOfWorkRoute)
RequiredIdem = Annotated[Idempotency | None, Depends(idempotent(required=True))]
RecordLimit = Annotated[int, Query(ge=1, le=1000, description="Page size (1–1000).")]
CheckpointLimit = Annotated[int, Query(ge=1, le=500, description="Page size (1–500).")]
Sequence = Annotated[int, Path(ge=1, le=2**62, description="The record's sequence number.")]
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
_CACHE = {"Cache-Control": "public, max-age=60"}
_PACKAGE_EXAMPLE = {
    "grants": [
        {
            "amountAwarded": 12345.67,  # written exactly from 1234567 fen
            "id": "360G-TaiyuanSME-1",
            "title": "小微企业创业创新基地城市示范: 太原创新孵化器有限公司",
            "description": "小微企业创业创新基地城市示范, budget line space_rent; district "
            "xiaodian; disbursement dsb_01JD3Z8Q6T8V4N2M5K1H0G9F8E.",
            "currency": "CNY",
            "awardDate": "2015-12-20",
            "recipientOrganization": [
                {"id": "CN-USCC-91140100MA0K000017", "name": "太原创新孵化器有限公司"}
            ],
            "fundingOrganization": [{"id": "360G-TaiyuanSME-office", "name": "太原市财政局"}],
            "grantProgramme": [{"title": "小微企业创业创新基地城市示范"}],
            "ledgerSequence": 1,
            "ledgerHash": "5f0c6a9e0d1b3c7e2a4f8b6d1c3e5a7f9b0d2c4e6a8f1b3d5c7e9a0b2d4f6a8c",
        }
    ]
}


@router.get(
    "/v1/public/ledger/records",
    name="list_public_ledger_records",
    summary="Paid disbursements, in chain order (public)",
    description="No key needed. Every paid disbursement, published when it was paid, in "
    "sequence order (1, 2, 3 … with no gaps); each carries the hash of the record before it "
    "and its own (SHA-256 over its canonical JSON, RFC 8785: see `hash`). A correction is a "
    "new record whose `corrects` names the record it replaces; nothing is ever edited. "
    "`python -m services.funding.verify <gateway url>` checks the whole chain.",
    response_model=Page[LedgerRecordPublic],
    responses=problem_responses(422),
)
def list_public_ledger_records(
    session: SessionDep, limit: RecordLimit = 100, cursor: CursorQuery = None
) -> Page[LedgerRecordPublic]:
    items, next_cursor = service.list_records(session=session, limit=limit, cursor=cursor)
    return Page[LedgerRecordPublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/public/ledger/records/{sequence}",
    name="get_public_ledger_record",
    summary="One published record (public)",
    description="No key needed. The record with this sequence number; 404 "
    "`public_record_not_found` if there is none.",
    response_model=LedgerRecordPublic,
    responses=problem_responses(404, 422),
)
def get_public_ledger_record(sequence: Sequence, session: SessionDep) -> LedgerRecordPublic:
    return service.get_record(session=session, sequence=sequence)


@router.get(
    "/v1/public/ledger/head",
    name="get_public_ledger_head",
    summary="The chain head (public)",
    description="No key needed. The last record's sequence number and hash (0 and 64 zeros "
    "while the ledger is empty).",
    response_model=LedgerChainHeadPublic,
    responses=problem_responses(422),
)
def get_public_ledger_head(session: SessionDep) -> LedgerChainHeadPublic:
    return service.chain_head(session=session)


@router.get(
    "/v1/public/ledger/checkpoints",
    name="list_public_ledger_checkpoints",
    summary="Signed checkpoints of the chain head (public)",
    description="No key needed. Each checkpoint states the head (`sequence`, `head_hash`) at "
    "`issued_at`, signed with Ed25519 (the key at `/v1/public/ledger/key`): one a day "
    "(Asia/Shanghai) and any an administrator asked for. Oldest first. Keep a copy: a "
    "checkpoint you hold proves what the chain was, whatever the database says later.",
    response_model=Page[LedgerCheckpointPublic],
    responses=problem_responses(422),
)
def list_public_ledger_checkpoints(
    session: SessionDep, limit: CheckpointLimit = 100, cursor: CursorQuery = None
) -> Page[LedgerCheckpointPublic]:
    items, next_cursor = service.list_checkpoints(session=session, limit=limit, cursor=cursor)
    return Page[LedgerCheckpointPublic](items=items, next_cursor=next_cursor)


@router.post(
    "/v1/public/ledger/checkpoints",
    name="issue_public_ledger_checkpoint",
    summary="Sign the chain head now (admin)",
    description="An administrator (`funding:admin`) has the current head signed at once, "
    "beside the daily checkpoint. No body. `Idempotency-Key` is required.",
    status_code=201,
    response_model=LedgerCheckpointPublic,
    responses={**problem_responses(400, 401, 403, 409, 422), **answer_headers(201, "Location")},
)
def issue_public_ledger_checkpoint(
    request: Request,
    response: Response,
    principal: LedgerAdmin,
    _idem: RequiredIdem,
    session: SessionDep,
    key: LedgerKeyDep,
) -> LedgerCheckpointPublic:
    checkpoint = service.issue_checkpoint(session=session, key=key, issued_by=principal.client_id)
    response.headers["Location"] = link(request.scope, "/v1/public/ledger/checkpoints")
    return checkpoint


@router.get(
    "/v1/public/ledger/key",
    name="get_public_ledger_key",
    summary="The checkpoints' public key (public)",
    description="No key needed. The Ed25519 public key (JWK, RFC 8037) that signs checkpoints.",
    response_model=LedgerSigningKeyPublic,
    responses=problem_responses(422),
)
def get_public_ledger_key(key: LedgerKeyDep, response: Response) -> LedgerSigningKeyPublic:
    response.headers.update(_CACHE)
    return LedgerSigningKeyPublic.model_validate(key.jwk())


def _download(body: Any, media_type: str, filename: str) -> StreamingResponse:
    return StreamingResponse(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/v1/public/ledger/360giving.csv",
    name="download_public_ledger_csv",
    summary="Download as 360Giving CSV (public)",
    description="No key needed. The records in force (a corrected record is replaced by its "
    "correction) as a 360Giving Data Standard spreadsheet, one grant a row, UTF-8: "
    "`Identifier` (`<prefix>-<sequence>`), `Title`, `Description`, `Currency` (CNY), "
    "`Amount Awarded` (yuan as a decimal with two places, e.g. `12345.67`), `Award Date` "
    "(the day paid), `Recipient Org:Identifier` (`CN-USCC-<uscc>`), `Recipient Org:Name`, "
    "`Funding Org:Identifier`, `Funding Org:Name`, `Grant Programme:Title`, and the ledger's "
    "`Ledger Sequence` and `Ledger Hash`.",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The CSV file.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        **problem_responses(422),
    },
)
def download_public_ledger_csv(
    database: DatabaseDep, settings: LedgerSettings
) -> StreamingResponse:
    body = service.grants_csv(
        database=database, prefix=settings.ledger_grant_prefix, funder_id=settings.ledger_funder_id
    )
    return _download(body, CSV_MEDIA_TYPE, "public-ledger-360giving.csv")


@router.get(
    "/v1/public/ledger/360giving.json",
    name="download_public_ledger_json",
    summary="Download as a 360Giving JSON package (public)",
    description="No key needed. The records in force as a 360Giving data package "
    '`{"grants": [...]}` with the standard\'s fields `id`, `title`, `description`, '
    "`currency` (CNY), `amountAwarded` (yuan as a JSON number with two decimals, written "
    "exactly from the fen), `awardDate`, `recipientOrganization` (`id` `CN-USCC-<uscc>`, "
    "`name`), `fundingOrganization` (`id`, `name`), `grantProgramme` (`title`), and the "
    "ledger's `ledgerSequence` and `ledgerHash`.",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The JSON package.",
            "content": {
                "application/json": {"schema": {"type": "object"}, "example": _PACKAGE_EXAMPLE}
            },
        },
        **problem_responses(422),
    },
)
def download_public_ledger_json(
    database: DatabaseDep, settings: LedgerSettings
) -> StreamingResponse:
    body = service.grants_json(
        database=database, prefix=settings.ledger_grant_prefix, funder_id=settings.ledger_funder_id
    )
    return _download(body, "application/json", "public-ledger-360giving.json")
