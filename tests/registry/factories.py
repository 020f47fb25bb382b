"""Valid test data: unified social credit codes, resident ID numbers, filings, register files."""

import csv
import io
import json
from typing import Any

from stdnum.cn import ric, uscc

from services.registry.imports.parse import COLUMNS as IMPORT_COLUMNS
from services.registry.uscc.organisation_code import organisation_check_character

DISTRICT_CODES = (
    "xiaodian",
    "yingze",
    "xinghualing",
    "jiancaoping",
    "wanbailin",
    "jinyuan",
    "qingxu",
    "yangqu",
    "loufan",
    "gujiao",
    "hi_tech_zone",
    "economic_zone",
    "private_economy_zone",
    "stainless_steel_park",
)
# (industry, employees, revenue_fen, assets_fen) that classify as small or micro
SMALL_PROFILES = (
    ("65", 35, 4_200_000_00, 3_000_000_00),  # software: small
    ("52", 8, 90_000_00, None),  # retail: micro
    ("13", 50, 5_000_000_00, None),  # food processing (industry): small
    ("C39", 12, 30_000_000, None),  # electronics: micro
    ("62", 20, 2_000_000_00, None),  # catering: small
)
COLUMNS = IMPORT_COLUMNS


def make_uscc(n: int, division: str = "140105") -> str:
    """The n-th valid USCC of a company (authority 9, category 1) registered in `division`."""
    body = f"{n:08d}"
    first17 = "91" + division + body + organisation_check_character(body)
    return first17 + uscc.calc_check_digit(first17)  # python-stdnum: not the code under test


def make_id_number(n: int) -> str:
    """The n-th valid resident ID number (born 1980-01-01 in Xiaodian)."""
    first17 = f"14010519800101{n % 1000:03d}"
    return first17 + ric.calc_check_digit(first17 + "?")  # python-stdnum: not the code under test


def filing(n: int, **overrides: Any) -> dict[str, Any]:
    """A valid filing body for enterprise n."""
    industry, employees, revenue, assets = SMALL_PROFILES[n % len(SMALL_PROFILES)]
    body: dict[str, Any] = {
        "uscc": make_uscc(n),
        "name": f"太原测试企业{n}有限公司",
        "district": DISTRICT_CODES[n % len(DISTRICT_CODES)],
        "industry": industry,
        "founded_on": "2014-03-18",
        "registered_capital_fen": 100_000_000,
        "employees": employees,
        "revenue_fen": revenue,
        "assets_fen": assets,
        "is_tech_sme": n % 2 == 0,
        "founder_graduated_on": None,
        "legal_representative": {"name": "王建国", "id_number": make_id_number(n)},
        "contact": {"name": "李丽", "phone": "0351-1234567", "email": "office@example.cn"},
    }
    body.update(overrides)
    return body


def register_row(n: int) -> dict[str, Any]:
    """A valid import row for enterprise n (flat columns)."""
    body = filing(n)
    return {
        "uscc": body["uscc"],
        "name": body["name"],
        "district": body["district"],
        "industry": body["industry"],
        "founded_on": body["founded_on"],
        "registered_capital_fen": body["registered_capital_fen"],
        "employees": body["employees"],
        "revenue_fen": body["revenue_fen"],
        "assets_fen": body["assets_fen"],
        "is_tech_sme": body["is_tech_sme"],
        "founder_graduated_on": None,
        "legal_rep_name": "王建国",
        "legal_rep_id_number": make_id_number(n),
        "contact_name": "李丽",
        "contact_phone": "0351-1234567",
        "contact_email": None,
    }


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    """Rows as a CSV file with the import's header."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(
            [
                ""
                if row.get(c) is None
                else str(row[c]).lower()
                if isinstance(row[c], bool)
                else row[c]
                for c in COLUMNS
            ]
        )
    return out.getvalue().encode()


def to_jsonl(rows: list[dict[str, Any]]) -> bytes:
    """Rows as a JSON Lines file."""
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()
