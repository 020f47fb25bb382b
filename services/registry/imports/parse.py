"""Parsing an upload: its media type, size, encoding, header and records (no validation)."""

import csv
import io
from dataclasses import dataclass
from typing import IO, Any

from pydantic import BaseModel

from services.registry.enterprises.schemas import EnterpriseCreate
from services.registry.imports.errors import (
    EmptyImport,
    InvalidEncoding,
    InvalidHeader,
    MalformedCsv,
    TooManyRows,
    UnsupportedMediaType,
)

MAX_ROWS = 100_000
MAX_BYTES = 64 * 1024 * 1024
# A file row is EnterpriseCreate flattened: a nested model's fields become `<prefix>_<field>`.
_NESTED_PREFIX = {"legal_representative": "legal_rep", "contact": "contact"}


def _flat_columns(schema: type[BaseModel]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The file's columns and the required ones, from the filing schema."""
    columns: list[str] = []
    required: list[str] = []
    for name, field in schema.model_fields.items():
        nested = next(
            (
                arg
                for arg in (field.annotation, *getattr(field.annotation, "__args__", ()))
                if isinstance(arg, type) and issubclass(arg, BaseModel)
            ),
            None,
        )
        if nested is None:
            columns.append(name)
            if field.is_required():
                required.append(name)
            continue
        for inner, inner_field in nested.model_fields.items():
            column = f"{_NESTED_PREFIX[name]}_{inner}"
            columns.append(column)
            if field.is_required() and inner_field.is_required():
                required.append(column)
    return tuple(columns), tuple(required)


COLUMNS, REQUIRED = _flat_columns(EnterpriseCreate)

CSV_TYPES = frozenset({"text/csv", "application/csv"})
JSONL_TYPES = frozenset(
    {
        "application/x-ndjson",
        "application/jsonl",
        "application/x-jsonlines",
        "application/json-lines",
    }
)


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


def _too_many() -> TooManyRows:
    return TooManyRows(f"An import may have at most {MAX_ROWS} rows; this one has more.")


def _csv_records(text: IO[str]) -> tuple[tuple[str, ...], list[Any]]:
    """The header and the non-empty rows, counted as they are read; a 422 naming the line the
    CSV reader gave up on, or `too_many_rows` at the first row beyond the limit."""
    reader = csv.reader(text)
    records: list[Any] = []
    try:
        header = tuple(name.strip() for name in next(reader, []))
        for row in reader:
            if row:
                if len(records) == MAX_ROWS:
                    raise _too_many()
                records.append(row)
    except csv.Error as exc:
        raise MalformedCsv(f"The CSV file is malformed at line {reader.line_num}: {exc}.") from exc
    return header, records


def _jsonl_records(text: IO[str]) -> tuple[list[str], list[int]]:
    """The non-blank lines and their line numbers (split on LF only, never inside JSON strings),
    counted as they are read."""
    records: list[str] = []
    numbers: list[int] = []
    for number, line in enumerate(text, start=1):
        line = line.removesuffix("\n").removesuffix("\r")
        if line.strip(" \t\r"):
            if len(records) == MAX_ROWS:
                raise _too_many()
            records.append(line)
            numbers.append(number)
    return records, numbers


def parse_upload(*, file: IO[bytes], content_type: str, sha256: str) -> Upload:
    """Split an upload (a file on disk, read once from its start) into records, refusing an
    unknown type, a bad header or too many rows before more than the limit is held."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media not in CSV_TYPES and media not in JSONL_TYPES:
        raise UnsupportedMediaType(
            "Send the register as text/csv or application/x-ndjson (JSON Lines).",
        )
    file.seek(0)
    # newline="" lets the CSV reader see CR, LF and CRLF as written; JSON Lines end at LF only.
    newline = "" if media in CSV_TYPES else "\n"
    text = io.TextIOWrapper(file, encoding="utf-8-sig", newline=newline)
    try:
        if media in CSV_TYPES:
            header, records = _csv_records(text)
            missing = [name for name in REQUIRED if name not in header]
            unknown = [name for name in header if name not in COLUMNS]
            if missing or unknown or len(set(header)) != len(header):
                raise InvalidHeader(
                    f"The CSV header must name the columns {', '.join(COLUMNS)}; missing: "
                    f"{', '.join(missing) or 'none'}; unknown: {', '.join(unknown) or 'none'}."
                )
            upload = Upload("csv", header, records, sha256)
        else:
            lines, numbers = _jsonl_records(text)
            upload = Upload("jsonl", COLUMNS, lines, sha256, numbers)
    except UnicodeDecodeError as exc:
        raise InvalidEncoding("The file is not UTF-8 text.") from exc
    finally:
        text.detach()
    if not upload.records:
        raise EmptyImport("The file has no rows.")
    return upload
