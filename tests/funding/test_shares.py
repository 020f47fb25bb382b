"""Exact pro-rata shares: hand-computed splits, and the parts always add up to the whole."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.funding.shares import scale_to_cap, split_pro_rata


def test_a_hand_computed_split_gives_the_leftover_fen_to_the_largest_remainders() -> None:
    # 100 fen over 1:1:1 → 33.33 each; the one fen left goes to the first of the equal remainders.
    assert split_pro_rata(100, [1, 1, 1]) == [34, 33, 33]
    # 1,000 over 3:7 is exact.
    assert split_pro_rata(1_000, [3, 7]) == [300, 700]
    # 10 over 2:3:5 with remainders: 10*2/10=2, 3, 5 exact; 11 over the same → 2.2, 3.3, 5.5:
    # floors 2, 3, 5 (10), one fen left to the largest remainder (5.5).
    assert split_pro_rata(11, [2, 3, 5]) == [2, 3, 6]
    # Most fen left over: 10 over nine 1s and a 3 (whole 12) floors to 0 × 9 and 2; the 8 fen
    # left go to the first eight of the nine equal remainders (10 each; the 3's is 6).
    assert split_pro_rata(10, [1] * 9 + [3]) == [1, 1, 1, 1, 1, 1, 1, 1, 0, 2]
    assert split_pro_rata(1, [1, 1]) == [1, 0]  # every floor 0: the fen goes to the first


def test_zero_weights_get_nothing_and_all_zero_gives_all_zero() -> None:
    assert split_pro_rata(500, [0, 1, 0]) == [0, 500, 0]
    assert split_pro_rata(500, [0, 0]) == [0, 0]


def test_negative_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="total_fen"):
        split_pro_rata(-1, [1])
    with pytest.raises(ValueError, match="weights"):
        split_pro_rata(1, [1, -1])


def test_amounts_under_the_cap_are_unchanged_and_over_it_scale_to_exactly_the_cap() -> None:
    assert scale_to_cap(1_000, [300, 400]) == [300, 400]
    # 900 asked against 600: each × 2/3 → 200, 200, 200 exactly.
    assert scale_to_cap(600, [300, 300, 300]) == [200, 200, 200]
    assert sum(scale_to_cap(1_001, [333, 333, 1_000])) == 1_001


# No deadline or speed check: a loaded CI machine must not fail a pure arithmetic property.
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    total=st.integers(min_value=0, max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=40),
)
def test_parts_add_up_to_the_whole_and_stay_within_one_fen_of_the_exact_share(
    total: int, weights: list[int]
) -> None:
    parts = split_pro_rata(total, weights)
    whole = sum(weights)
    if whole == 0:
        assert parts == [0] * len(weights)
        return
    assert sum(parts) == total
    for part, weight in zip(parts, weights, strict=True):
        exact_times_whole = total * weight
        assert part * whole <= exact_times_whole + whole  # at most one fen over the exact share
        assert part * whole >= exact_times_whole - whole  # at most one fen under it
