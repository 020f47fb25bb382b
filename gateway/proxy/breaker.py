"""A passive circuit breaker per upstream: failures open it, a single probe closes it."""

import time


class CircuitBreaker:
    """Closed → open after `threshold` consecutive failures → half-open after `reset_seconds`."""

    def __init__(self, *, threshold: int, reset_seconds: float) -> None:
        self.threshold = threshold
        self.reset_seconds = reset_seconds
        self.failures = 0
        self.opened_at: float | None = None
        self.probing = False

    @property
    def is_open(self) -> bool:
        """Whether calls are being refused right now."""
        return self.opened_at is not None

    def admit(self) -> float:
        """0 if a call may go ahead; else the seconds until the next probe is allowed."""
        if self.opened_at is None:
            return 0.0
        waited = time.monotonic() - self.opened_at
        if waited < self.reset_seconds:
            return self.reset_seconds - waited
        if self.probing:
            return 1.0
        self.probing = True  # half-open: this call is the probe
        return 0.0

    def success(self) -> None:
        """An upstream answer arrived."""
        self.failures = 0
        self.opened_at = None
        self.probing = False

    def failure(self) -> bool:
        """A connection error or timeout; returns True when this opens the circuit."""
        self.failures += 1
        was_open = self.opened_at is not None
        if self.probing or self.failures >= self.threshold:
            self.opened_at = time.monotonic()
            self.probing = False
            return not was_open
        return False
