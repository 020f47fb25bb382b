"""Plausibility of the registering authority's administrative division code (positions 3–8)."""

from typing import Final

# GB/T 2260 province-level prefixes; "100000" marks registration at national level.
PROVINCE_PREFIXES: Final = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    }
)
NATIONAL_DIVISION: Final = "100000"


def first_bad_division_offset(division: str) -> int | None:
    """Return the 0-based offset of the first implausible character, or None if plausible."""
    for offset, char in enumerate(division):
        if char not in "0123456789":  # ASCII only: str.isdigit also takes "²"
            return offset
    if division == NATIONAL_DIVISION or division[:2] in PROVINCE_PREFIXES:
        return None
    if division[:2] == NATIONAL_DIVISION[:2]:
        return next(
            i for i, (a, b) in enumerate(zip(division, NATIONAL_DIVISION, strict=True)) if a != b
        )
    if any(prefix[0] == division[0] for prefix in PROVINCE_PREFIXES):
        return 1
    return 0
