"""Reference data: districts, industries, baseline and targets from the plan."""

import dataclasses

import pytest

from services.registry.reference.districts import (
    DISTRICTS,
    DISTRICTS_BY_CODE,
    DistrictKind,
    MatchingRatio,
    district,
)
from services.registry.reference.industries import DIVISIONS, GROUPS, SECTIONS, SECTIONS_BY_CODE
from services.registry.reference.targets import (
    BASELINE_2014,
    CITY_TARGETS,
    DISTRICT_TARGETS_2015,
    EMPLOYEES_TARGET_2017,
)
from services.registry.reference.units import (
    FEN_PER_YI_YUAN,
    wan_people,
    wan_yuan_to_fen,
    yi_yuan_to_fen,
)

YI = FEN_PER_YI_YUAN


def test_exactly_fourteen_units_with_unique_codes_and_names() -> None:
    assert len(DISTRICTS) == 14
    assert len(DISTRICTS_BY_CODE) == 14
    assert len({d.name_zh for d in DISTRICTS}) == 14
    assert len({d.admin_code for d in DISTRICTS if d.admin_code}) == 10


@pytest.mark.parametrize(
    ("code", "name_zh", "kind", "admin_code", "ratio", "label"),
    [
        ("xiaodian", "小店区", DistrictKind.CITY_DISTRICT, "140105", (2, 3), "1:1.5"),
        ("jinyuan", "晋源区", DistrictKind.CITY_DISTRICT, "140110", (2, 3), "1:1.5"),
        ("qingxu", "清徐县", DistrictKind.COUNTY, "140121", (1, 1), "1:1"),
        ("yangqu", "阳曲县", DistrictKind.COUNTY, "140122", (2, 1), "1:0.5"),
        ("loufan", "娄烦县", DistrictKind.COUNTY, "140123", (2, 1), "1:0.5"),
        ("gujiao", "古交市", DistrictKind.COUNTY_LEVEL_CITY, "140181", (1, 1), "1:1"),
        ("hi_tech_zone", "高新区", DistrictKind.DEVELOPMENT_ZONE, None, (1, 2), "1:2"),
        ("economic_zone", "经济区", DistrictKind.DEVELOPMENT_ZONE, None, (1, 2), "1:2"),
        ("private_economy_zone", "民营区", DistrictKind.DEVELOPMENT_ZONE, None, (2, 3), "1:1.5"),
        (
            "stainless_steel_park",
            "不锈钢园区",
            DistrictKind.DEVELOPMENT_ZONE,
            None,
            (2, 3),
            "1:1.5",
        ),
    ],
)
def test_district_rows(
    code: str,
    name_zh: str,
    kind: DistrictKind,
    admin_code: str | None,
    ratio: tuple[int, int],
    label: str,
) -> None:
    unit = district(code)
    assert (unit.name_zh, unit.kind, unit.admin_code) == (name_zh, kind, admin_code)
    assert (unit.matching.city, unit.matching.district) == ratio
    assert unit.matching.label == label


def test_six_city_districts_match_at_one_to_one_and_a_half() -> None:
    city = [d for d in DISTRICTS if d.kind is DistrictKind.CITY_DISTRICT]
    assert len(city) == 6
    assert {d.matching for d in city} == {MatchingRatio(2, 3)}


def test_reference_data_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DISTRICTS[0].code = "x"  # type: ignore[misc]
    with pytest.raises(ValueError, match="two positive parts"):
        MatchingRatio(0, 1)


def test_industry_sections_and_divisions() -> None:
    assert [s.code for s in SECTIONS] == list("ABCDEFGHIJKLMNOPQRST")
    assert [d.code for d in DIVISIONS] == [f"{n:02d}" for n in range(1, 98)]
    assert all(d.section in SECTIONS_BY_CODE for d in DIVISIONS)
    first_division = {s: min(d.code for d in DIVISIONS if d.section == s) for s in SECTIONS_BY_CODE}
    assert first_division == {
        "A": "01",
        "B": "06",
        "C": "13",
        "D": "44",
        "E": "47",
        "F": "51",
        "G": "53",
        "H": "61",
        "I": "63",
        "J": "66",
        "K": "70",
        "L": "71",
        "M": "73",
        "N": "76",
        "O": "80",
        "P": "83",
        "Q": "84",
        "R": "86",
        "S": "91",
        "T": "97",
    }
    assert all(g.code.startswith(g.division) for g in GROUPS)


def test_units_convert_exactly() -> None:
    assert yi_yuan_to_fen("1") == 10_000_000_000
    assert yi_yuan_to_fen("0.18") == 1_800_000_000
    assert wan_yuan_to_fen("1") == 1_000_000
    assert wan_people("1.54") == 15_400
    with pytest.raises(ValueError, match="is not a whole number"):
        wan_people("0.000001")


def test_baseline_2014() -> None:
    assert BASELINE_2014.enterprises == 67_699
    assert BASELINE_2014.employees == 595_000
    assert BASELINE_2014.revenue_fen == 3_347 * YI
    assert BASELINE_2014.patents_held == 2_187
    assert (
        BASELINE_2014.employees + sum(t.new_jobs for t in CITY_TARGETS)
        == EMPLOYEES_TARGET_2017
        == 820_000
    )


def test_city_targets() -> None:
    assert [(t.year, t.revenue_fen // YI, t.new_jobs, t.patents_held) for t in CITY_TARGETS] == [
        (2015, 3_735, 65_000, 2_471),
        (2016, 4_135, 75_000, 2_792),
        (2017, 4_549, 85_000, 3_155),
    ]
    assert [t.tech_contract_turnover_fen for t in CITY_TARGETS] == [
        1_460_000_000_00,
        1_640_000_000_00,
        1_840_000_000_00,
    ]


def test_district_targets_cover_every_unit_once() -> None:
    assert [t.district for t in DISTRICT_TARGETS_2015] == [
        "xiaodian",
        "yingze",
        "xinghualing",
        "jiancaoping",
        "wanbailin",
        "jinyuan",
        "gujiao",
        "qingxu",
        "yangqu",
        "loufan",
        "hi_tech_zone",
        "economic_zone",
        "private_economy_zone",
        "stainless_steel_park",
    ]
    assert {t.district for t in DISTRICT_TARGETS_2015} == set(DISTRICTS_BY_CODE)
    xiaodian = DISTRICT_TARGETS_2015[0]
    assert (
        xiaodian.revenue_fen,
        xiaodian.new_jobs,
        xiaodian.tech_contract_turnover_fen,
        xiaodian.patents_held,
    ) == (609 * YI, 15_400, 2 * YI, 509)
    no_tech = {t.district for t in DISTRICT_TARGETS_2015 if t.tech_contract_turnover_fen is None}
    assert no_tech == {"gujiao", "qingxu", "loufan"}


def test_district_targets_add_up_to_the_city_2015_targets_within_rounding() -> None:
    city = CITY_TARGETS[0]
    rows = DISTRICT_TARGETS_2015
    # Revenue is given per district in whole 亿: 14 roundings allow up to ±7亿; the plan's
    # rows add to 3,736亿 against the city's 3,735亿.
    revenue = sum(t.revenue_fen for t in rows)
    assert revenue == 3_736 * YI
    assert abs(revenue - city.revenue_fen) <= len(rows) * YI // 2
    assert sum(t.new_jobs for t in rows) == city.new_jobs
    assert sum(t.tech_contract_turnover_fen or 0 for t in rows) == city.tech_contract_turnover_fen
    assert sum(t.patents_held or 0 for t in rows) == city.patents_held
