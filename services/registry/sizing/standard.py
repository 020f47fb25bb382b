"""The rows of 统计上大中小微型企业划分办法(2017) (国统字〔2017〕213号), thresholds in integers.

Each indicator of a row has three lower bounds (large, medium, small); micro is "below the
small bound". A row's class is the largest one whose lower bounds ALL its indicators reach
("同时满足所列指标的下限，否则下划一档"), so a single indicator below the small bound makes
the enterprise micro ("微型企业只须满足所列指标中的一项即可").
"""

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from services.registry.reference.units import FEN_PER_WAN_YUAN


class Indicator(StrEnum):
    """A size indicator: employees in people, revenue and total assets in fen."""

    EMPLOYEES = "employees"
    REVENUE = "revenue_fen"
    ASSETS = "assets_fen"


@dataclass(frozen=True, slots=True)
class Bounds:
    """Lower bounds of one indicator for large, medium and small (people or fen)."""

    indicator: Indicator
    large: int
    medium: int
    small: int

    def __post_init__(self) -> None:
        if not self.large > self.medium > self.small > 0:
            raise ValueError(f"bounds must fall strictly: {self}")


@dataclass(frozen=True, slots=True)
class SizeRow:
    """One industry row of the standard and the indicators it uses."""

    code: str
    name_zh: str
    name_en: str
    bounds: tuple[Bounds, ...]

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        """The indicators this row needs."""
        return tuple(b.indicator for b in self.bounds)


def _people(large: int, medium: int, small: int) -> Bounds:
    return Bounds(Indicator.EMPLOYEES, large, medium, small)


def _revenue_wan(large: int, medium: int, small: int) -> Bounds:
    return Bounds(
        Indicator.REVENUE,
        large * FEN_PER_WAN_YUAN,
        medium * FEN_PER_WAN_YUAN,
        small * FEN_PER_WAN_YUAN,
    )


def _assets_wan(large: int, medium: int, small: int) -> Bounds:
    return Bounds(
        Indicator.ASSETS,
        large * FEN_PER_WAN_YUAN,
        medium * FEN_PER_WAN_YUAN,
        small * FEN_PER_WAN_YUAN,
    )


SIZE_ROWS: Final[tuple[SizeRow, ...]] = (
    SizeRow(
        "agriculture",
        "农、林、牧、渔业",
        "Agriculture, forestry, animal husbandry and fishery",
        (_revenue_wan(20_000, 500, 50),),
    ),
    SizeRow(
        "industry",
        "工业",
        "Industry (mining, manufacturing, utilities)",
        (_people(1_000, 300, 20), _revenue_wan(40_000, 2_000, 300)),
    ),
    SizeRow(
        "construction",
        "建筑业",
        "Construction",
        (_revenue_wan(80_000, 6_000, 300), _assets_wan(80_000, 5_000, 300)),
    ),
    SizeRow(
        "wholesale",
        "批发业",
        "Wholesale",
        (_people(200, 20, 5), _revenue_wan(40_000, 5_000, 1_000)),
    ),
    SizeRow("retail", "零售业", "Retail", (_people(300, 50, 10), _revenue_wan(20_000, 500, 100))),
    SizeRow(
        "transport",
        "交通运输业",
        "Transport (except rail)",
        (_people(1_000, 300, 20), _revenue_wan(30_000, 3_000, 200)),
    ),
    SizeRow(
        "warehousing",
        "仓储业",
        "Warehousing",
        (_people(200, 100, 20), _revenue_wan(30_000, 1_000, 100)),
    ),
    SizeRow(
        "postal",
        "邮政业",
        "Postal services",
        (_people(1_000, 300, 20), _revenue_wan(30_000, 2_000, 100)),
    ),
    SizeRow(
        "accommodation",
        "住宿业",
        "Accommodation",
        (_people(300, 100, 10), _revenue_wan(10_000, 2_000, 100)),
    ),
    SizeRow(
        "catering", "餐饮业", "Catering", (_people(300, 100, 10), _revenue_wan(10_000, 2_000, 100))
    ),
    SizeRow(
        "information_transmission",
        "信息传输业",
        "Information transmission",
        (_people(2_000, 100, 10), _revenue_wan(100_000, 1_000, 100)),
    ),
    SizeRow(
        "software_it",
        "软件和信息技术服务业",
        "Software and information technology services",
        (_people(300, 100, 10), _revenue_wan(10_000, 1_000, 50)),
    ),
    SizeRow(
        "real_estate_development",
        "房地产开发经营",
        "Real estate development and operation",
        (_revenue_wan(200_000, 1_000, 100), _assets_wan(10_000, 5_000, 2_000)),
    ),
    SizeRow(
        "property_management",
        "物业管理",
        "Property management",
        (_people(1_000, 300, 100), _revenue_wan(5_000, 1_000, 500)),
    ),
    SizeRow(
        "leasing_business_services",
        "租赁和商务服务业",
        "Leasing and business services",
        (_people(300, 100, 10), _assets_wan(120_000, 8_000, 100)),
    ),
    SizeRow("other", "其他未列明行业", "Other industries not listed", (_people(300, 100, 10),)),
)

SIZE_ROWS_BY_CODE: Final[MappingProxyType[str, SizeRow]] = MappingProxyType(
    {r.code: r for r in SIZE_ROWS}
)
