"""Rate limiters: client-side budgets that keep requests under a provider's limit.

Every limiter works from threads and from asyncio tasks, charges a *cost* per call (Coinalyze
counts each symbol of a request as one call) and can be *paused*: when a provider answers 429
with `Retry-After`, the transport pauses the limiter, so every caller sharing it waits, not only
the one that was refused.

Each client gets its own limiter with the provider's documented budget. To share one budget
(one API key used by several clients), pass the same limiter instance to each of them.

Examples:
    >>> limiter = SlidingWindowLimiter(limit=40, window=60.0)
    >>> limiter.acquire(cost=20)   # returns at once: 20 of 40 used in the last minute
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Protocol, runtime_checkable

from .clock import Clock, SystemClock
from .errors import ValidationError

__all__ = [
    "CompositeLimiter",
    "RateLimiter",
    "SlidingWindowLimiter",
    "TokenBucketLimiter",
]

# Waits are computed in floats: sleeping exactly the wait can land a rounding error short of
# it, and a sliver of 1e-17 s added to a clock reading is lost. Waiting at least this long
# always moves the clock, and never grants early.
_MIN_WAIT = 1e-6


@runtime_checkable
class RateLimiter(Protocol):
    """What the transport needs from a limiter."""

    @property
    def capacity(self) -> float:
        """The largest cost one call may take (clients size their batches to fit it)."""
        ...

    @property
    def rate(self) -> float:
        """Sustained budget in cost units per second, for duration estimates.

        A plan of cost `c` needs about `max(c - capacity, 0) / rate` seconds: the first
        `capacity` units are granted at once, the rest at this rate.
        """
        ...

    def acquire(self, cost: int = 1) -> None:
        """Block until `cost` units of budget are available, then take them."""
        ...

    async def aacquire(self, cost: int = 1) -> None:
        """Wait (without blocking the event loop) until `cost` units are available, then take them."""
        ...

    def pause(self, seconds: float) -> None:
        """Grant nothing to anyone for the next `seconds` (a provider's `Retry-After`)."""
        ...


class _Waiting:
    """Blocking and async acquire, for limiters that say how long to wait (`try_acquire`)."""

    _clock: Clock

    def try_acquire(self, cost: int = 1) -> float:
        raise NotImplementedError

    def acquire(self, cost: int = 1) -> None:
        while (wait := self.try_acquire(cost)) > 0:
            self._clock.sleep(wait)

    async def aacquire(self, cost: int = 1) -> None:
        while (wait := self.try_acquire(cost)) > 0:
            await self._clock.asleep(wait)


class _LocalLimiter(_Waiting):
    """Shared machinery of the in-process limiters: a lock, a clock and a pause.

    Subclasses answer two questions under the lock: how long until `cost` fits
    (`_wait_locked`) and how to take it (`_take_locked`).
    """

    capacity: float

    def __init__(self, clock: Clock | None) -> None:
        self._clock: Clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._paused_until = float("-inf")

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock.monotonic() + seconds)

    def try_acquire(self, cost: int = 1) -> float:
        """Take `cost` if it fits now and return 0.0, else return the seconds to wait first."""
        with self._lock:
            wait = self._wait(cost)
            if wait <= 0:
                self._take_locked(cost, self._clock.monotonic())
            return wait

    def wait_time(self, cost: int = 1) -> float:
        """Seconds until `cost` would fit, without taking anything."""
        with self._lock:
            return self._wait(cost)

    def _wait(self, cost: int) -> float:
        self._check_cost(cost)
        now = self._clock.monotonic()
        wait = max(self._paused_until - now, self._wait_locked(cost, now))
        return max(wait, _MIN_WAIT) if wait > 0 else 0.0

    def _check_cost(self, cost: int) -> None:
        if cost < 1 or cost > self.capacity:
            raise ValidationError(f"cost must be between 1 and {self.capacity:g}, got {cost}")

    def _wait_locked(self, cost: int, now: float) -> float:
        raise NotImplementedError

    def _take_locked(self, cost: int, now: float) -> None:
        raise NotImplementedError


