"""Resident ID numbers (GB 11643): published examples, the standard's table, and python-stdnum
(`stdnum.cn.ric`) as an independent oracle; the API names the failing positions."""

import random
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from stdnum.cn import ric

from services.registry.enterprises.rules import id_check_character, id_number_issue
from tests.registry.conftest import RegistryHeaders
from tests.registry.factories import filing

# Published numbers: GB 11643-1999's own examples (Beijing 1949, Chaoyang county 1880) and
# python-stdnum's documented example.
PUBLISHED = ("11010519491231002X", "440524188001010014", "360426199101010071")

# GB 11643-1999 §8.2: the check character for Σ(aᵢ·Wᵢ) mod 11 = 0, 1, …, 10.
CHECK_TABLE = {
    0: "1",
    1: "0",
    2: "X",
    3: "9",
    4: "8",
    5: "7",
    6: "6",
    7: "5",
    8: "4",
    9: "3",
    10: "2",
}
# GB 11643-1999 §8.1: Wᵢ = 2^(i−1) mod 11, i counted from the check character (i = 1) leftwards.
WEIGHTS = [pow(2, 18 - position, 11) for position in range(1, 18)]

# GB/T 2260 codes of Taiyuan's districts and counties (Taiyuan is 1401).
TAIYUAN = ("140105", "140106", "140107", "140108", "140109", "140110", "140121", "140122")


def _by_the_standard(first17: str) -> str:
    return CHECK_TABLE[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def _stdnum_accepts(number: str) -> bool:
    try:
        return bool(ric.validate(number))
    except (ValueError, KeyError):  # its errors are ValueErrors; a province-only code: KeyError
        return False


@pytest.mark.parametrize("number", PUBLISHED)
def test_published_numbers_are_valid(number: str) -> None:
    assert id_number_issue(number) is None
    assert id_check_character(number[:17]) == number[17] == _by_the_standard(number[:17])


def test_check_character_agrees_with_the_standard_and_stdnum_over_generated_numbers() -> None:
    rng = random.Random(11643)
    seen_checks: set[str] = set()
    for _ in range(3000):
        # From 1998: python-stdnum also wants the region in use in the birth year (1997 here).
        born = date(1998, 1, 1) + timedelta(days=rng.randrange(365 * 25))
        first17 = f"{rng.choice(TAIYUAN)}{born:%Y%m%d}{rng.randrange(1000):03d}"
        expected = ric.calc_check_digit(first17 + "?")
        assert _by_the_standard(first17) == expected, first17
        assert id_check_character(first17) == expected, first17
        number = first17 + expected
        assert ric.is_valid(number) and id_number_issue(number) is None, number
        seen_checks.add(expected)
        for wrong in set("0123456789X") - {expected}:
            issue = id_number_issue(first17 + wrong)
            assert issue is not None and issue.message.startswith("position 18 "), first17
    assert seen_checks == set("0123456789X")  # every table entry exercised


@pytest.mark.parametrize(
    ("first17", "positions"),
    [
        ("14010519801301001", "positions 7–14 (birth date)"),  # month 13
        ("14010519800230001", "positions 7–14 (birth date)"),  # 30 February
        ("14010519810229001", "positions 7–14 (birth date)"),  # 29 February 1981
        ("99999919800101001", "positions 1–6 (region)"),  # no such division
        ("14999919800101001", "positions 1–6 (region)"),  # Shanxi, but no such county
        ("44052419950101001", "positions 1–6 (region)"),  # Chaoyang county, abolished 1993
    ],
)
def test_an_impossible_date_or_region_is_refused_naming_its_positions(
    first17: str, positions: str
) -> None:
    number = first17 + ric.calc_check_digit(first17 + "?")  # the check character is right
    assert not _stdnum_accepts(number)
    issue = id_number_issue(number)
    assert issue is not None and issue.code == "invalid_id_number"
    assert issue.field == "legal_representative.id_number"
    named = first17[6:14] if "birth" in positions else first17[:6]  # the digits at fault
    assert issue.message.startswith(f"{positions}: {named} is not"), issue.message


def test_a_birth_date_after_today_or_a_wrong_check_character_is_refused() -> None:
    first17 = "14010520261201001"
    number = first17 + ric.calc_check_digit(first17 + "?")
    future = id_number_issue(number, on=date(2026, 11, 30))
    assert future is not None
    assert future.message == "positions 7–14 (birth date): 2026-12-01 is in the future"
    assert id_number_issue(number, on=date(2026, 12, 1)) is None
    wrong = id_number_issue("140105198001010010")
    assert wrong is not None
    assert wrong.message == "position 18 (check character): should be '1', got '0'"


def test_a_region_code_created_after_the_birth_year_is_accepted() -> None:
    # Xiaodian (140105) dates from 1997; someone born there in 1980 registered later and holds
    # 140105…: python-stdnum's strict check rejects it, GB 11643 assigns it at registration.
    first17 = "14010519800101001"
    number = first17 + ric.calc_check_digit(first17 + "?")
    assert id_number_issue(number) is None
    assert ric.calc_check_digit(number) == number[17]


@pytest.mark.parametrize(
    "first17",
    ["14010519801301001", "99999919800101001", "14010520990101001"],
)
def test_the_api_refuses_an_impossible_birth_date_or_region(
    registry_client: TestClient, registry_headers: RegistryHeaders, first17: str
) -> None:
    number = first17 + ric.calc_check_digit(first17 + "?")
    body = filing(1, legal_representative={"name": "王建国", "id_number": number})
    response = registry_client.post(
        "/v1/enterprises", json=body, headers=registry_headers(kind="admin")
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "invalid_id_number"
    assert [e["field"] for e in problem["errors"]] == ["body.legal_representative.id_number"]
    assert "positions" in problem["errors"][0]["message"]
    listed = registry_client.get("/v1/enterprises", headers=registry_headers(kind="admin"))
    assert listed.json()["items"] == []


@pytest.mark.parametrize(
    "number",
    ["11010519491231002X0", "11010519491231002", "1101051949123100", "11010519491231002XX"],
)
def test_a_valid_number_with_a_character_more_or_less_is_refused(number: str) -> None:
    issue = id_number_issue(number)
    assert issue is not None and issue.code == "invalid_id_number"
    assert issue.message == "a resident ID number has 17 digits and a check character"


@pytest.mark.parametrize(
    "number", ["1101051949123100XX", "1101051949123100A2", "110105194912310 2X"]
)
def test_a_letter_or_space_at_position_17_is_refused(number: str) -> None:
    # Only position 18 may be a check character 'X'; 1–17 are digits.
    issue = id_number_issue(number)
    assert issue is not None and issue.code == "invalid_id_number"
    assert issue.message == "a resident ID number has 17 digits and a check character"
