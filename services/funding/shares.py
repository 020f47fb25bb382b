"""Exact pro-rata shares in fen: the parts add up to the whole (largest remainder)."""

from collections.abc import Sequence


def split_pro_rata(total_fen: int, weights: Sequence[int]) -> list[int]:
    """`total_fen` split in proportion to `weights`, each part floored, then the fen left over
    handed one each to the largest remainders (ties: the earlier weight). Parts sum to the total.

    Weights are non-negative integers (fen, m², counts); all zero gives all zero parts.
    """
    if total_fen < 0:
        raise ValueError("total_fen must not be negative")
    if any(weight < 0 for weight in weights):
        raise ValueError("weights must not be negative")
    whole = sum(weights)
    if whole == 0:
        return [0 for _ in weights]
    parts = [total_fen * weight // whole for weight in weights]
    remainders = [total_fen * weight % whole for weight in weights]
    left = total_fen - sum(parts)
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        parts[index] += 1
    return parts


def scale_to_cap(cap_fen: int, amounts: Sequence[int]) -> list[int]:
    """`amounts` unchanged when they fit under `cap_fen`, else scaled pro rata to exactly the cap."""
    if sum(amounts) <= cap_fen:
        return list(amounts)
    return split_pro_rata(cap_fen, amounts)
