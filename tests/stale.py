"""Stale reads on demand: what a concurrent transaction's commit would have hidden from a read
made just before it, so a race branch runs on any database (SQLite serialises writers)."""

from collections.abc import Callable
from typing import Any


def stale_once(real: Callable[..., Any], stale: Any, when: Callable[..., bool]) -> Any:
    """`real`, except that its first call matching `when` answers `stale`."""
    calls = {"stale": 0}

    def read(*args: Any, **kwargs: Any) -> Any:
        if calls["stale"] == 0 and when(*args, **kwargs):
            calls["stale"] += 1
            return stale
        return real(*args, **kwargs)

    return read
