"""What the story's steps share: the API as the demo clients, this run's codes, waiting.

Each step (tools/demo/steps/) is one job: it calls the gateway as the users would and says what
happened, with figures. Identifiers are fresh per run (USCCs from the run's six digits), so the
story runs again and again against the same stack.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tools.demo.client import Answer, Api

T = TypeVar("T")
PLAN_YEAR = 2015  # the demo's budget, bases and targets are the plan's 2015 ones
WAIT_SECONDS = 60.0


class StepFailed(RuntimeError):
    """A step's answer was not what the story needs."""


@dataclass
class Story:
    """What the steps share: the API, the demo keys, this run's codes and what steps found."""

    api: Api
    keys: dict[str, str]
    run: str
    say: Callable[[str], None]
    found: dict[str, Any] = field(default_factory=dict)

    def as_(self, who: str) -> Any:
        """The generated client authenticated as a demo (or story-made) client."""
        return self.api.client(self.keys[who])

    def call(self, operation: str, *args: Any, **kwargs: Any) -> Answer:
        """Call an operation (see Api.call)."""
        return self.api.call(operation, *args, **kwargs)

    def key(self, name: str) -> str:
        """An Idempotency-Key unique to this run."""
        return f"demo-{self.run}-{name}"

    def until(self, what: str, attempt: Callable[[], T | None]) -> T:
        """Repeat `attempt` until it answers (a feed has to bring something first)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            answer = attempt()
            if answer is not None:
                return answer
            if time.monotonic() > deadline:
                raise StepFailed(f"waited {WAIT_SECONDS:.0f} s for {what}")
            time.sleep(0.25)

    def enum(self, name: str, value: str) -> Any:
        """A value of a generated enum."""
        return getattr(self.api.models, name)(value)


def text(value: Any) -> str:
    """A generated enum's value, or the string an open field holds."""
    return str(getattr(value, "value", value))
