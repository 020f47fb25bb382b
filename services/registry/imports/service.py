"""Bulk import of the register: parse at once, validate and file in the background, in batches."""

import csv
import hashlib
import io
import json
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import DateTime, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from services.common.db import Database
from services.common.errors import DomainError, NotFound, Unprocessable
from services.common.identity import Principal
from services.common.ids import new_id
from services.common.models import utcnow
from services.common.outbox import emit_many
from services.registry.enterprises.models import ACTIVE, Enterprise
from services.registry.enterprises.rules import (
    MAX_EMPLOYEES,
    MAX_FEN,
    Industry,
    Issue,
    district_issue,
    email_issue,
    founded_on_issue,
    hash_id_number,
    id_number_issue,
    is_ascii_digits,
    mask_id_number,
    parse_industry,
    size_of,
    small_or_micro_issue,
    today,
    uscc_issue,
)
from services.registry.enterprises.service import EVENT_FIELDS, as_utc
from services.registry.imports.models import (
    FAILED,
    INTERRUPTED,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    ImportJob,
    ImportRejection,
)
from services.registry.imports.schemas import ImportJobPublic, ImportRejectionPublic

log = logging.getLogger("services.registry.imports")

MAX_ROWS = 100_000
MAX_BYTES = 64 * 1024 * 1024
BATCH_SIZE = 5_000
# A batch takes well under a second; a worker silent this long is gone (its process ended).
STALE_AFTER = timedelta(minutes=2)
COLUMNS = (
    "uscc",
    "name",
    "district",
    "industry",
    "founded_on",
    "registered_capital_fen",
    "employees",
    "revenue_fen",
    "assets_fen",
    "is_tech_sme",
    "founder_graduated_on",
    "legal_rep_name",
    "legal_rep_id_number",
    "contact_name",
    "contact_phone",
    "contact_email",
)
REQUIRED = (
    "uscc",
    "name",
    "district",
    "industry",
    "founded_on",
    "registered_capital_fen",
    "employees",
    "revenue_fen",
    "legal_rep_name",
    "legal_rep_id_number",
)
CSV_TYPES = frozenset({"text/csv", "application/csv"})
JSONL_TYPES = frozenset(
    {
        "application/x-ndjson",
        "application/jsonl",
        "application/x-jsonlines",
        "application/json-lines",
    }
)
_TRUE = frozenset({"true", "1", "yes", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "f", ""})


class UnsupportedMediaType(DomainError):
    status, code = 415, "unsupported_media_type"


class PayloadTooLarge(DomainError):
    status, code = 413, "payload_too_large"


@dataclass(frozen=True, slots=True)
class Upload:
    """A parsed upload: its format, its records (CSV rows as lists, JSON Lines as text), its hash.

    `line_numbers`, for JSON Lines, is each record's line in the file (blank lines are skipped
    but counted), so rejections name the file's lines; CSV records are numbered 1, 2, … after
    the header.
    """

    format: str
    header: tuple[str, ...]
    records: list[Any]
    sha256: str
    line_numbers: list[int] | None = None

    def row_number(self, index: int) -> int:
        """The number a rejection gives the record at `index` (0-based)."""
        return self.line_numbers[index] if self.line_numbers is not None else index + 1


