"""The GB 11714 organisation code (positions 9–17 of a USCC) and its check character."""

from operator import mul
from typing import Final

ORGANISATION_CODE_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)
# Value of a body character under GB 11714: digits as themselves, A=10 … Z=35.
BODY_VALUES: Final[dict[str, int]] = {
    char: value for value, char in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
}


def organisation_check_character(body: str) -> str:
    """Return the check character for an 8-character organisation-code body."""
    if len(body) != 8 or not BODY_VALUES.keys() >= set(body):
        raise ValueError("an organisation-code body is 8 digits or capital letters")
    total = sum(map(mul, map(BODY_VALUES.__getitem__, body), ORGANISATION_CODE_WEIGHTS))
    check = 11 - total % 11
    if check == 10:
        return "X"
    if check == 11:
        return "0"
    return str(check)


def is_valid_organisation_code(code: str) -> bool:
    """Whether a 9-character organisation code carries the right check character."""
    if len(code) != 9:
        return False
    try:
        return organisation_check_character(code[:8]) == code[8]
    except ValueError:
        return False
