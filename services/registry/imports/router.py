"""HTTP routes of bulk imports."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from services.common.db import SessionDep
from services.common.errors import field_error, problem_responses
from services.common.idempotency import Idempotency, idempotent
from services.common.identity import Principal, require_kinds, require_scopes
from services.common.links import link
from services.common.openapi import answer_headers
from services.registry.enterprises.router import READ_SCOPE, WRITE_SCOPE, IdKey
from services.registry.imports import service
from services.registry.imports.schemas import CSV_EXAMPLE, JSONL_EXAMPLE, ImportJobPublic

router = APIRouter(tags=["imports"])
Importer = Annotated[Principal, Depends(require_scopes(WRITE_SCOPE))]
Reader = Annotated[Principal, Depends(require_scopes(READ_SCOPE))]
Department = Annotated[Principal, Depends(require_kinds("admin", "department"))]
OptionalIdem = Annotated[Idempotency | None, Depends(idempotent(required=False))]


ImportFormat = Literal["csv", "jsonl"]
MEDIA_TYPES: dict[str, str] = {"csv": "text/csv", "jsonl": "application/x-ndjson"}
FormatQuery = Annotated[
    ImportFormat | None,
    Query(
        description="The file's format, for an `application/octet-stream` body or a form file "
        "whose type and name do not tell (`.csv`, `.jsonl`, `.ndjson`)."
    ),
]


def _format_of(media: str | None, filename: str | None) -> ImportFormat | None:
    media = (media or "").split(";", 1)[0].strip().lower()
    if media in service.CSV_TYPES:
        return "csv"
    if media in service.JSONL_TYPES:
        return "jsonl"
    name = (filename or "").lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    return None


async def upload(request: Request, format: FormatQuery = None) -> tuple[bytes, str]:
    """The uploaded file and its media type: a raw body, a binary body or a form's `file`."""
    declared = request.headers.get("content-length")
    if declared and declared.isascii() and declared.isdigit() and int(declared) > service.MAX_BYTES:
        raise service.PayloadTooLarge(f"An import may be at most {service.MAX_BYTES} bytes.")
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "multipart/form-data":
        await request.body()  # cached first: the Idempotency-Key hashes the same bytes
        form = await request.form(max_files=1, max_fields=1)
        file = form.get("file")
        if file is None or isinstance(file, str):
            raise field_error(
                "body.file", "missing", "Send the register as the form's `file` field."
            )
        body = await file.read(service.MAX_BYTES + 1)
        chosen = format or _format_of(file.content_type, file.filename)
    elif media == "application/octet-stream":
        body = await request.body()
        chosen = format
    else:  # text/csv or application/x-ndjson as the body itself; the service refuses others
        return await request.body(), content_type
    if chosen is None:
        raise service.UnsupportedMediaType(
            "Name the file's format with ?format=csv or ?format=jsonl (or upload it as "
            "text/csv or application/x-ndjson)."
        )
    return body, MEDIA_TYPES[chosen]


Upload = Annotated[tuple[bytes, str], Depends(upload)]


@router.post(
    "/v1/imports",
    name="create_import",
    summary="Import a register file (CSV or JSON Lines)",
    description="Up to 100,000 rows, one enterprise per row, columns as in the example. Answers "
    "202 with the job at once and files in the background: valid rows are filed, bad rows are "
    "rejected with their reasons, rows whose enterprise has already filed are counted and left "
    "alone, so importing the same file again files nothing twice. Departments and the "
    "demonstration office only. Send the file as the body (`text/csv`, `application/x-ndjson`, "
    "or `application/octet-stream` with `?format=`) or as the `file` field of a "
    "`multipart/form-data` form.",
    status_code=202,
    response_model=ImportJobPublic,
    responses={
        **problem_responses(400, 401, 403, 413, 415, 422),
        **answer_headers(202, "Location"),
    },
    # text/csv and application/x-ndjson bodies are accepted too but not declared: client
    # generators skip an operation with a media type they do not know.
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file": {
                                "type": "string",
                                "format": "binary",
                                "description": "The register, UTF-8 CSV or JSON Lines.",
                            }
                        },
                        "required": ["file"],
                    },
                    "encoding": {"file": {"contentType": "text/csv, application/x-ndjson"}},
                    "examples": {
                        "csv": {"summary": "register.csv", "value": {"file": CSV_EXAMPLE}},
                        "jsonl": {"summary": "register.jsonl", "value": {"file": JSONL_EXAMPLE}},
                    },
                },
                "application/octet-stream": {
                    "schema": {"type": "string", "format": "binary"},
                    "examples": {
                        "csv": {"summary": "?format=csv", "value": CSV_EXAMPLE},
                        "jsonl": {"summary": "?format=jsonl", "value": JSONL_EXAMPLE},
                    },
                },
            },
        }
    },
)
def create_import(
    request: Request,
    file: Upload,
    client: Importer,
    _kind: Department,
    idem: OptionalIdem,  # before the session: its release must run after the session closed
    session: SessionDep,
    key: IdKey,
) -> Response:
    body, content_type = file
    upload = service.parse_upload(body=body, content_type=content_type)
    job = service.create_import(session=session, client=client, upload=upload)
    public = service.to_public(job, [])
    headers = {"Location": link(request.scope, f"/v1/imports/{job.id}")}
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
