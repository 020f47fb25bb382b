"""Voucher codes: 80 random bits in Crockford base32 with Crockford's mod-37 check symbol.

A code is 16 symbols of `secrets` randomness and one check symbol (`0-9A-Z` without I, L, O,
U, or one of `*~$=U`). Reading one back forgives what people do when typing (hyphens, spaces,
lower case, I/L for 1, O for 0) and refuses a wrong check symbol before anything is looked up.
"""

import secrets

import base32_crockford

RANDOM_BITS = 80
SYMBOLS = RANDOM_BITS // 5  # 16 base32 symbols carry 80 bits exactly
LENGTH = SYMBOLS + 1


class CodeInvalid(ValueError):
    """Not a voucher code: wrong length, a symbol outside the alphabet or a wrong check symbol."""


def encode(number: int) -> str:
    """The code of an 80-bit number: 16 symbols, zero-padded, and its check symbol."""
    if not 0 <= number < 1 << RANDOM_BITS:
        raise ValueError("a voucher code carries exactly 80 bits")
    symbols = base32_crockford.encode(number).rjust(SYMBOLS, "0")
    check = base32_crockford.encode(number % 37, checksum=True)[-1]
    return symbols + check


def new_code() -> str:
    """A fresh, unguessable code (80 bits from `secrets`)."""
    return encode(secrets.randbits(RANDOM_BITS))


def parse(code: str) -> str:
    """The canonical code for what a person typed, or `CodeInvalid` (no lookup needed)."""
    cleaned = code.replace(" ", "").replace("-", "")
    if len(cleaned) != LENGTH:
        raise CodeInvalid(f"a voucher code has {LENGTH} symbols, this has {len(cleaned)}")
    body, check = cleaned[:-1], cleaned[-1]
    try:
        normal = base32_crockford.normalize(body)
        number = base32_crockford.decode(normal + check.upper(), checksum=True)
    except (ValueError, KeyError, TypeError) as exc:
        raise CodeInvalid("the code has a wrong symbol or check symbol") from exc
    return encode(number)
