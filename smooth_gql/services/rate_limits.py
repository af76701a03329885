"""Budgets per caller (issue 15): points per minute and requests per second.

The rule (README, "Budgets"):

- The caller is the API key of a request that sends one, else its session, else
  (anonymous, or authentication off) the client address. Each has its own budget.
- A GraphQL operation costs its static cost in points (`query_cost`); a legacy
  REST call costs `REST_POINTS`. Every request counts one against the
  requests-per-second budget, refused ones included.
- A request is refused when it is over the second's request budget, or when its
  points would take the minute's over the points budget; a refused request adds
  no points. RATE_LIMITED says when to retry: the next second, or the next minute.
- The budgets are SMOOTH_POINTS_PER_MINUTE and SMOOTH_REQUESTS_PER_SECOND (0:
  off); an API key may carry its own, which replaces the server's.

Counted across workers on PostgreSQL (`rate_windows`; each worker spends from leases of the
shared windows, `rate_leases`), per process on SQLite.
The doors call `charge` before anything of the request runs and render what it
returns or raises; the clock is a constructor argument, so tests step time
instead of sleeping.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..auth.principal import Principal
from ..errors import BadInput, Forbidden, RateLimited, Reason
from ..runtime import Runtime
from .rate_leases import windows_for
from .rate_windows import UNLIMITED_POINTS, UNLIMITED_REQUESTS, Limits, Windows

# What a legacy REST call costs: about a small GraphQL read (a page of ten objects).
REST_POINTS = 10


@dataclass(frozen=True)
class Budget:
    points_per_minute: int  # 0: no points budget
    requests_per_second: int  # 0: no request budget

    @property
    def off(self) -> bool:
        return not self.points_per_minute and not self.requests_per_second


def caller_of(principal: Principal, address: str | None) -> str:
    """Whose budget a request spends: its key, else its session, else its address."""
    if principal.api_key_id is not None:
        return f"key:{principal.api_key_id}"
    if principal.session_id is not None:
        return f"session:{principal.session_id}"
    return f"address:{address or 'unknown'}"


def budget_of(principal: Principal, server: Budget) -> Budget:
    """The key's own budget where it carries one, else the server's."""
    points, requests = principal.points_per_minute, principal.requests_per_second
    return Budget(
        server.points_per_minute if points is None else points,
        server.requests_per_second if requests is None else requests,
    )


def key_budget(
    principal: Principal, server: Budget, points: object, requests: object
) -> tuple[int | None, int | None]:
    """A new key's own budget, checked: whole numbers of at least 0 (0: off), each None when not
    given (the key then spends by the server's). An admin may give any; anyone else no more than
    they spend by themselves, so a key never lifts its maker's limits."""
    asked = (_budget_value("pointsPerMinute", points), _budget_value("requestsPerSecond", requests))
    if principal.is_admin:
        return asked
    holds = budget_of(principal, server)
    for field, wanted, held in (
        ("pointsPerMinute", asked[0], holds.points_per_minute),
        ("requestsPerSecond", asked[1], holds.requests_per_second),
    ):
        if wanted is not None and held and not 0 < wanted <= held:
            raise Forbidden(
                f"at most {held}, the budget you spend by yourself (0, no budget, is for admins)",
                field=field,
                reason=Reason.GRANT_EXCEEDED,
            )
    return asked


def _budget_value(field: str, value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise BadInput(f"must be a whole number of at least 0 (0: no budget), got {value!r}", field=field)
    return value


@dataclass(frozen=True)
class Charge:
    """An admitted request: the caller's points left in the current minute after it (None: no
    points budget)."""

    remaining: int | None


class RateLimiter:
    """One per app (its lifespan makes it); `charge` is the only call the doors make."""

    def __init__(
        self, runtime: Runtime, *, clock: Callable[[], float] = time.time, windows: Windows | None = None
    ) -> None:
        settings = runtime.settings
        self.server = Budget(settings.points_per_minute, settings.requests_per_second)
        self._clock = clock
        self._windows = windows if windows is not None else windows_for(runtime)

    async def charge(self, principal: Principal, address: str | None, points: int) -> Charge:
        """Count the request; RateLimited (with retryAfter) when it is over budget."""
        budget = budget_of(principal, self.server)
        if budget.off:
            return Charge(None)
        limits = Limits(
            budget.points_per_minute or UNLIMITED_POINTS,
            min(budget.requests_per_second or UNLIMITED_REQUESTS, UNLIMITED_REQUESTS),
        )
        now = self._clock()
        spent = await self._windows.spend(caller_of(principal, address), now, points, limits)
        if spent.requests > limits.requests:
            raise RateLimited(
                f"over the budget of {limits.requests} requests per second: retry in 1 second",
                retry_after=_until(now, 1),
            )
        if spent.refused:
            wait = _until(now, 60)
            raise RateLimited(
                f"the operation costs {points} points and {limits.points - spent.points} of the "
                f"{limits.points} points per minute are left: retry in {wait} seconds",
                retry_after=wait,
            )
        return Charge(limits.points - spent.points if budget.points_per_minute else None)


def _until(now: float, window: int) -> int:
    """Whole seconds until the current window of `window` seconds ends; at least 1."""
    return max(1, math.ceil(window - now % window))