class TokenBucketLimiter(_LocalLimiter):
    """A token bucket: `rate` tokens per `per` seconds, bursts up to `capacity`.

    Smooth and cheap; it allows a burst of `capacity` at start. Use
    [`SlidingWindowLimiter`][cryptodata.SlidingWindowLimiter] when the provider counts calls
    in an exact window.

    Args:
        rate: Tokens added per `per` seconds.
        per: Length of the refill period in seconds.
        capacity: Bucket size; defaults to `rate`.
        clock: Time source; the system clock by default.
    """

    def __init__(
        self,
        rate: float,
        per: float = 1.0,
        *,
        capacity: float | None = None,
        clock: Clock | None = None,
    ) -> None:
        if rate <= 0 or per <= 0:
            raise ValidationError(f"rate and per must be positive, got rate={rate}, per={per}")
        super().__init__(clock)
        self._rate = rate
        self.per = per
        self.capacity = float(capacity if capacity is not None else rate)
        if self.capacity < 1:
            raise ValidationError(f"capacity must be at least 1, got {self.capacity}")
        self._tokens = self.capacity
        self._updated = self._clock.monotonic()

    @property
    def rate(self) -> float:
        """Tokens added per second: `rate / per` of the constructor."""
        return self._rate / self.per

    def _refill(self, now: float) -> None:
        elapsed = max(now - self._updated, 0.0)
        self._tokens = min(self.capacity, self._tokens + elapsed * self._rate / self.per)
        self._updated = now

    def _wait_locked(self, cost: int, now: float) -> float:
        self._refill(now)
        missing = cost - self._tokens
        return max(missing, 0.0) * self.per / self._rate

    def _take_locked(self, cost: int, now: float) -> None:
        self._refill(now)
        self._tokens -= cost

    def __repr__(self) -> str:
        return (
            f"TokenBucketLimiter(rate={self._rate:g}, per={self.per:g}, capacity={self.capacity:g})"
        )


class SlidingWindowLimiter(_LocalLimiter):
    """An exact sliding window: at most `limit` cost units in any `window` seconds.

    Remembers the time and cost of each grant inside the window, so it never lets a burst
    straddle a window edge (which a fixed-minute counter does).

    Args:
        limit: Budget per window (Coinalyze: 40).
        window: Window length in seconds (Coinalyze: 60).
        clock: Time source; the system clock by default.
    """

    def __init__(self, limit: int, window: float = 60.0, *, clock: Clock | None = None) -> None:
        if limit < 1 or window <= 0:
            raise ValidationError(
                f"limit must be >= 1 and window > 0, got limit={limit}, window={window}"
            )
        super().__init__(clock)
        self.limit = limit
        self.window = window
        self.capacity = float(limit)
        self._grants: deque[tuple[float, int]] = deque()
        self._used = 0

    @property
    def rate(self) -> float:
        """Sustained budget per second: `limit / window`."""
        return self.limit / self.window

    def _expire(self, now: float) -> None:
        while self._grants and self._grants[0][0] + self.window <= now:
            self._used -= self._grants.popleft()[1]

    def _wait_locked(self, cost: int, now: float) -> float:
        self._expire(now)
        excess = self._used + cost - self.limit
        if excess <= 0:
            return 0.0
        freed = 0
        for granted_at, granted in self._grants:
            freed += granted
            if freed >= excess:
                return granted_at + self.window - now
        raise AssertionError("unreachable: cost is checked against the limit")

    def _take_locked(self, cost: int, now: float) -> None:
        self._grants.append((now, cost))
        self._used += cost

    def __repr__(self) -> str:
        return f"SlidingWindowLimiter(limit={self.limit}, window={self.window:g})"


class CompositeLimiter(_Waiting):
    """Several limits at once (e.g. 10 per second *and* 1,000 per hour).

    A grant takes budget from every member at the same moment, only when all of them have room,
    so waiting on one limit never wastes budget of another.

    Examples:
        >>> both = CompositeLimiter(TokenBucketLimiter(10, per=1.0), SlidingWindowLimiter(1000, window=3600))
    """

    def __init__(
        self, *limiters: TokenBucketLimiter | SlidingWindowLimiter | CompositeLimiter
    ) -> None:
        if not limiters:
            raise ValidationError("CompositeLimiter needs at least one limiter")
        self.limiters = limiters
        self._lock = threading.Lock()
        self._clock = _first_clock(limiters)

    @property
    def capacity(self) -> float:
        return min(member.capacity for member in self.limiters)

    @property
    def rate(self) -> float:
        """The tightest member's sustained rate: over a long run, the slowest limit decides."""
        return min(member.rate for member in self.limiters)

    def wait_time(self, cost: int = 1) -> float:
        return max(member.wait_time(cost) for member in self.limiters)

    def try_acquire(self, cost: int = 1) -> float:
        with self._lock:
            wait = self.wait_time(cost)
            if wait <= 0:
                for member in self.limiters:
                    member.try_acquire(cost)
            return wait

    def pause(self, seconds: float) -> None:
        for member in self.limiters:
            member.pause(seconds)

    def __repr__(self) -> str:
        return f"CompositeLimiter({', '.join(map(repr, self.limiters))})"


def _first_clock(
    limiters: tuple[TokenBucketLimiter | SlidingWindowLimiter | CompositeLimiter, ...],
) -> Clock:
    return limiters[0]._clock