def _csv_records(text: str) -> tuple[tuple[str, ...], list[Any]]:
    """The header and the non-empty rows; a 422 naming the line the CSV reader gave up on."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = tuple(name.strip() for name in next(reader, []))
        records: list[Any] = [row for row in reader if row]
    except csv.Error as exc:
        raise Unprocessable(
            f"The CSV file is malformed at line {reader.line_num}: {exc}.",
            code="malformed_csv",
        ) from exc
    return header, records


def _jsonl_records(text: str) -> tuple[list[str], list[int]]:
    """The non-blank lines and their line numbers (split on LF only, never inside JSON strings)."""
    records: list[str] = []
    numbers: list[int] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.endswith("\r"):
            line = line[:-1]
        if line.strip(" \t\r"):
            records.append(line)
            numbers.append(number)
    return records, numbers


def parse_upload(*, body: bytes, content_type: str) -> Upload:
    """Split an upload into records, refusing an unknown type, a bad header or too many rows."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media not in CSV_TYPES and media not in JSONL_TYPES:
        raise UnsupportedMediaType(
            "Send the register as text/csv or application/x-ndjson (JSON Lines).",
        )
    if len(body) > MAX_BYTES:
        raise PayloadTooLarge(f"An import may be at most {MAX_BYTES} bytes.")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unprocessable("The file is not UTF-8 text.", code="invalid_encoding") from exc
    digest = hashlib.sha256(body).hexdigest()
    if media in CSV_TYPES:
        header, records = _csv_records(text)
        missing = [name for name in REQUIRED if name not in header]
        unknown = [name for name in header if name not in COLUMNS]
        if missing or unknown or len(set(header)) != len(header):
            raise Unprocessable(
                f"The CSV header must name the columns {', '.join(COLUMNS)}; "
                f"missing: {', '.join(missing) or 'none'}; unknown: {', '.join(unknown) or 'none'}.",
                code="invalid_header",
            )
        upload = Upload("csv", header, records, digest)
    else:
        lines, numbers = _jsonl_records(text)
        upload = Upload("jsonl", COLUMNS, lines, digest, numbers)
    if not upload.records:
        raise Unprocessable("The file has no rows.", code="empty_import")
    if len(upload.records) > MAX_ROWS:
        raise Unprocessable(
            f"An import may have at most {MAX_ROWS} rows; this one has {len(upload.records)}.",
            code="too_many_rows",
        )
    return upload


def create_import(*, session: Session, client: Principal, upload: Upload) -> ImportJob:
    """A queued job for an upload (the caller commits, then starts it)."""
    job = ImportJob(
        id=new_id("imp"),
        format=upload.format,
        status=QUEUED,
        total_rows=len(upload.records),
        sha256=upload.sha256,
        created_by=client.client_id,
    )
    session.add(job)
    session.flush()
    return job


def start_import(
    *, database: Database, job_id: str, upload: Upload, id_key: bytes, actor: str
) -> threading.Thread:
    """Run an import in a background thread; its progress is in the job row."""
    thread = threading.Thread(
        target=run_import,
        kwargs={
            "database": database,
            "job_id": job_id,
            "upload": upload,
            "id_key": id_key,
            "actor": actor,
        },
        name=f"import-{job_id}",
        daemon=True,
    )
    thread.start()
    return thread


def get_import(*, session: Session, client: Principal, job_id: str) -> ImportJobPublic:
    """A job with every rejection, for its creator or the demonstration office."""
    job = session.get(ImportJob, job_id)
    if job is None or not (client.is_admin or job.created_by == client.client_id):
        raise NotFound(f"No import {job_id} that you may see.", code="import_not_found")
    rejections = session.execute(
        select(ImportRejection)
        .where(col(ImportRejection.import_id) == job_id)
        .order_by(col(ImportRejection.row_number), col(ImportRejection.seq))
    ).scalars()
    return to_public(
        job,
        [
            ImportRejectionPublic(row=r.row_number, field=r.field, code=r.code, message=r.message)
            for r in rejections
        ],
    )


def shown_status(job: ImportJob, *, now: datetime | None = None) -> str:
    """The job's status, `interrupted` when its worker has been silent too long to be alive."""
    if job.status not in (QUEUED, RUNNING):
        return job.status
    last_sign = as_utc(job.heartbeat_at or job.created_at)
    if last_sign is not None and (now or utcnow()) - last_sign > STALE_AFTER:
        return INTERRUPTED
    return job.status


def to_public(job: ImportJob, rejections: list[ImportRejectionPublic]) -> ImportJobPublic:
    """The API view of a job."""
    percent = 100 if job.total_rows == 0 else job.processed_rows * 100 // job.total_rows
    status = shown_status(job)
    return ImportJobPublic(
        id=job.id,
        format="jsonl" if job.format == "jsonl" else "csv",
        status=status,  # type: ignore[arg-type]
        total_rows=job.total_rows,
        processed_rows=job.processed_rows,
        filed_rows=job.filed_rows,
        existing_rows=job.existing_rows,
        rejected_rows=job.rejected_rows,
        progress_percent=percent,
        sha256=job.sha256,
        error=job.error
        if status != INTERRUPTED
        else "The import stopped with its process; rows filed before stay filed. "
        "Upload the same file again to file the rest.",
        created_at=as_utc(job.created_at),
        started_at=as_utc(job.started_at),
        finished_at=as_utc(job.finished_at),
        rejections=rejections,
    )


