"""Which row of the size standard a GB/T 4754-2017 industry code falls under."""

import re
from typing import Final

from services.registry.reference.industries import (
    DIVISIONS_BY_CODE,
    DIVISIONS_SPLIT_BY_GROUP,
    GROUPS_BY_CODE,
)
from services.registry.sizing.errors import (
    IndustryNeedsGroupError,
    IndustryNotCoveredError,
    UnknownIndustryError,
)
from services.registry.sizing.standard import SIZE_ROWS_BY_CODE, SizeRow

# An optional section letter, then a division (2 digits), group (3) or class (4).
_CODE_PATTERN: Final = re.compile(r"(?P<section>[A-T])?(?P<digits>\d{2,4})")

# Sections the standard does not cover at all (article 2 lists the ones it does).
SECTIONS_NOT_COVERED: Final = frozenset({"J", "P", "S", "T"})
# Whole-section rows of the standard.
ROW_BY_SECTION: Final = {
    "A": "agriculture",
    "B": "industry",
    "C": "industry",
    "D": "industry",
    "E": "construction",
    "L": "leasing_business_services",
    "M": "other",
    "N": "other",
    "O": "other",
    "R": "other",
}
ROW_BY_DIVISION: Final = {
    "51": "wholesale",
    "52": "retail",
    # Rail is excluded from 交通运输业 and named by no other row, so it falls to 其他未列明行业.
    "53": "other",
    "54": "transport",
    "55": "transport",
    "56": "transport",
    "57": "transport",
    "58": "transport",
    "60": "postal",
    "61": "accommodation",
    "62": "catering",
    "63": "information_transmission",
    "64": "information_transmission",
    "65": "software_it",
    "85": "other",
}
DIVISIONS_NOT_COVERED: Final = frozenset({"84"})
ROW_BY_GROUP: Final = {
    # 装卸搬运 is listed under 交通运输业; the other groups of 59 are 仓储业.
    "591": "transport",
    "592": "warehousing",
    "593": "warehousing",
    "594": "warehousing",
    "595": "warehousing",
    "596": "warehousing",
    "599": "warehousing",
    "701": "real_estate_development",
    "702": "property_management",
    "703": "other",
    "709": "other",
}
# 704 is the 2017 code of what the standard calls 自有房地产经营活动, which it excludes.
GROUPS_NOT_COVERED: Final = frozenset({"704"})


def size_row_for(industry_code: str) -> SizeRow:
    """Return the size-standard row for a GB/T 4754-2017 division, group or class code."""
    match = _CODE_PATTERN.fullmatch(industry_code)
    if match is None:
        raise UnknownIndustryError(
            f"{industry_code!r} is not a GB/T 4754-2017 code (optional section letter, 2–4 digits)",
            field="industry",
        )
    digits = match["digits"]
    division = DIVISIONS_BY_CODE.get(digits[:2])
    if division is None:
        raise UnknownIndustryError(
            f"{digits[:2]!r} is not a GB/T 4754-2017 division", field="industry"
        )
    if match["section"] is not None and match["section"] != division.section:
        raise UnknownIndustryError(
            f"division {division.code} belongs to section {division.section}, not {match['section']}",
            field="industry",
        )
    row_code = _row_code(division.code, division.section, digits)
    return SIZE_ROWS_BY_CODE[row_code]


def _row_code(division: str, section: str, digits: str) -> str:
    """Resolve the row code from the most specific rule that applies."""
    if section in SECTIONS_NOT_COVERED or division in DIVISIONS_NOT_COVERED:
        raise IndustryNotCoveredError(
            f"the size standard does not classify division {division} (section {section})",
            field="industry",
        )
    if division in DIVISIONS_SPLIT_BY_GROUP:
        if len(digits) < 3:
            raise IndustryNeedsGroupError(
                f"division {division} spans several rows of the size standard; give its 3-digit group",
                field="industry",
            )
        group = digits[:3]
        if group not in GROUPS_BY_CODE:
            raise UnknownIndustryError(
                f"{group!r} is not a group of division {division}", field="industry"
            )
        if group in GROUPS_NOT_COVERED:
            raise IndustryNotCoveredError(
                f"the size standard excludes group {group} ({GROUPS_BY_CODE[group].name_zh})",
                field="industry",
            )
        return ROW_BY_GROUP[group]
    if division in ROW_BY_DIVISION:
        return ROW_BY_DIVISION[division]
    return ROW_BY_SECTION[section]
