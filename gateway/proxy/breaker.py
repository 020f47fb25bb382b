"""A passive circuit breaker per upstream: failures open it, a single probe closes it."""

import time


class CircuitBreaker:
    """Closed → open after `threshold` consecutive failures → half-open after `reset_seconds`.

    Every admitted call must end in `success()`, `failure()` or `abandon()`; should a probe
    still never report, another probe is let through once it is `reset_seconds` old.
    """

    def __init__(self, *, threshold: int, reset_seconds: float) -> None:
        self.threshold = threshold
        self.reset_seconds = reset_seconds
        self.failures = 0
        self.opened_at: float | None = None
        self.probing = False
        self.probe_started = 0.0
        self.probe_id = 0

    @property
    def is_open(self) -> bool:
        """Whether calls are being refused right now."""
        return self.opened_at is not None

    def admit(self) -> float:
        """0 if a call may go ahead; else the seconds until the next probe is allowed."""
        if self.opened_at is None:
            return 0.0
        now = time.monotonic()
        waited = now - self.opened_at
        if waited < self.reset_seconds:
            return self.reset_seconds - waited
        if self.probing:
            probe_age = now - self.probe_started
            if probe_age < self.reset_seconds:
                return max(1.0, self.reset_seconds - probe_age)
        self.probing = True  # half-open: this call is the probe
        self.probe_started = now
        self.probe_id += 1
        return 0.0

    def current_probe(self) -> int | None:
        """Right after `admit()`: the id of the probe if that call was one, else None."""
        return self.probe_id if self.probing else None

    def abandon(self, probe: int | None) -> None:
        """An admitted call ended without an upstream outcome (caller gone, internal error)."""
        if probe is not None and self.probing and self.probe_id == probe:
            self.probing = False  # the next call may probe again

    def success(self) -> bool:
        """An upstream answer arrived; returns True when this closes an open circuit."""
        was_open = self.opened_at is not None
        self.failures = 0
        self.opened_at = None
        self.probing = False
        return was_open

    def failure(self) -> bool:
        """A connection error or timeout; returns True when this opens the circuit."""
        self.failures += 1
        was_open = self.opened_at is not None
        if self.probing or self.failures >= self.threshold:
            self.opened_at = time.monotonic()
            self.probing = False
            return not was_open
        return False