# --- row validation (no per-row ORM objects, no pydantic: this is the hot path) -------------------


def _text(
    raw: Mapping[str, Any], name: str, issues: list[Issue], *, limit: int, required: bool
) -> str | None:
    value = raw.get(name)
    if type(value) is str and "\x00" not in value:  # the common case, first
        stripped = value.strip()
        if stripped and len(stripped) <= limit:
            return stripped
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            issues.append(Issue(name, "missing", f"{name} is required"))
        return None
    if not isinstance(value, str):
        issues.append(Issue(name, "invalid_text", f"{name} must be text"))
        return None
    if "\x00" in value:  # PostgreSQL text cannot hold NUL
        issues.append(Issue(name, "nul_character", f"{name} contains a NUL character (U+0000)"))
        return None
    value = value.strip()
    if len(value) > limit:
        issues.append(Issue(name, "too_long", f"{name} has more than {limit} characters"))
        return None
    return value


def _int(
    raw: Mapping[str, Any], name: str, issues: list[Issue], *, required: bool, maximum: int
) -> int | None:
    """A whole number 0…maximum, written in ASCII digits (as the API's schemas bound it)."""
    value = raw.get(name)
    number: int | None
    # The common case first: str.isdigit alone would also take "²" or "٣", which int() refuses.
    if type(value) is str and len(value) < 19 and value.isascii() and value.isdigit():
        number = int(value)
        if number <= maximum:
            return number
    elif value is None or value == "":
        if required:
            issues.append(Issue(name, "missing", f"{name} is required"))
        return None
    elif isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, str) and is_ascii_digits(value.strip()):
        digits = value.strip().lstrip("0") or "0"
        # Beyond any bound either way; int() of thousands of digits is refused (or slow).
        number = int(digits) if len(digits) <= 24 else maximum + 1
    else:
        number = None
    if number is None or number < 0:
        issues.append(
            Issue(name, "invalid_integer", f"{name} must be a whole number ≥ 0 (money in fen)")
        )
        return None
    if number > maximum:
        issues.append(Issue(name, "out_of_range", f"{name} must be at most {maximum}"))
        return None
    return number


def _date(raw: Mapping[str, Any], name: str, issues: list[Issue], *, required: bool) -> str | None:
    """A date as its canonical YYYY-MM-DD text."""
    value = raw.get(name)
    if value is None or value == "":
        if required:
            issues.append(Issue(name, "missing", f"{name} is required"))
        return None
    try:
        if not isinstance(value, str) or len(value) != 10 or value[4] != "-" or value[7] != "-":
            raise ValueError
        date.fromisoformat(value)
        return value
    except ValueError:
        issues.append(Issue(name, "invalid_date", f"{name} must be a date YYYY-MM-DD"))
        return None


def _bool(raw: Mapping[str, Any], name: str, issues: list[Issue]) -> bool:
    value = raw.get(name)
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    issues.append(Issue(name, "invalid_boolean", f"{name} must be true or false"))
    return False


