"""Unified social credit code validation (GB 32100-2015, GB 11714)."""

import pytest
from stdnum.cn import uscc as stdnum_uscc

from services.registry.uscc import (
    CHARSET,
    WEIGHTS,
    UsccError,
    is_valid_uscc,
    uscc_check_character,
    validate_uscc,
)
from services.registry.uscc.authorities import REGISTRATION_AUTHORITIES
from services.registry.uscc.organisation_code import (
    is_valid_organisation_code,
    organisation_check_character,
)

# Codes published for real organisations.
PUBLISHED_CODES = {
    # 华为技术有限公司, shown as 機構代碼 on its Chinese Wikipedia page.
    "914403001922038216": "Huawei Technologies Co., Ltd.",
    # 深圳市腾讯计算机系统有限公司, as shown by a business-register report (check-china.com).
    "91440300708461136T": "Shenzhen Tencent Computer Systems Co., Ltd.",
    # 阿里巴巴(中国)有限公司, widely quoted as its tax number.
    "91330100799655058B": "Alibaba (China) Co., Ltd.",
    # 清华大学: authority 1 (机构编制), category 2 (事业单位), national division 100000.
    "12100000400000624D": "Tsinghua University",
    # 北京吉野家快餐有限公司, seller on a published invoice.
    "911100006000650192": "Beijing Yoshinoya Fast Food Co., Ltd.",
    # A Taiyuan (140100) code of the newer MA… segment, as used by a Shanxi platform.
    "91140100MA0GTCLY49": "Taiyuan enterprise (MA segment)",
    # The example code of the team brief; its checks hold.
    "91110000100006485K": "brief example",
}
VALID = "91440300708461136T"


@pytest.mark.parametrize("code", sorted(PUBLISHED_CODES))
def test_published_codes_are_valid(code: str) -> None:
    validate_uscc(code)
    assert is_valid_uscc(code)
    assert uscc_check_character(code[:17]) == code[17]
    assert is_valid_organisation_code(code[8:17])


def test_weights_are_powers_of_three_mod_31() -> None:
    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert len(CHARSET) == 31
    assert not set("IOSVZ") & set(CHARSET)


def test_check_character_zero_when_sum_is_multiple_of_31() -> None:
    # All-zero body: Σ = 0, 31 − 0 = 31 → '0'.
    assert uscc_check_character("0" * 17) == "0"


def test_organisation_check_character_maps_10_to_x_and_11_to_0() -> None:
    assert organisation_check_character("10000000") == "8"  # Σ = 3 → 11 − 3
    assert organisation_check_character("00000030") == "X"  # Σ = 12 ≡ 1 → 10 → 'X'
    assert organisation_check_character("00000000") == "0"  # Σ = 0 → 11 → '0'


@pytest.mark.parametrize(
    ("code", "position", "rule"),
    [
        ("9144030070846113T", None, "length"),
        ("91440300708461136TT", None, "length"),
        ("", None, "length"),
        (" 91440300708461136T", 1, "whitespace"),
        ("91440300708461136T\n", 19, "whitespace"),
        ("914403007084 1136T", 13, "whitespace"),
        ("9\t1440300708461136T", 2, "whitespace"),
        ("91440300708461136t", 18, "lowercase"),
        ("91440300708461l36T", 15, "lowercase"),
        ("91440300708461I36T", 15, "charset"),
        ("914403007O8461136T", 10, "charset"),
        ("S1440300708461136T", 1, "charset"),
        ("９1440300708461136T", 1, "charset"),
        ("B1440300708461136T", 1, "registration_authority"),
        ("94440300708461136T", 2, "organisation_category"),
        ("Y2440300708461136T", 2, "organisation_category"),
        ("9144A300708461136T", 5, "division_code"),
        ("91990300708461136T", 3, "division_code"),
        ("91190300708461136T", 4, "division_code"),
        ("91101000708461136T", 5, "division_code"),
        ("91000000708461136T", 3, "division_code"),
        ("91200300708461136T", 4, "division_code"),
        ("91440300708461137T", 17, "organisation_code_check"),
        ("91440300708461131B", 17, "organisation_code_check"),  # below the right one, '6'
        ("91440300708461136U", 18, "check_character"),
    ],
)
def test_bad_codes_name_position_and_rule(code: str, position: int | None, rule: str) -> None:
    with pytest.raises(UsccError) as caught:
        validate_uscc(code)
    assert (caught.value.position, caught.value.rule) == (position, rule)
    assert caught.value.message
    assert not is_valid_uscc(code)


