"""Filing rules shared by the API and the bulk import: code, district, industry, size, ID number,
contact e-mail, founding date, and the bounds of the amounts."""

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from operator import mul
from typing import Final

from stdnum import numdb

from services.common.clock import utcnow
from services.common.dates import shanghai_date
from services.registry.reference.districts import DISTRICTS_BY_CODE
from services.registry.reference.industries import DIVISIONS_BY_CODE
from services.registry.sizing import SizeClass, SizingError, classify
from services.registry.uscc import UsccError, validate_uscc

_INDUSTRY: Final = re.compile(r"(?P<section>[A-T])?(?P<digits>\d{2,4})")
_ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK: Final = "10X98765432"
_ASCII_DIGITS: Final = re.compile(r"[0-9]+")
_CN_LOC: Final = numdb.get("cn/loc")  # GB/T 2260 divisions, with the years each was in use

# The contact e-mail rule (schema pattern and the check both the API and the import run).
EMAIL_PATTERN: Final = r"^[^@\s]+@[^@\s]+$"
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+")
# Upper bounds of the amounts a filing may carry (the API's schemas and the import's rows).
MAX_FEN: Final = 10**16  # 1000 billion yuan: far beyond any small enterprise, well inside 64 bits
MAX_EMPLOYEES: Final = 10_000_000


@dataclass(frozen=True, slots=True)
class Issue:
    """One rule one field broke."""

    field: str
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Industry:
    """A GB/T 4754-2017 code as stored: digits, with its section and division."""

    code: str
    section: str
    division: str


def is_ascii_digits(text: str) -> bool:
    """True when `text` is one or more ASCII digits 0–9 (str.isdigit also takes "²", "٣", …)."""
    return _ASCII_DIGITS.fullmatch(text) is not None


def is_email(text: str) -> bool:
    """The contact e-mail rule: something, one @, something; no whitespace anywhere."""
    return _EMAIL.fullmatch(text) is not None


def email_issue(text: str, field: str = "contact_email") -> Issue | None:
    """An `invalid_email` issue unless `text` passes the contact e-mail rule."""
    if is_email(text):
        return None
    return Issue(field, "invalid_email", f"{field} must be an e-mail address (name@domain)")


def today() -> date:
    """Today in Taiyuan (Asia/Shanghai), the day founding dates are compared with."""
    return shanghai_date(utcnow())


def founded_on_issue(founded_on: date | str, on: date | str) -> Issue | None:
    """An `in_future` issue when the founding date is after the day `on` (ISO text or a date)."""
    if str(founded_on) > str(on):
        return Issue("founded_on", "in_future", "founded_on is after today")
    return None


def uscc_issue(code: str) -> Issue | None:
    """The USCC rule `code` breaks, naming the failing position, or None."""
    try:
        validate_uscc(code)
    except UsccError as exc:
        where = f"position {exc.position}" if exc.position is not None else "length"
        return Issue("uscc", "invalid_uscc", f"{where} ({exc.rule}): {exc.message}")
    return None


def district_issue(code: str) -> Issue | None:
    """An `unknown_district` issue unless `code` names one of the 14 units."""
    if code in DISTRICTS_BY_CODE:
        return None
    return Issue(
        "district", "unknown_district", f"{code!r} is not a district code; see /v1/districts"
    )


@lru_cache(maxsize=4096)
def parse_industry(code: str) -> Industry | Issue:
    """The industry as stored (digits only), or an `unknown_industry` issue."""
    match = _INDUSTRY.fullmatch(code.strip().upper())
    division = DIVISIONS_BY_CODE.get(match["digits"][:2]) if match else None
    if match is None or division is None:
        return Issue(
            "industry",
            "unknown_industry",
            f"{code!r} is not a GB/T 4754-2017 division, group or class code; see /v1/industries",
        )
    if match["section"] and match["section"] != division.section:
        return Issue(
            "industry",
            "unknown_industry",
            f"division {division.code} belongs to section {division.section}, not {match['section']}",
        )
    return Industry(match["digits"], division.section, division.code)


def size_of(
    industry: str, employees: int, revenue_fen: int, assets_fen: int | None
) -> SizeClass | Issue:
    """The size class under the 2017 standard, or the issue that prevents classifying."""
    try:
        return classify(industry, employees, revenue_fen, assets_fen)
    except SizingError as exc:
        return Issue(exc.field or "industry", exc.code, exc.message)


def small_or_micro_issue(size: SizeClass) -> Issue | None:
    """A `not_small_or_micro` issue for large and medium enterprises."""
    if size.is_small_or_micro:
        return None
    return Issue(
        "size_class",
        "not_small_or_micro",
        f"the enterprise is {size.value} ({size.name_zh}); only small and micro enterprises may file",
    )


def normalise_id_number(number: str) -> str:
    """The ID number as compared and hashed: trimmed, with a capital X."""
    return number.strip().upper()


def id_number_issue(number: str, *, on: date | None = None) -> Issue | None:
    """An `invalid_id_number` issue unless this is an 18-character resident ID (GB 11643).

    Positions 1–6 must be a GB/T 2260 division not abolished before the birth year (a code
    created later is fine: the number is assigned when the person registers), 7–14 a real
    birth date no later than `on` (today in Taiyuan), 18 the check character.
    """
    value = normalise_id_number(number)
    if len(value) != 18 or not is_ascii_digits(value[:17]):
        return _id_issue("a resident ID number has 17 digits and a check character")
    born = _birth_date(value[6:14])
    if born is None:
        return _id_issue(f"positions 7–14 (birth date): {value[6:14]} is not a date")
    if born > (on or today()):
        return _id_issue(f"positions 7–14 (birth date): {born.isoformat()} is in the future")
    if not _region_known(value[:6], born.year):
        return _id_issue(
            f"positions 1–6 (region): {value[:6]} is not a GB/T 2260 division code "
            f"in use in {born.year} or later"
        )
    expected = id_check_character(value[:17])
    if value[17] != expected:
        return _id_issue(
            f"position 18 (check character): should be {expected!r}, got {value[17]!r}"
        )
    return None


def _id_issue(message: str) -> Issue:
    return Issue("legal_representative.id_number", "invalid_id_number", message)


def _birth_date(yyyymmdd: str) -> date | None:
    try:
        return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def _region_known(code: str, birth_year: int) -> bool:
    # python-stdnum's GB/T 2260 table: a county is "name" or "[start-end]name" for each
    # period the code was in use; province-only matches (e.g. 149999) are no county.
    for _prefix, properties in _CN_LOC.info(code):
        for county in properties.get("county", "").split(","):
            if not county:
                continue
            if not county.startswith("["):
                return True
            end = county[1:].split("]", 1)[0].split("-", 1)[1]
            if not end or int(end) >= birth_year:
                return True
    return False


def hash_id_number(key: bytes, number: str) -> str:
    """The keyed hash (HMAC-SHA256) under which an ID number is stored and looked up."""
    return hmac.digest(key, normalise_id_number(number).encode(), hashlib.sha256).hex()


def mask_id_number(number: str) -> str:
    """The only form an ID number is ever shown in: 1401**********123X."""
    value = normalise_id_number(number)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def id_check_character(first17: str) -> str:
    """The GB 11643 check character of a resident ID number's first 17 digits."""
    return _ID_CHECK[sum(map(mul, map(int, first17), _ID_WEIGHTS)) % 11]
