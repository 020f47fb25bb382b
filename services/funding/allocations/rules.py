"""The rule families of block allocation (切块分配) and district matching (配套比例).

Matching ratios are the kernel's rules as data (family `funding.matching`), not a table of our
own: the kernel already keeps versions that are effective-dated (a later year gets a new
version from its first day), never edited once an allocation used them (a new version
instead), type-checked when saved, evaluated with a trace, changed through the admin API, and
every obligation stores the version it was computed with. Each district's ratio in the plan
(the registry's reference: 1:2, 1:1.5, 1:1, 1:0.5) is an input, so a version can follow the
plan (`city_part = plan_city_part`, `district_part = plan_district_part`) or override any
district.
"""

from services.common.rules import FamilySpec

ALLOCATION = "funding.allocation"
MATCHING = "funding.matching"

ALLOCATION_INPUTS = {
    "district": "string",
    "year": "int",
    "line": "string",
    "bases": "int",  # the district's admitted bases
    "area_m2": "int",  # their incubation area
    "bases_by_kind": "map<string, int>",  # every kind present, 0 when none
    "area_m2_by_kind": "map<string, int>",
    "private_money_fen": "int",  # Σ private money leveraged, KPIs of `kpi_year`
    "enterprises_incubated": "int",  # Σ, KPIs of `kpi_year`
}
MATCHING_INPUTS = {
    "district": "string",
    "year": "int",
    "line": "string",
    "plan_city_part": "int",  # the plan's ratio for the district, city part : district part
    "plan_district_part": "int",
}

ALLOCATION_FAMILIES: dict[str, FamilySpec] = {
    ALLOCATION: FamilySpec(
        description="Block allocation key: each district's `weight` (a non-negative int) from its "
        "admitted bases (kind, incubation area, private money leveraged); a line's amount is "
        "split in proportion to the weights, exactly to the fen (largest remainder).",
        inputs=ALLOCATION_INPUTS,
        results={"weight": "int"},
    ),
    MATCHING: FamilySpec(
        description="District matching ratio for a block: `city_part` : `district_part` (1:1.5 "
        "is 2:3), both positive; the district owes the block's city share × district_part / "
        "city_part, rounded up to the fen.",
        inputs=MATCHING_INPUTS,
        results={"city_part": "int", "district_part": "int"},
    ),
}
