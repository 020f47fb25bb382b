"""Exact conversions from the plan's units (亿元, 万元, 万人) to integers."""

from decimal import Decimal

FEN_PER_YUAN = 100
YUAN_PER_WAN = 10_000
YUAN_PER_YI = 100_000_000
FEN_PER_WAN_YUAN = YUAN_PER_WAN * FEN_PER_YUAN
FEN_PER_YI_YUAN = YUAN_PER_YI * FEN_PER_YUAN
PEOPLE_PER_WAN = 10_000


def _exact(amount: str, factor: int) -> int:
    """Multiply a decimal string by factor, refusing any result that is not a whole number."""
    value = Decimal(amount) * factor
    if value != value.to_integral_value():
        raise ValueError(f"{amount} × {factor} is not a whole number")
    return int(value)


def yi_yuan_to_fen(amount: str) -> int:
    """Convert an amount in 亿元 written as a decimal string to fen."""
    return _exact(amount, FEN_PER_YI_YUAN)


def wan_yuan_to_fen(amount: str) -> int:
    """Convert an amount in 万元 written as a decimal string to fen."""
    return _exact(amount, FEN_PER_WAN_YUAN)


def wan_people(amount: str) -> int:
    """Convert a head count in 万人 written as a decimal string to people."""
    return _exact(amount, PEOPLE_PER_WAN)
