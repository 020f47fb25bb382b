"""HTTP routes of bulk imports."""

import hashlib
import tempfile
from collections.abc import AsyncIterator
from typing import IO, Annotated, Literal, NamedTuple

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from services.common.db import SessionDep
from services.common.errors import PayloadTooLarge, problem_responses
from services.common.idempotency import Idempotency, idempotent
from services.common.links import link
from services.common.openapi import answer_headers
from services.common.unitofwork import UnitOfWorkRoute
from services.registry.imports import service
from services.registry.imports.dependencies import Department, Importer, Reader
from services.registry.imports.errors import MissingFile, UnsupportedMediaType
from services.registry.imports.parse import CSV_TYPES, JSONL_TYPES, MAX_BYTES, parse_upload
from services.registry.imports.run import start_import
from services.registry.imports.schemas import CSV_EXAMPLE, JSONL_EXAMPLE, ImportJobPublic
from services.registry.settings import IdKey

router = APIRouter(tags=["imports"], route_class=UnitOfWorkRoute)
OptionalIdem = Annotated[Idempotency | None, Depends(idempotent(required=False))]


class Spooled(NamedTuple):
    """An upload on disk: the open file, its media type, its SHA-256."""

    file: IO[bytes]
    content_type: str
    sha256: str


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
    if media in CSV_TYPES:
        return "csv"
    if media in JSONL_TYPES:
        return "jsonl"
    name = (filename or "").lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    return None


async def _spool(chunks: AsyncIterator[bytes], file: IO[bytes]) -> str:
    """Write the chunks to `file` as they come, refusing past `MAX_BYTES`; their SHA-256."""
    digest = hashlib.sha256()
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > MAX_BYTES:
            raise PayloadTooLarge(f"An import may be at most {MAX_BYTES} bytes.")
        digest.update(chunk)
        await run_in_threadpool(file.write, chunk)
    return digest.hexdigest()


async def _form_file_chunks(part: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await part.read(1 << 20):
        yield chunk


async def upload(request: Request, format: FormatQuery = None) -> AsyncIterator[Spooled]:
    """The uploaded file, streamed to a temporary file (never held in memory), with its media
    type and SHA-256: a raw body, a binary body or a form's `file`."""
    declared = request.headers.get("content-length")
    if declared and declared.isascii() and declared.isdigit() and int(declared) > MAX_BYTES:
        raise PayloadTooLarge(f"An import may be at most {MAX_BYTES} bytes.")
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";", 1)[0].strip().lower()
    with tempfile.TemporaryFile(prefix="import-") as file:
        if media == "multipart/form-data":
            # Starlette spools the form's file to disk past 1 MiB.
            form = await request.form(max_files=1, max_fields=1)
            part = form.get("file")
            if part is None or isinstance(part, str):
                raise MissingFile.for_field(
                    "body.file", "Send the register as the form's `file` field."
                )
            sha256 = await _spool(_form_file_chunks(part), file)
            chosen = format or _format_of(part.content_type, part.filename)
        else:
            sha256 = await _spool(request.stream(), file)
            # text/csv or application/x-ndjson as the body itself; the service refuses others
            chosen = format if media == "application/octet-stream" else None
            if media != "application/octet-stream":
                request.state.body_sha256 = sha256  # what the Idempotency-Key hashes
                yield Spooled(file, content_type, sha256)
                return
        request.state.body_sha256 = sha256
        if chosen is None:
            raise UnsupportedMediaType(
                "Name the file's format with ?format=csv or ?format=jsonl (or upload it as "
                "text/csv or application/x-ndjson)."
            )
        yield Spooled(file, MEDIA_TYPES[chosen], sha256)


Upload = Annotated[Spooled, Depends(upload)]


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
    _idem: OptionalIdem,
    session: SessionDep,
    key: IdKey,
    response: Response,
    background: BackgroundTasks,
) -> ImportJobPublic:
    upload = parse_upload(file=file.file, content_type=file.content_type, sha256=file.sha256)
    job = service.create_import(session=session, client=client, upload=upload)
    response.headers["Location"] = link(request.scope, f"/v1/imports/{job.id}")
    # Runs once the response is sent, so after the unit of work committed the queued job.
    background.add_task(
        start_import,
        database=request.app.state.database,
        job_id=job.id,
        upload=upload,
        id_key=key,
        actor=client.client_id,
    )
    return service.to_public(job, [])


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
