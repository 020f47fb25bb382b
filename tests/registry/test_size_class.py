"""Size classes under 统计上大中小微型企业划分办法(2017): every row at and around every bound."""

import re

import pytest

from services.registry.reference.industries import DIVISIONS
from services.registry.sizing import (
    SIZE_ROWS,
    Bounds,
    Indicator,
    IndustryNeedsGroupError,
    IndustryNotCoveredError,
    InvalidIndicatorError,
    MissingIndicatorError,
    SizeClass,
    UnknownIndustryError,
    classify,
    explain,
    size_row_for,
)

WAN = 1_000_000  # fen per 万元
L, M, S, U = SizeClass.LARGE, SizeClass.MEDIUM, SizeClass.SMALL, SizeClass.MICRO

# The standard's table, typed from the published text: lower bounds of large, medium and
# small, in people (X) or 万元 (Y revenue, Z assets); micro is below the small bound.
STANDARD = {
    # row: (an industry code of the row, {indicator: (large, medium, small)})
    "agriculture": ("01", {"revenue": (20_000, 500, 50)}),
    "industry": ("13", {"employees": (1_000, 300, 20), "revenue": (40_000, 2_000, 300)}),
    "construction": ("47", {"revenue": (80_000, 6_000, 300), "assets": (80_000, 5_000, 300)}),
    "wholesale": ("51", {"employees": (200, 20, 5), "revenue": (40_000, 5_000, 1_000)}),
    "retail": ("52", {"employees": (300, 50, 10), "revenue": (20_000, 500, 100)}),
    "transport": ("54", {"employees": (1_000, 300, 20), "revenue": (30_000, 3_000, 200)}),
    "warehousing": ("592", {"employees": (200, 100, 20), "revenue": (30_000, 1_000, 100)}),
    "postal": ("60", {"employees": (1_000, 300, 20), "revenue": (30_000, 2_000, 100)}),
    "accommodation": ("61", {"employees": (300, 100, 10), "revenue": (10_000, 2_000, 100)}),
    "catering": ("62", {"employees": (300, 100, 10), "revenue": (10_000, 2_000, 100)}),
    "information_transmission": (
        "63",
        {"employees": (2_000, 100, 10), "revenue": (100_000, 1_000, 100)},
    ),
    "software_it": ("65", {"employees": (300, 100, 10), "revenue": (10_000, 1_000, 50)}),
    "real_estate_development": (
        "7010",
        {"revenue": (200_000, 1_000, 100), "assets": (10_000, 5_000, 2_000)},
    ),
    "property_management": (
        "7020",
        {"employees": (1_000, 300, 100), "revenue": (5_000, 1_000, 500)},
    ),
    "leasing_business_services": (
        "72",
        {"employees": (300, 100, 10), "assets": (120_000, 8_000, 100)},
    ),
    "other": ("73", {"employees": (300, 100, 10)}),
}
TIERS = (L, M, S)
BELOW = {L: M, M: S, S: U}


def _in_units(indicator: str, value: int) -> int:
    return value if indicator == "employees" else value * WAN


def _values(bounds: dict[str, tuple[int, int, int]]) -> dict[str, int | None]:
    """Every indicator at its large bound, so only the one under test can pull the class down."""
    values: dict[str, int | None] = {"employees": 0, "revenue": 0, "assets": None}
    for indicator, (large, _, _) in bounds.items():
        values[indicator] = _in_units(indicator, large)
    return values


def _cases() -> list[tuple[str, str, int, SizeClass]]:
    cases = []
    for row, (_industry, bounds) in STANDARD.items():
        for indicator, lowers in bounds.items():
            for tier, lower in zip(TIERS, lowers, strict=True):
                exact = _in_units(indicator, lower)
                cases.append((f"{row}-{indicator}-{tier}-at", indicator, exact, tier))
                cases.append((f"{row}-{indicator}-{tier}-above", indicator, exact + 1, tier))
                cases.append(
                    (f"{row}-{indicator}-{tier}-one-below", indicator, exact - 1, BELOW[tier])
                )
            cases.append((f"{row}-{indicator}-zero", indicator, 0, U))
    return cases


