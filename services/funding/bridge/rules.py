"""The bridge fund's parameters as a kernel rule family (`funding.bridge`), effective-dated.

A version says, for an application on a day (the version in force that day applies, and the
loan stores it): how many days before the registered loan's maturity an application is taken
(`window_days`), the most the fund lends (`max_amount_fen`, from the maturing principal), the
longest term (`max_days`) and the fee (`fee_fen`). Inputs may be added later (saved versions
stay evaluable); never rename or retype one.
"""

from typing import Any

from services.common.rules import FamilySpec

FAMILY = "funding.bridge"

BRIDGE_INPUTS: dict[str, str] = {
    "maturing_principal_fen": "int",  # the registered loan's outstanding principal
    "amount_fen": "int",  # what the borrower asks for
    "days": "int",  # for how many days
    "days_to_maturity": "int",  # from the application day to the loan's maturity (0: today)
}
RESULTS: dict[str, str] = {
    "window_days": "int",
    "max_amount_fen": "int",
    "max_days": "int",
    "fee_fen": "int",
}

BRIDGE_FAMILIES: dict[str, FamilySpec] = {
    FAMILY: FamilySpec(
        description="Emergency bridge loans (应急周转) to 助保贷 borrowers: an application is "
        "taken at most `window_days` before the registered loan matures, for at most "
        "`max_amount_fen` (from the maturing principal) and `max_days` days, at a fee of "
        "`fee_fen` (int, fen, not negative) computed from the amount and the days.",
        inputs=BRIDGE_INPUTS,
        results=RESULTS,
    )
}

# Version 1 (from 2015-01-01, open-ended), loaded by migration funding_0011 as a literal; a test
# checks the literal is this definition as the kernel checks it.
BRIDGE_2015: dict[str, Any] = {
    "description": "2015 bridge terms: apply within 15 days of maturity, up to the maturing "
    "principal, for at most 30 days, at 6% a year (600 bp) on a 360-day year, rounded down.",
    "inputs": {"maturing_principal_fen": "int", "amount_fen": "int", "days": "int"},
    "parameters": {
        "window": {"type": "int", "value": 15},
        "longest": {"type": "int", "value": 30},
        "fee_bp_per_year": {"type": "int", "value": 600},
    },
    "rules": [
        {
            "name": "window_days",
            "expression": "window",
            "description": "Applications are taken from 15 days before maturity.",
        },
        {
            "name": "max_amount_fen",
            "expression": "maturing_principal_fen",
            "description": "Up to the maturing principal.",
        },
        {
            "name": "max_days",
            "expression": "longest",
            "description": "For at most 30 days.",
        },
        {
            "name": "fee_fen",
            "expression": "amount_fen * fee_bp_per_year * days / 3600000",
            "description": "amount × 600 bp × days / (10000 × 360), rounded down to the fen.",
        },
    ],
}
