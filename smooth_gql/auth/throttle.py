"""Failed-login throttling, per account and per client address.

In process memory: each worker counts on its own, so with N workers an
attacker gets up to N times the budget (the README says so). That still turns
an online guessing attack from thousands of tries a second into a handful a
minute, without a shared store.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

# The address budget is larger: several people may log in from behind one NAT.
ADDRESS_FACTOR = 4
_MAX_TRACKED = 10_000  # bounded memory under a spray of made-up e-mails


class LoginThrottle:
    def __init__(
        self, max_failures: int, window_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._max = max_failures
        self._window = window_seconds
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, account: str, address: str | None) -> int:
        """Seconds until another attempt is allowed (0: go ahead)."""
        now = self._clock()
        waits = [self._wait(f"account:{account}", self._max, now)]
        if address:
            waits.append(self._wait(f"address:{address}", self._max * ADDRESS_FACTOR, now))
        return max(waits)

    def failed(self, account: str, address: str | None) -> None:
        now = self._clock()
        for key in (f"account:{account}", f"address:{address}" if address else None):
            if key is None:
                continue
            times = self._failures.pop(key, None) or deque()
            times.append(now)
            self._failures[key] = times  # most recent last, so the oldest go first
        while len(self._failures) > _MAX_TRACKED:
            self._failures.popitem(last=False)

    def succeeded(self, account: str) -> None:
        self._failures.pop(f"account:{account}", None)

    def _wait(self, key: str, limit: int, now: float) -> int:
        times = self._failures.get(key)
        if not times:
            return 0
        while times and times[0] <= now - self._window:
            times.popleft()
        if len(times) < limit:
            return 0
        return max(1, math.ceil(times[-limit] + self._window - now))