@pytest.mark.parametrize(
    ("case", "indicator", "value", "expected"),
    _cases(),
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_every_row_at_and_around_every_bound(
    case: str, indicator: str, value: int, expected: SizeClass
) -> None:
    row = case.split("-")[0]
    industry, bounds = STANDARD[row]
    values = _values(bounds)
    values[indicator] = value
    employees, revenue, assets = values["employees"], values["revenue"], values["assets"]
    assert employees is not None and revenue is not None
    assert classify(industry, employees, revenue, assets) is expected
    explained = explain(industry, employees, revenue, assets)
    assert explained.row.code == row and explained.size_class is expected


def test_module_table_matches_the_published_table() -> None:
    names = {"employees": "employees", "revenue": "revenue_fen", "assets": "assets_fen"}
    assert [r.code for r in SIZE_ROWS] == list(STANDARD)
    for row in SIZE_ROWS:
        industry, bounds = STANDARD[row.code]
        assert size_row_for(industry) is row
        expected = {
            names[i]: tuple(_in_units(i, v) for v in lowers) for i, lowers in bounds.items()
        }
        assert {b.indicator.value: (b.large, b.medium, b.small) for b in row.bounds} == expected


@pytest.mark.parametrize(
    ("employees", "revenue_wan", "expected"),
    [
        (1_000, 40_000, L),  # both at the large bounds
        (1_000, 39_999, M),  # one indicator short: down one class
        (5_000, 2_000, M),  # large on people, medium on revenue: medium
        (5_000, 300, S),  # 下划一档 until both meet the bounds
        (999_999, 299, U),  # micro needs only one indicator below the small bound
        (19, 999_999, U),
        (20, 300, S),
        (19, 299, U),
    ],
)
def test_industry_needs_both_indicators(
    employees: int, revenue_wan: int, expected: SizeClass
) -> None:
    assert classify("C39", employees, revenue_wan * WAN, None) is expected


@pytest.mark.parametrize(
    ("industry", "row"),
    [
        ("01", "agriculture"),
        ("05", "agriculture"),
        ("A05", "agriculture"),
        ("06", "industry"),
        ("12", "industry"),
        ("C3911", "industry"),
        ("43", "industry"),
        ("46", "industry"),
        ("47", "construction"),
        ("50", "construction"),
        ("51", "wholesale"),
        ("F5123", "wholesale"),
        ("52", "retail"),
        ("53", "other"),
        ("54", "transport"),
        ("58", "transport"),
        ("591", "transport"),
        ("5910", "transport"),
        ("592", "warehousing"),
        ("5990", "warehousing"),
        ("G596", "warehousing"),
        ("60", "postal"),
        ("61", "accommodation"),
        ("62", "catering"),
        ("63", "information_transmission"),
        ("64", "information_transmission"),
        ("65", "software_it"),
        ("701", "real_estate_development"),
        ("7010", "real_estate_development"),
        ("702", "property_management"),
        ("K7020", "property_management"),
        ("703", "other"),
        ("709", "other"),
        ("71", "leasing_business_services"),
        ("72", "leasing_business_services"),
        ("73", "other"),
        ("79", "other"),
        ("80", "other"),
        ("82", "other"),
        ("85", "other"),
        ("86", "other"),
        ("90", "other"),
    ],
)
def test_industry_codes_map_to_their_row(industry: str, row: str) -> None:
    assert size_row_for(industry).code == row


@pytest.mark.parametrize(
    "industry", ["66", "69", "J6621", "704", "7040", "83", "84", "91", "96", "97"]
)
def test_industries_outside_the_standard_are_refused(industry: str) -> None:
    with pytest.raises(IndustryNotCoveredError) as caught:
        classify(industry, 5, 0, 0)
    assert caught.value.code == "industry_not_covered"


@pytest.mark.parametrize("industry", ["59", "70", "G59", "K70"])
def test_divisions_split_between_rows_need_their_group(industry: str) -> None:
    with pytest.raises(
        IndustryNeedsGroupError, match=f"division {industry[-2:]} spans several rows"
    ):
        classify(industry, 5, 0, 0)


@pytest.mark.parametrize(
    ("industry", "message"),
    [
        *(
            (code, "is not a GB/T 4754-2017 code")
            for code in ("", "0", "C", "c39", "39-1", "39111")
        ),
        *((code, "is not a GB/T 4754-2017 division") for code in ("00", "98", "99")),
        ("0099", "'00' is not a GB/T 4754-2017 division"),
        ("A39", "division 39 belongs to section C, not A"),
        ("C01", "division 01 belongs to section A, not C"),
        ("597", "'597' is not a group of division 59"),
        ("705", "'705' is not a group of division 70"),
    ],
)
def test_unknown_industry_codes_are_refused(industry: str, message: str) -> None:
    with pytest.raises(UnknownIndustryError, match=re.escape(message)):
        classify(industry, 5, 0, 0)


def test_every_division_either_maps_or_is_refused_explicitly() -> None:
    refused: dict[str, str] = {}
    for division in DIVISIONS:
        try:
            size_row_for(division.code)
        except (IndustryNotCoveredError, IndustryNeedsGroupError) as error:
            refused[division.code] = error.code
    not_covered = {f"{n}" for n in (66, 67, 68, 69, 83, 84, 91, 92, 93, 94, 95, 96, 97)}
    assert refused == {
        **{code: "industry_not_covered" for code in not_covered},
        "59": "industry_needs_group",
        "70": "industry_needs_group",
    }


@pytest.mark.parametrize("industry", ["47", "7010", "72"])
def test_missing_assets_where_the_row_needs_them(industry: str) -> None:
    with pytest.raises(MissingIndicatorError) as caught:
        classify(industry, 5, 100 * WAN, None)
    assert caught.value.field == "assets_fen"
    assert caught.value.code == "missing_indicator"


def test_assets_are_ignored_where_the_row_does_not_use_them() -> None:
    assert classify("65", 5, 10 * WAN, None) is U
    assert classify("65", 5, 10 * WAN, 10**15) is U


@pytest.mark.parametrize("industry", ["47", "65"])
@pytest.mark.parametrize(("employees", "revenue", "assets"), [(-1, 0, 0), (5, -1, 0), (5, 0, -1)])
def test_negative_indicators_are_refused_even_where_unused(
    industry: str, employees: int, revenue: int, assets: int
) -> None:
    with pytest.raises(InvalidIndicatorError, match=r"must not be negative, got -1"):
        classify(industry, employees, revenue, assets)


def test_explain_names_row_bounds_and_deciding_indicator() -> None:
    result = explain("C39", 25, 5_000 * WAN, None)
    assert result.size_class is S
    assert result.row.name_zh == "工业"
    assert [a.reaches for a in result.assessments] == [S, M]
    assert [a.bounds.indicator.value for a in result.deciding] == ["employees"]
    assert "工业" in result.describe() and "→ small" in result.describe()


def test_size_class_labels() -> None:
    assert [c.name_zh for c in SizeClass] == ["大型", "中型", "小型", "微型"]
    assert [c.is_small_or_micro for c in SizeClass] == [False, False, True, True]


def test_the_deciding_indicators_are_those_that_reach_only_the_class() -> None:
    # Industry: 25 people reach small, 100 万元 revenue only micro; micro is decided by revenue.
    explanation = explain("13", 25, 100 * WAN, None)
    assert explanation.size_class == U
    assert [a.reaches for a in explanation.assessments] == [S, U]
    assert [a.bounds.indicator.value for a in explanation.deciding] == ["revenue_fen"]
    assert explanation.row.indicators == (Indicator.EMPLOYEES, Indicator.REVENUE)


@pytest.mark.parametrize(
    ("large", "medium", "small"),
    [(100, 100, 10), (100, 10, 10), (100, 10, 0), (100, 10, -1), (10, 100, 1), (100, 1, 10)],
)
def test_bounds_must_fall_strictly_and_stay_positive(large: int, medium: int, small: int) -> None:
    with pytest.raises(ValueError, match="bounds must fall strictly"):
        Bounds(Indicator.EMPLOYEES, large, medium, small)


def test_the_smallest_bounds_are_accepted() -> None:
    assert Bounds(Indicator.EMPLOYEES, 3, 2, 1).small == 1


def test_the_standard_and_an_explanation_cannot_be_changed() -> None:
    from dataclasses import FrozenInstanceError

    explanation = explain("13", 25, 100 * WAN, None)
    row, bounds, assessment = explanation.row, explanation.row.bounds[0], explanation.deciding[0]
    for thing, attribute in (
        (explanation, "size_class"),
        (row, "code"),
        (bounds, "small"),
        (assessment, "value"),
    ):
        with pytest.raises(FrozenInstanceError):
            setattr(thing, attribute, getattr(thing, attribute))
