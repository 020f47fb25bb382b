"""The 14 districts, counties and zones of Taiyuan that carry the programme's targets."""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Final


class DistrictKind(StrEnum):
    """What kind of administrative unit a district is."""

    CITY_DISTRICT = "city_district"
    COUNTY = "county"
    COUNTY_LEVEL_CITY = "county_level_city"
    DEVELOPMENT_ZONE = "development_zone"


@dataclass(frozen=True, slots=True)
class MatchingRatio:
    """City money : district money (配套比例), kept as two integers, e.g. 1:1.5 as 2:3."""

    city: int
    district: int

    def __post_init__(self) -> None:
        if self.city <= 0 or self.district <= 0:
            raise ValueError("a matching ratio has two positive parts")

    @property
    def label(self) -> str:
        """The ratio as the plan writes it: 1:2, 1:1.5, 1:1, 1:0.5."""
        return f"1:{Decimal(self.district) / Decimal(self.city)}"


RATIO_1_2: Final = MatchingRatio(1, 2)
RATIO_1_1_5: Final = MatchingRatio(2, 3)
RATIO_1_1: Final = MatchingRatio(1, 1)
RATIO_1_0_5: Final = MatchingRatio(2, 1)


@dataclass(frozen=True, slots=True)
class District:
    """A district or zone responsible for its own targets and matching money."""

    code: str
    name_zh: str
    name_en: str
    kind: DistrictKind
    admin_code: str | None
    matching: MatchingRatio


DISTRICTS: Final[tuple[District, ...]] = (
    District(
        "xiaodian", "小店区", "Xiaodian District", DistrictKind.CITY_DISTRICT, "140105", RATIO_1_1_5
    ),
    District(
        "yingze", "迎泽区", "Yingze District", DistrictKind.CITY_DISTRICT, "140106", RATIO_1_1_5
    ),
    District(
        "xinghualing",
        "杏花岭区",
        "Xinghualing District",
        DistrictKind.CITY_DISTRICT,
        "140107",
        RATIO_1_1_5,
    ),
    District(
        "jiancaoping",
        "尖草坪区",
        "Jiancaoping District",
        DistrictKind.CITY_DISTRICT,
        "140108",
        RATIO_1_1_5,
    ),
    District(
        "wanbailin",
        "万柏林区",
        "Wanbailin District",
        DistrictKind.CITY_DISTRICT,
        "140109",
        RATIO_1_1_5,
    ),
    District(
        "jinyuan", "晋源区", "Jinyuan District", DistrictKind.CITY_DISTRICT, "140110", RATIO_1_1_5
    ),
    District("qingxu", "清徐县", "Qingxu County", DistrictKind.COUNTY, "140121", RATIO_1_1),
    District("yangqu", "阳曲县", "Yangqu County", DistrictKind.COUNTY, "140122", RATIO_1_0_5),
    District("loufan", "娄烦县", "Loufan County", DistrictKind.COUNTY, "140123", RATIO_1_0_5),
    District(
        "gujiao", "古交市", "Gujiao City", DistrictKind.COUNTY_LEVEL_CITY, "140181", RATIO_1_1
    ),
    District(
        "hi_tech_zone",
        "高新区",
        "Hi-tech Industrial Development Zone",
        DistrictKind.DEVELOPMENT_ZONE,
        None,
        RATIO_1_2,
    ),
    District(
        "economic_zone",
        "经济区",
        "Economic and Technological Development Zone",
        DistrictKind.DEVELOPMENT_ZONE,
        None,
        RATIO_1_2,
    ),
    District(
        "private_economy_zone",
        "民营区",
        "Private Economy Development Zone",
        DistrictKind.DEVELOPMENT_ZONE,
        None,
        RATIO_1_1_5,
    ),
    District(
        "stainless_steel_park",
        "不锈钢园区",
        "Stainless Steel Industrial Park",
        DistrictKind.DEVELOPMENT_ZONE,
        None,
        RATIO_1_1_5,
    ),
)

DISTRICTS_BY_CODE: Final[MappingProxyType[str, District]] = MappingProxyType(
    {d.code: d for d in DISTRICTS}
)
DISTRICTS_BY_NAME_ZH: Final[MappingProxyType[str, District]] = MappingProxyType(
    {d.name_zh: d for d in DISTRICTS}
)


def district(code: str) -> District:
    """Return the district with this stable code; KeyError if there is none."""
    return DISTRICTS_BY_CODE[code]