def validate_row(
    raw: Mapping[str, Any], *, id_key: bytes, today: str
) -> tuple[dict[str, Any] | None, list[Issue]]:
    """A row's column values ready to insert, or every rule it breaks."""
    issues: list[Issue] = []
    uscc = _text(raw, "uscc", issues, limit=64, required=True)
    name = _text(raw, "name", issues, limit=200, required=True)
    district = _text(raw, "district", issues, limit=40, required=True)
    industry_code = _text(raw, "industry", issues, limit=8, required=True)
    founded_on = _date(raw, "founded_on", issues, required=True)
    capital = _int(raw, "registered_capital_fen", issues, required=True, maximum=MAX_FEN)
    employees = _int(raw, "employees", issues, required=True, maximum=MAX_EMPLOYEES)
    revenue = _int(raw, "revenue_fen", issues, required=True, maximum=MAX_FEN)
    assets = _int(raw, "assets_fen", issues, required=False, maximum=MAX_FEN)
    is_tech = _bool(raw, "is_tech_sme", issues)
    graduated = _date(raw, "founder_graduated_on", issues, required=False)
    rep_name = _text(raw, "legal_rep_name", issues, limit=100, required=True)
    rep_id = _text(raw, "legal_rep_id_number", issues, limit=32, required=True)
    contact_name = _text(raw, "contact_name", issues, limit=100, required=False)
    contact_phone = _text(raw, "contact_phone", issues, limit=32, required=False)
    contact_email = _text(raw, "contact_email", issues, limit=254, required=False)
    if uscc is not None and (issue := uscc_issue(uscc)) is not None:
        issues.append(issue)
    if district is not None and (issue := district_issue(district)) is not None:
        issues.append(issue)
    if founded_on is not None and (issue := founded_on_issue(founded_on, today)) is not None:
        issues.append(issue)
    if contact_email is not None and (issue := email_issue(contact_email)) is not None:
        issues.append(issue)
    if rep_id is not None and (issue := id_number_issue(rep_id)) is not None:
        issues.append(Issue("legal_rep_id_number", issue.code, issue.message))
    industry: Industry | None = None
    size = None
    if industry_code is not None:
        parsed = parse_industry(industry_code)
        if isinstance(parsed, Issue):
            issues.append(parsed)
        else:
            industry = parsed
            if employees is not None and revenue is not None:
                size_or_issue = size_of(industry.code, employees, revenue, assets)
                if isinstance(size_or_issue, Issue):
                    issues.append(size_or_issue)
                elif (too_big := small_or_micro_issue(size_or_issue)) is not None:
                    issues.append(too_big)
                else:
                    size = size_or_issue
    if issues or industry is None or size is None:
        return None, issues
    assert uscc and name and district and rep_name and rep_id
    return {
        "uscc": uscc,
        "name": name,
        "district": district,
        "industry": industry.code,
        "industry_section": industry.section,
        "industry_division": industry.division,
        "founded_on": founded_on,
        "registered_capital_fen": capital,
        "employees": employees,
        "revenue_fen": revenue,
        "assets_fen": assets,
        "size_class": size.value,
        "is_tech_sme": is_tech,
        "founder_graduated_on": graduated,
        "legal_rep_name": rep_name,
        "legal_rep_id_hash": hash_id_number(id_key, rep_id),
        "legal_rep_id_masked": mask_id_number(rep_id),
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "contact_email": contact_email,
        "status": ACTIVE,
        "version": 1,
    }, issues


def _record(upload: Upload, record: Any) -> tuple[Mapping[str, Any] | None, Issue | None]:
    if upload.format == "csv":
        if len(record) != len(upload.header):
            return None, Issue(
                "row",
                "malformed_row",
                f"the row has {len(record)} fields; the header has {len(upload.header)}",
            )
        return dict(zip(upload.header, record, strict=True)), None
    try:
        value = json.loads(record)
    except ValueError:
        return None, Issue("row", "invalid_json", "the line is not a JSON document")
    if not isinstance(value, dict):
        return None, Issue("row", "invalid_json", "the line is not a JSON object")
    unknown = sorted(set(value) - set(COLUMNS))
    if unknown:
        return None, Issue(unknown[0], "unknown_field", f"unknown field(s): {', '.join(unknown)}")
    return value, None


ROW_COLUMNS = (
    "uscc",
    "name",
    "district",
    "industry",
    "industry_section",
    "industry_division",
    "founded_on",
    "registered_capital_fen",
    "employees",
    "revenue_fen",
    "assets_fen",
    "size_class",
    "is_tech_sme",
    "founder_graduated_on",
    "legal_rep_name",
    "legal_rep_id_hash",
    "legal_rep_id_masked",
    "contact_name",
    "contact_phone",
    "contact_email",
    "status",
    "version",
    "filed_at",
    "updated_at",
    "filed_by",
    "import_id",
)
_SQLITE_INSERT = f"INSERT INTO enterprises ({', '.join(ROW_COLUMNS)}) VALUES "
_SQLITE_EVENTS = "INSERT INTO outbox_events (id, type, payload, occurred_at) VALUES "
_SQLITE_MAX_PARAMS = 32_766


@lru_cache(maxsize=16)
def _values_sql(prefix: str, width: int, rows: int, suffix: str) -> str:
    """`prefix (?, …), (?, …) … suffix` for `rows` rows of `width` parameters."""
    one = "(" + ", ".join("?" for _ in range(width)) + ")"
    return prefix + ", ".join(one for _ in range(rows)) + suffix


