"""Guarantee risk compensation (融资性担保机构风险补偿, plan 六(二)1(5)): the share of a guarantee
institution's payout (代偿) the fund compensates, an effective-dated rule family.

`funding.guarantee.compensation` gives `share_bp` (basis points of the payout, 0–10000) for a
payout made on a day, with the payout and the guaranteed amount as inputs (a version may
grade the share by them). Migration funding_0010 loads version 1: 30% of every payout from
2015-01-01 (the plan names no share; the office sets it with `/v1/rule-sets`).
"""

from services.common.rules import FamilySpec

COMPENSATION = "funding.guarantee.compensation"
RESULT = "share_bp"
BP = 10_000

GUARANTEE_FAMILIES: dict[str, FamilySpec] = {
    COMPENSATION: FamilySpec(
        description="Guarantee risk compensation: `share_bp` (int, basis points, 0–10000) of a "
        "guarantee institution's payout the fund compensates, by the version in force on the "
        "payout day; the compensation is payout × share_bp / 10000, rounded down to the fen.",
        inputs={"payout_fen": "int", "guaranteed_fen": "int"},
        results={RESULT: "int"},
    )
}


def compensation_fen(payout_fen: int, share_bp: int) -> int:
    """The fund's part of a payout: payout × share / 10000, rounded down to the fen."""
    return payout_fen * share_bp // BP
