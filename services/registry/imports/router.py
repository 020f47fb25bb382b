"""HTTP routes of bulk imports."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.idempotency import Idempotency, idempotent
from services.common.identity import Principal, require_kinds, require_scopes
from services.registry.enterprises.router import READ_SCOPE, WRITE_SCOPE, IdKey
from services.registry.imports import service
from services.registry.imports.schemas import CSV_EXAMPLE, JSONL_EXAMPLE, ImportJobPublic

router = APIRouter(tags=["imports"])
Importer = Annotated[Principal, Depends(require_scopes(WRITE_SCOPE))]
Reader = Annotated[Principal, Depends(require_scopes(READ_SCOPE))]
Department = Annotated[Principal, Depends(require_kinds("admin", "department"))]
OptionalIdem = Annotated[Idempotency | None, Depends(idempotent(required=False))]


async def raw_body(request: Request) -> bytes:
    """The uploaded file, refused early when its declared length is too large."""
    declared = request.headers.get("content-length")
    if declared and declared.isascii() and declared.isdigit() and int(declared) > service.MAX_BYTES:
        raise service.PayloadTooLarge(f"An import may be at most {service.MAX_BYTES} bytes.")
    return await request.body()


Body = Annotated[bytes, Depends(raw_body)]


@router.post(
    "/v1/imports",
    name="create_import",
    summary="Import a register file (CSV or JSON Lines)",
    description="Up to 100,000 rows, one enterprise per row, columns as in the example. Answers "
    "202 with the job at once and files in the background: valid rows are filed, bad rows are "
    "rejected with their reasons, rows whose enterprise has already filed are counted and left "
    "alone, so importing the same file again files nothing twice. Departments and the "
    "demonstration office only.",
    status_code=202,
    response_model=ImportJobPublic,
    responses=problem_responses(400, 401, 403, 413, 415, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE},
                "application/x-ndjson": {"schema": {"type": "string"}, "example": JSONL_EXAMPLE},
            },
        }
    },
)
def create_import(
    request: Request,
    body: Body,
    client: Importer,
    _kind: Department,
    idem: OptionalIdem,  # before the session: its release must run after the session closed
    session: SessionDep,
    key: IdKey,
) -> Response:
    upload = service.parse_upload(body=body, content_type=request.headers.get("content-type", ""))
    job = service.create_import(session=session, client=client, upload=upload)
    public = service.to_public(job, [])
    headers = {"Location": f"/v1/imports/{job.id}"}
    if idem is not None:
        response: Response = idem.respond(session, public, status_code=202, headers=headers)
    else:
        session.commit()
        response = JSONResponse(public.model_dump(mode="json"), status_code=202, headers=headers)
    service.start_import(
        database=request.app.state.database,
        job_id=job.id,
        upload=upload,
        id_key=key,
        actor=client.client_id,
    )
    return response


@router.get(
    "/v1/imports/{import_id}",
    name="get_import",
    summary="Progress of an import and every rejected row",
    description="Counts of processed, filed, already-filed and rejected rows, and each rule each "
    "rejected row broke (row number, field, code). Visible to its creator and the office.",
    response_model=ImportJobPublic,
    responses=problem_responses(401, 403, 404),
)
def get_import(import_id: str, session: SessionDep, client: Reader) -> ImportJobPublic:
    return service.get_import(session=session, client=client, job_id=import_id)