def _insert_multirow(
    connection: Any, prefix: str, rows: Sequence[tuple[Any, ...]], suffix: str = ""
) -> int:
    """Insert with multi-row VALUES statements: one sqlite3 step (outside the GIL) per chunk."""
    if not rows:
        return 0
    width = len(rows[0])
    per_statement = _SQLITE_MAX_PARAMS // width
    changed = 0
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        sql = _values_sql(prefix, width, len(chunk), suffix)
        params = tuple(chain.from_iterable(chunk))
        changed += connection.exec_driver_sql(sql, params).rowcount
    return changed


def _payload(values: Mapping[str, Any], filed_at: str) -> dict[str, Any]:
    """`enterprise.filed` for a validated row whose values are already JSON-ready."""
    payload = {name: values[name] for name in EVENT_FIELDS}
    payload["uscc"] = values["uscc"]
    payload["version"] = 1
    payload["filed_at"] = filed_at
    return payload


def _file_sqlite(session: Session, rows: Sequence[dict[str, Any]], job_id: str) -> int:
    """SQLite: driver-level executemany of prepared tuples (no per-row SQLAlchemy processing).

    The transaction holds the write lock from its first statement (BEGIN IMMEDIATE), so when
    ON CONFLICT skipped some rows, the rows of this job among them are exactly the new ones.
    """
    connection = session.connection()
    moment: datetime = rows[0]["filed_at"]
    stamp, filed_at = _sqlite_timestamp(moment), moment.isoformat()
    row_values = itemgetter(*ROW_COLUMNS)
    tuples = []
    for row in rows:
        row["filed_at"] = row["updated_at"] = stamp
        tuples.append(row_values(row))
    inserted = _insert_multirow(
        connection, _SQLITE_INSERT, tuples, " ON CONFLICT (uscc) DO NOTHING"
    )
    new: Sequence[dict[str, Any]] = rows
    if inserted != len(rows):
        mine = {
            uscc
            for (uscc,) in connection.exec_driver_sql(
                "SELECT uscc FROM enterprises WHERE import_id = ? AND filed_at = ?", (job_id, stamp)
            )
        }
        new = [row for row in rows if row["uscc"] in mine]
    # The kernel's emit_many, minus its ORM bulk path (a third of the import's time on SQLite);
    # the PostgreSQL writer lock it also takes does not apply to SQLite.
    events = [
        (new_id("evt"), "enterprise.filed", orjson.dumps(_payload(row, filed_at)).decode(), stamp)
        for row in new
    ]
    _insert_multirow(connection, _SQLITE_EVENTS, events)
    return len(new)


def _sqlite_timestamp(moment: datetime) -> str:
    """A timestamp as SQLAlchemy stores DateTime in SQLite."""
    dialect = sqlite.dialect()
    processor = DateTime(timezone=True).dialect_impl(dialect).bind_processor(dialect)
    assert processor is not None
    return str(processor(moment))


