"""Voucher codes as a provider types them: Crockford base32 with a check character.

Provisional: the issuance domain (branch vissue) publishes `parse_code`; this one follows
VOUCHERS.md (≥ 80 random bits in Crockford base32, Crockford's mod-37 check symbol) and is
reconciled with it at merge.
"""

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
# Crockford's decoding: case-insensitive, I and L read as 1, O as 0; hyphens are for people.
_ALIASES = str.maketrans({"I": "1", "L": "1", "O": "0"})
BODY_LENGTH = 16  # 16 symbols × 5 bits = 80 bits


def check_symbol(body: str) -> str:
    """The check character of a code's body (its value mod 37)."""
    value = 0
    for symbol in body:
        value = value * 32 + ALPHABET.index(symbol)
    return CHECK_ALPHABET[value % 37]


def parse_code(text: str) -> str | None:
    """The canonical code (body + check, no hyphens, upper case), or None when malformed."""
    compact = text.replace("-", "").replace(" ", "").upper().translate(_ALIASES)
    if len(compact) != BODY_LENGTH + 1:
        return None
    body, check = compact[:-1], compact[-1]
    if any(symbol not in ALPHABET for symbol in body) or check not in CHECK_ALPHABET:
        return None
    return compact if check_symbol(body) == check else None
