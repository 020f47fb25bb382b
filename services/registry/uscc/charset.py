"""The GB 32100-2015 character set and the check character over it."""

from operator import mul
from typing import Final

# 31 characters: digits and capitals without I, O, S, V, Z; a character's value is its index.
CHARSET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
MODULUS: Final = len(CHARSET)
CHAR_VALUES: Final[dict[str, int]] = {char: value for value, char in enumerate(CHARSET)}
# Weight of position i (1-based) is 3^(i-1) mod 31.
WEIGHTS: Final[tuple[int, ...]] = tuple(pow(3, i, MODULUS) for i in range(17))


def uscc_check_character(first17: str) -> str:
    """Return the 18th (check) character for the first 17 characters of a code."""
    if len(first17) != 17:
        raise ValueError(f"expected 17 characters, got {len(first17)}")
    try:
        total = sum(map(mul, map(CHAR_VALUES.__getitem__, first17), WEIGHTS))
    except KeyError as exc:
        raise ValueError(f"character {exc.args[0]!r} is not in the USCC character set") from exc
    return CHARSET[(MODULUS - total % MODULUS) % MODULUS]
