"""Bounded waiting for effects that arrive later (through the feeds): no fixed sleeps."""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(
    check: Callable[[], T], *, timeout: float = 60.0, first: float = 0.05, most: float = 1.0
) -> T:
    """`check()`'s first result that raises no AssertionError, polled until `timeout` seconds;
    then its last AssertionError is raised.

    The polls space out (doubling from `first` to `most` seconds), so a long wait stays within
    the gateway's rate limits (120 writes a minute per client) even when `check` writes. The
    default bound outlasts a feed consumer's longest back-off (30 s, after its producer was
    down) on a loaded machine; an effect that is there returns at once."""
    deadline = time.monotonic() + timeout
    pause = first
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(most, pause * 2)
