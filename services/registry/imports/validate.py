"""Validating rows (no per-row ORM objects, no pydantic: this is the import's hot path)."""

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.common.clock import utcnow
from services.registry.enterprises.models import ACTIVE
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
    uscc_issue,
)
from services.registry.imports.parse import COLUMNS, Upload

log = logging.getLogger("services.registry.imports")

_TRUE = frozenset({"true", "1", "yes", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "f", ""})


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
        "deregistered_at": None,
        "deregistration_reason": None,
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


def validate_batch(
    *,
    job_id: str,
    upload: Upload,
    start: int,
    seen: set[str],
    id_key: bytes,
    actor: str,
    today: str,
    size: int,
) -> Batch:
    """Validate `size` records from `start`: the rows to file and the rejections to record."""
    good: list[dict[str, Any]] = []
    rejections: list[dict[str, Any]] = []
    rejected = 0
    records = upload.records[start : start + size]
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
