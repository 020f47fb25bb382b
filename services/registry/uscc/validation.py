"""Validation of the 18-character unified social credit code (GB 32100-2015)."""

from services.registry.uscc.authorities import REGISTRATION_AUTHORITIES
from services.registry.uscc.charset import CHAR_VALUES, uscc_check_character
from services.registry.uscc.division import first_bad_division_offset
from services.registry.uscc.organisation_code import organisation_check_character

USCC_LENGTH = 18


class UsccError(ValueError):
    """A code that is not a valid USCC: the 1-based position that fails and a stable rule code."""

    def __init__(self, position: int | None, rule: str, message: str) -> None:
        super().__init__(message)
        self.position = position
        self.rule = rule
        self.message = message

    def __repr__(self) -> str:
        return (
            f"UsccError(position={self.position!r}, rule={self.rule!r}, message={self.message!r})"
        )


_ALLOWED = frozenset(CHAR_VALUES)


def _check_characters(code: str) -> None:
    """Reject whitespace, wrong length, lowercase and characters outside the set, in that order."""
    if len(code) == USCC_LENGTH and _ALLOWED.issuperset(code):
        return  # the common case; the loops below only run to say what is wrong
    for index, char in enumerate(code):
        if char.isspace():
            raise UsccError(index + 1, "whitespace", f"whitespace at position {index + 1}")
    if len(code) != USCC_LENGTH:
        raise UsccError(None, "length", f"a USCC has 18 characters, got {len(code)}")
    for index, char in enumerate(code):
        if char.islower():
            raise UsccError(
                index + 1,
                "lowercase",
                f"lowercase {char!r} at position {index + 1}; USCCs use capitals",
            )
        if char not in CHAR_VALUES:
            raise UsccError(
                index + 1,
                "charset",
                f"{char!r} at position {index + 1} is not in the USCC character set "
                "(digits and capitals without I, O, S, V, Z)",
            )


def _check_structure(code: str) -> None:
    """Reject a wrong authority/category pair, division code or organisation-code check."""
    authority = REGISTRATION_AUTHORITIES.get(code[0])
    if authority is None:
        raise UsccError(
            1, "registration_authority", f"{code[0]!r} is not a registration authority code"
        )
    if code[1] not in authority.categories:
        allowed = ", ".join(authority.categories)
        raise UsccError(
            2,
            "organisation_category",
            f"{code[1]!r} is not an organisation category of authority {code[0]!r} "
            f"({authority.name_zh}); allowed: {allowed}",
        )
    bad_offset = first_bad_division_offset(code[2:8])
    if bad_offset is not None:
        raise UsccError(
            3 + bad_offset,
            "division_code",
            f"positions 3–8 {code[2:8]!r} are not an administrative division code",
        )
    expected = organisation_check_character(code[8:16])
    if code[16] != expected:
        raise UsccError(
            17,
            "organisation_code_check",
            f"organisation code check character should be {expected!r}, got {code[16]!r}",
        )


def validate_uscc(code: str) -> None:
    """Raise UsccError unless code is a valid unified social credit code; never normalises."""
    _check_characters(code)
    _check_structure(code)
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise UsccError(
            18, "check_character", f"check character should be {expected!r}, got {code[17]!r}"
        )


def is_valid_uscc(code: str) -> bool:
    """Whether code is a valid unified social credit code."""
    try:
        validate_uscc(code)
    except UsccError:
        return False
    return True