def _file_with_returning(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """PostgreSQL: insert what is new (ON CONFLICT DO NOTHING … RETURNING) and announce it."""
    table = Enterprise.__table__  # type: ignore[attr-defined]
    params = [
        {
            **row,
            "founded_on": date.fromisoformat(row["founded_on"]),
            "founder_graduated_on": date.fromisoformat(row["founder_graduated_on"])
            if row["founder_graduated_on"]
            else None,
        }
        for row in rows
    ]
    statement = (
        postgresql.insert(table)
        .on_conflict_do_nothing(index_elements=["uscc"])
        .returning(table.c.uscc)
    )
    inserted = set(session.execute(statement, params).scalars().all())
    filed_at = rows[0]["filed_at"].isoformat()
    emit_many(
        session,
        (("enterprise.filed", _payload(row, filed_at)) for row in rows if row["uscc"] in inserted),
    )
    return len(inserted)


def _file_rows(session: Session, rows: Sequence[dict[str, Any]], job_id: str) -> int:
    """File the rows whose enterprise is new, with their events; returns how many were filed."""
    if not rows:
        return 0
    if session.get_bind().dialect.name == "sqlite":
        return _file_sqlite(session, rows, job_id)
    return _file_with_returning(session, rows)


@dataclass(slots=True)
class Batch:
    """One batch, validated: rows to file and rejections to record."""

    size: int
    good: list[dict[str, Any]]
    rejections: list[dict[str, Any]]
    rejected: int


def _storable(text: str, limit: int) -> str:
    """Text a rejection column can hold: NUL shown as \\x00 (PostgreSQL refuses it), cut to fit."""
    return text.replace("\x00", "\\x00")[:limit]


def _validate_batch(
    *,
    job_id: str,
    upload: Upload,
    start: int,
    seen: set[str],
    id_key: bytes,
    actor: str,
    today: str,
) -> Batch:
    good: list[dict[str, Any]] = []
    rejections: list[dict[str, Any]] = []
    rejected = 0
    records = upload.records[start : start + BATCH_SIZE]
    for offset, record in enumerate(records):
        number = upload.row_number(start + offset)
        values: dict[str, Any] | None
        issues: list[Issue]
        try:
            raw, problem = _record(upload, record)
            if raw is None:
                assert problem is not None
                values, issues = None, [problem]
            else:
                values, issues = validate_row(raw, id_key=id_key, today=today)
        except Exception:
            # A rule that raises must cost one row, never the job: reject it, log why, go on.
            log.exception("import %s: row %d raised during validation", job_id, number)
            values = None
            issues = [Issue("row", "invalid_row", "the row could not be validated")]
        if values is not None and values["uscc"] in seen:
            issues = [Issue("uscc", "duplicate_in_file", "the same USCC appears on an earlier row")]
            values = None
        if values is None:
            rejected += 1
            rejections.extend(
                {
                    "import_id": job_id,
                    "row_number": number,
                    "seq": seq,
                    "field": _storable(issue.field, 60),
                    "code": issue.code,
                    "message": _storable(issue.message, 500),
                }
                for seq, issue in enumerate(issues)
            )
            continue
        seen.add(values["uscc"])
        good.append(values)
    now = utcnow()
    for values in good:
        values.update(filed_at=now, updated_at=now, filed_by=actor, import_id=job_id)
    return Batch(len(records), good, rejections, rejected)


def _write_batch(*, database: Database, job_id: str, batch: Batch) -> None:
    """File a batch, record its rejections and advance the job's counters, in one transaction."""
    with database.session() as session:
        filed = _file_rows(session, batch.good, job_id)
        if batch.rejections:
            session.execute(insert(ImportRejection.__table__), batch.rejections)  # type: ignore[attr-defined]
        session.execute(
            update(ImportJob)
            .where(col(ImportJob.id) == job_id)
            .values(
                processed_rows=col(ImportJob.processed_rows) + batch.size,
                heartbeat_at=utcnow(),
                filed_rows=col(ImportJob.filed_rows) + filed,
                existing_rows=col(ImportJob.existing_rows) + len(batch.good) - filed,
                rejected_rows=col(ImportJob.rejected_rows) + batch.rejected,
            )
        )
        session.commit()


def _set_status(database: Database, job_id: str, **values: Any) -> None:
    with database.session() as session:
        session.execute(update(ImportJob).where(col(ImportJob.id) == job_id).values(**values))
        session.commit()


def run_import(
    *, database: Database, job_id: str, upload: Upload, id_key: bytes, actor: str
) -> None:
    """Validate and file every record in batches, each batch in one transaction.

    Batches run one after the other in this thread: measured, a writer thread overlapping
    the next batch's validation made the import slower (the two contend for the GIL).
    """
    try:
        now = utcnow()
        _set_status(database, job_id, status=RUNNING, started_at=now, heartbeat_at=now)
        seen: set[str] = set()
        on = today().isoformat()
        for start in range(0, len(upload.records), BATCH_SIZE):
            batch = _validate_batch(
                job_id=job_id,
                upload=upload,
                start=start,
                seen=seen,
                id_key=id_key,
                actor=actor,
                today=on,
            )
            _write_batch(database=database, job_id=job_id, batch=batch)
        _set_status(database, job_id, status=SUCCEEDED, finished_at=utcnow())
    except Exception:
        log.exception("import %s failed", job_id)
        _set_status(
            database,
            job_id,
            status=FAILED,
            finished_at=utcnow(),
            error="The import stopped on an internal error; rows filed before it stay filed.",
        )