# Registration authorities (position 1) and their organisation categories (position 2), written
# from GB 32100-2015 table 1 (1, 5, 9, Y) and the codes the standardisation administration
# assigned later (2, 3, 4, 6, 7, 8, A, N); not read from the production table.
AUTHORITY_CATEGORIES = {
    "1": (
        "机构编制",
        {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"},
    ),
    "2": ("外交", {"1": "外国常住新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {
            "1": "律师执业机构",
            "2": "公证处",
            "3": "基层法律服务所",
            "4": "司法鉴定机构",
            "5": "仲裁委员会",
            "9": "其他",
        },
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": (
        "旅游",
        {
            "1": "外国旅游部门常驻代表机构",
            "2": "港澳台地区旅游部门常驻内地(大陆)代表机构",
            "9": "其他",
        },
    ),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": (
        "农业",
        {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"},
    ),
    "Y": ("其他", {"1": "其他"}),
}


def test_every_authority_category_pair_is_accepted_and_others_rejected() -> None:
    body = "440300708461136"
    for authority in CHARSET:
        for category in CHARSET:
            first17 = authority + category + body
            code = first17 + stdnum_uscc.calc_check_digit(first17)  # an independent check
            known = AUTHORITY_CATEGORIES.get(authority)
            expected = known is not None and category in known[1]
            assert is_valid_uscc(code) is expected, code
            if not expected:
                with pytest.raises(UsccError) as caught:
                    validate_uscc(code)
                assert caught.value.position == (2 if known else 1), code


def test_the_authority_table_names_what_the_standard_names() -> None:
    assert {
        code: (a.name_zh, dict(a.categories)) for code, a in REGISTRATION_AUTHORITIES.items()
    } == AUTHORITY_CATEGORIES


@pytest.mark.parametrize("code", sorted(PUBLISHED_CODES))
def test_published_codes_agree_with_stdnum(code: str) -> None:
    assert stdnum_uscc.is_valid(code)
    assert stdnum_uscc.calc_check_digit(code[:17]) == uscc_check_character(code[:17])


def test_check_character_agrees_with_stdnum_over_generated_codes() -> None:
    import random

    rng = random.Random(32100)
    for _ in range(3000):
        first17 = "".join(rng.choice(CHARSET) for _ in range(17))
        assert uscc_check_character(first17) == stdnum_uscc.calc_check_digit(first17), first17


def _substitutions(code: str) -> list[tuple[int, str]]:
    return [(i, c) for i in range(len(code)) for c in CHARSET if c != code[i]]


@pytest.mark.parametrize("code", sorted(PUBLISHED_CODES))
def test_every_single_substitution_is_rejected(code: str) -> None:
    substitutions = _substitutions(code)
    assert len(substitutions) == 18 * 30
    for index, char in substitutions:
        mutated = code[:index] + char + code[index + 1 :]
        assert not is_valid_uscc(mutated), (index + 1, char)
        # The mod-31 check alone already catches it: weights are units mod 31.
        assert uscc_check_character(mutated[:17]) != mutated[17], (index + 1, char)


@pytest.mark.parametrize("code", sorted(PUBLISHED_CODES))
def test_every_adjacent_transposition_is_rejected(code: str) -> None:
    swaps = [i for i in range(17) if code[i] != code[i + 1]]
    assert swaps
    for index in swaps:
        mutated = code[:index] + code[index + 1] + code[index] + code[index + 2 :]
        assert not is_valid_uscc(mutated), (index + 1, index + 2)
        assert uscc_check_character(mutated[:17]) != mutated[17], (index + 1, index + 2)


def test_mod_31_check_catches_every_adjacent_swap_for_any_characters() -> None:
    # A swap of values a ≠ b at positions i, i+1 (both weighted) shifts the sum by
    # (a − b)(w_i − w_{i+1}); with 31 prime this is 0 only if w_i ≡ w_{i+1}.
    assert all((WEIGHTS[i] - WEIGHTS[i + 1]) % 31 for i in range(16))
    # Swapping positions 17 and 18 (a at 17, check b at 18) goes undetected only if
    # (a − b)·w17 ≡ (a − b), i.e. w17 ≡ 1 (mod 31).
    assert WEIGHTS[16] % 31 != 1
    # And exhaustively, over every pair of distinct characters at every adjacent pair.
    base = "91440300708461136"
    for i in range(16):
        for a in CHARSET:
            for b in CHARSET:
                if a == b:
                    continue
                first17 = base[:i] + a + b + base[i + 2 :]
                swapped17 = base[:i] + b + a + base[i + 2 :]
                assert uscc_check_character(swapped17) != uscc_check_character(first17), (
                    i + 1,
                    a,
                    b,
                )
    for a in CHARSET:
        first17 = base[:16] + a
        check = uscc_check_character(first17)
        if check != a:
            swapped = base[:16] + check + a
            assert uscc_check_character(swapped[:17]) != swapped[17], (17, a, check)


@pytest.mark.parametrize("first", [VALID[:16], VALID, VALID[:17] + "00"])
def test_check_character_needs_exactly_17_characters(first: str) -> None:
    # map() over the 17 weights would silently drop or never reach the extra characters.
    with pytest.raises(ValueError, match=f"expected 17 characters, got {len(first)}"):
        uscc_check_character(first)


@pytest.mark.parametrize("char", ["I", "O", "S", "V", "Z", "a", "-"])
def test_check_character_refuses_characters_outside_the_set(char: str) -> None:
    first = VALID[:16] + char
    with pytest.raises(ValueError, match=f"character {char!r} is not in the USCC character set"):
        uscc_check_character(first)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("9144030070846113T", "a USCC has 18 characters, got 17"),
        (" 91440300708461136T", "whitespace at position 1"),
        ("9\t1440300708461136T", "whitespace at position 2"),
        ("91440300708461l36T", "lowercase 'l' at position 15; USCCs use capitals"),
        ("91440300708461136t", "lowercase 't' at position 18; USCCs use capitals"),
        (
            "914403007O8461136T",
            "'O' at position 10 is not in the USCC character set "
            "(digits and capitals without I, O, S, V, Z)",
        ),
        (
            "Y2440300708461136T",
            "'2' is not an organisation category of authority 'Y' (其他); allowed: 1",
        ),
        (
            "91440300708461I36T",
            "'I' at position 15 is not in the USCC character set "
            "(digits and capitals without I, O, S, V, Z)",
        ),
        ("B1440300708461136T", "'B' is not a registration authority code"),
        (
            "94440300708461136T",
            "'4' is not an organisation category of authority '9' (工商); allowed: 1, 2, 3",
        ),
        ("9144A300708461136T", "positions 3–8 '44A300' are not an administrative division code"),
        ("91440300708461137T", "organisation code check character should be '6', got '7'"),
        ("91440300708461136U", "check character should be 'T', got 'U'"),
    ],
)
def test_each_rule_says_what_is_wrong_where(code: str, message: str) -> None:
    # The message reaches the caller (the registry's problem detail, an import's rejection).
    with pytest.raises(UsccError) as caught:
        validate_uscc(code)
    assert caught.value.message == message == str(caught.value)


@pytest.mark.parametrize("body", ["1234567", "123456789", "", "1234567a", "1234567-"])
def test_organisation_check_character_needs_8_digits_or_capitals(body: str) -> None:
    with pytest.raises(ValueError, match="an organisation-code body is 8 digits or capital"):
        organisation_check_character(body)


@pytest.mark.parametrize(
    "code", ["708461137", "708461131", "70846113X", "100000007", "000000301", "000000001"]
)
def test_an_organisation_code_with_the_wrong_check_character_is_invalid(code: str) -> None:
    assert not is_valid_organisation_code(code)
    assert is_valid_organisation_code(code[:8] + organisation_check_character(code[:8]))


@pytest.mark.parametrize("code", ["70846113", "7084611360", "", "7084611a6", "70846-136"])
def test_an_organisation_code_of_the_wrong_shape_is_invalid(code: str) -> None:
    assert not is_valid_organisation_code(code)


def test_registration_authorities_cannot_be_changed() -> None:
    from dataclasses import FrozenInstanceError

    authority = REGISTRATION_AUTHORITIES["9"]
    with pytest.raises(FrozenInstanceError):
        authority.name_zh = "其他"  # type: ignore[misc]
