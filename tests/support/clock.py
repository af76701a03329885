"""A clock for the budgets' windows that tests step instead of sleeping (create_app(clock=...))."""

from __future__ import annotations

from dataclasses import dataclass

START = 1_800_000_000.0  # on a minute's first second (divisible by 60)
TICK = 0.001  # each request the app times moves the clock on by this


@dataclass
class StepClock:
    """Starts at a minute's first second and moves 1 ms a reading, so a test's requests never
    cross a window by chance (60,000 requests to a minute) and never exceed the default request
    budget (1,000 requests a second at most); `advance` jumps ahead."""

    now: float = START

    def __call__(self) -> float:
        current = self.now
        self.now += TICK
        return current

    def advance(self, seconds: float) -> None:
        self.now += seconds
