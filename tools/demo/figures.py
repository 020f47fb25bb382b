"""How the story writes amounts, codes and dates."""

import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from services.registry.uscc import uscc_check_character
from services.registry.uscc.organisation_code import organisation_check_character

SHANGHAI = ZoneInfo("Asia/Shanghai")


def yuan(fen: int) -> str:
    """An amount in 元 with its fen exact: 1234567 → 12,345.67 元."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d} 元"


def uscc(run: str, n: int, division: str = "140105") -> str:
    """A valid unified social credit code, unique to this run (organisation body R<run><n>)."""
    body = f"R{run}{n}"
    first17 = f"91{division}{body}{organisation_check_character(body)}"
    return first17 + uscc_check_character(first17)


def run_id() -> str:
    """Six digits naming this run (its codes, keys and references)."""
    return f"{secrets.randbelow(10**6):06d}"


def today_shanghai() -> datetime:
    """Now in Asia/Shanghai, the platform's calendar."""
    return datetime.now(SHANGHAI)
