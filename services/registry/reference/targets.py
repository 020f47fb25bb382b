"""The plan's 2014 baseline, city-wide 2015–2017 targets and 2015 district targets.

Money is in fen, people are head counts; a cell the plan leaves as '–' is None.
"""

from dataclasses import dataclass
from typing import Final

from services.registry.reference.units import wan_people, yi_yuan_to_fen


@dataclass(frozen=True, slots=True)
class CityBaseline:
    """Small and micro enterprises in the city at the end of a year, as the plan reports them."""

    year: int
    enterprises: int
    employees: int
    revenue_fen: int
    taxes_fen: int
    patents_held: int
    tech_contracts: int
    tech_contract_turnover_fen: int


@dataclass(frozen=True, slots=True)
class CityTarget:
    """City-wide targets for one year."""

    year: int
    revenue_fen: int
    new_jobs: int
    tech_contract_turnover_fen: int
    patents_held: int


@dataclass(frozen=True, slots=True)
class DistrictTarget:
    """One district's targets for one year; None where the plan sets no figure."""

    year: int
    district: str
    revenue_fen: int
    new_jobs: int
    tech_contract_turnover_fen: int | None
    patents_held: int | None


BASELINE_2014: Final = CityBaseline(
    year=2014,
    enterprises=67_699,
    employees=wan_people("59.5"),
    revenue_fen=yi_yuan_to_fen("3347"),
    taxes_fen=yi_yuan_to_fen("233"),
    patents_held=2_187,
    tech_contracts=363,
    tech_contract_turnover_fen=yi_yuan_to_fen("13"),
)

# The plan's total employment target for the end of 2017 (82万人), kept beside the yearly
# new-job targets because 59.5万 + 22.5万 new jobs = 82万.
EMPLOYEES_TARGET_2017: Final = wan_people("82")

CITY_TARGETS: Final[tuple[CityTarget, ...]] = (
    CityTarget(2015, yi_yuan_to_fen("3735"), wan_people("6.5"), yi_yuan_to_fen("14.6"), 2_471),
    CityTarget(2016, yi_yuan_to_fen("4135"), wan_people("7.5"), yi_yuan_to_fen("16.4"), 2_792),
    CityTarget(2017, yi_yuan_to_fen("4549"), wan_people("8.5"), yi_yuan_to_fen("18.4"), 3_155),
)


def _row(
    district: str, revenue_yi: str, jobs_wan: str, tech_yi: str | None, patents: int | None
) -> DistrictTarget:
    """A 2015 district row in the plan's own units."""
    tech = None if tech_yi is None else yi_yuan_to_fen(tech_yi)
    return DistrictTarget(
        2015, district, yi_yuan_to_fen(revenue_yi), wan_people(jobs_wan), tech, patents
    )


DISTRICT_TARGETS_2015: Final[tuple[DistrictTarget, ...]] = (
    _row("xiaodian", "609", "1.54", "2", 509),
    _row("yingze", "526", "0.98", "0.18", 264),
    _row("xinghualing", "731", "0.84", "0.15", 180),
    _row("jiancaoping", "490", "0.65", "1", 89),
    _row("wanbailin", "685", "0.61", "0.8", 216),
    _row("jinyuan", "78", "0.24", "0.06", 32),
    _row("gujiao", "23", "0.11", None, 2),
    _row("qingxu", "163", "0.33", None, 45),
    _row("yangqu", "41", "0.21", "0.06", 8),
    _row("loufan", "18", "0.1", None, 2),
    _row("hi_tech_zone", "124", "0.49", "6", 916),
    _row("economic_zone", "107", "0.24", "2.1", 133),
    _row("private_economy_zone", "123", "0.12", "1.25", 20),
    _row("stainless_steel_park", "18", "0.04", "1", 55),
)
