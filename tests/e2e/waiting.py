"""Bounded waiting for effects that arrive later (through the feeds): no fixed sleeps."""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(check: Callable[[], T], *, timeout: float = 15.0, interval: float = 0.1) -> T:
    """`check()`'s first result that raises no AssertionError, polled until `timeout` seconds;
    then its last AssertionError is raised."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() >= deadline:
                raise
        time.sleep(interval)
