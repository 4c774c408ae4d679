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

import abc
import math
import numbers
import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from ._checks import count, finite
from .clock import Clock, SystemClock
from .errors import ValidationError

__all__ = [
    "MAX_PAUSE",
    "MAX_WINDOW",
    "BaseLimiter",
    "CompositeLimiter",
    "RateLimiter",
    "SlidingWindowLimiter",
    "Taken",
    "TokenBucketLimiter",
]

MAX_PAUSE = 86_400.0
"""Longest pause a limiter accepts, in seconds (a day); a longer one is cut to it.

A pause holds every caller sharing the limiter (with Redis, every process): a server's
`Retry-After: 99999999` must not silence them for three years, nor an infinite one overflow
the sleep. The transport pauses for at most its policy's `max_retry_after`, below this.
"""

MAX_WINDOW = 366 * 86_400.0
"""Longest window or refill period a limiter accepts, in seconds (a year)."""

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


class Taken:
    """What `BaseLimiter.take` did: took budget, or says how long to wait.

    Attributes:
        wait: 0.0 when the budget was taken; else the seconds to wait before asking again
            (nothing was taken).

    Examples:
        >>> limiter = SlidingWindowLimiter(limit=2, window=60.0)
        >>> taken = limiter.take(2)
        >>> taken.wait, limiter.wait_time(1) > 0
        (0.0, True)
        >>> taken.refund()
        >>> limiter.wait_time(1)
        0.0
    """

    __slots__ = ("_undo", "wait")

    def __init__(self, wait: float, undo: Callable[[], None] | None = None) -> None:
        self.wait = wait
        self._undo = undo

    def refund(self) -> None:
        """Give the budget back, as if it had never been taken; a second call does nothing."""
        undo, self._undo = self._undo, None
        if undo is not None:
            undo()

    def __repr__(self) -> str:
        return f"Taken(wait={self.wait:g})"


class BaseLimiter(abc.ABC):
    """What every cryptodata limiter shares: cost checks, waiting, a capped pause, refunds.

    A subclass says how to take budget (`take`, with a refund) and how long `cost` would
    wait (`wait_time`); the base checks costs, loops `acquire` and `aacquire` on its clock,
    and checks and caps every pause at `MAX_PAUSE`
    before the subclass's `_pause` sees it.
    """

    _clock: Clock

    @property
    @abc.abstractmethod
    def capacity(self) -> float:
        """The largest cost one call may take."""

    @property
    @abc.abstractmethod
    def rate(self) -> float:
        """Sustained budget in cost units per second."""

    @abc.abstractmethod
    def take(self, cost: int = 1) -> Taken:
        """Take `cost` if it fits now, else say how long to wait; see `Taken`.

        Raises:
            ValidationError: If `cost` is not an integer from 1 to `capacity`.
        """

    async def atake(self, cost: int = 1) -> Taken:
        """The asyncio twin of `take`; limiters that do I/O take without blocking the loop."""
        return self.take(cost)

    @abc.abstractmethod
    def wait_time(self, cost: int = 1) -> float:
        """Seconds until `cost` would fit, without taking anything."""

    @abc.abstractmethod
    def _pause(self, seconds: float) -> None:
        """Pause for `seconds`, already checked: more than 0, at most `MAX_PAUSE`."""

    def try_acquire(self, cost: int = 1) -> float:
        """Take `cost` if it fits now and return 0.0, else return the seconds to wait first."""
        return self.take(cost).wait

    def acquire(self, cost: int = 1) -> None:
        """Block until `cost` units of budget are available, then take them."""
        while (wait := self.take(cost).wait) > 0:
            self._clock.sleep(wait)

    async def aacquire(self, cost: int = 1) -> None:
        """Wait, without blocking the event loop, until `cost` units are available; take them."""
        while (wait := (await self.atake(cost)).wait) > 0:
            await self._clock.asleep(wait)

    def pause(self, seconds: float) -> None:
        """Grant nothing to anyone for the next `seconds`, at most a day.

        An existing longer pause is kept. A pause longer than
        `MAX_PAUSE` (infinity included) is cut to it;
        0 or less does nothing.

        Raises:
            ValidationError: If `seconds` is not a number, or is NaN.
        """
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, numbers.Real)
            or math.isnan(seconds)
        ):
            raise ValidationError(
                f"a pause must be a number of seconds (at most {MAX_PAUSE:g} are kept), "
                f"got {seconds!r}"
            )
        if seconds > 0:
            self._pause(min(float(seconds), MAX_PAUSE))

    def _cost(self, cost: int) -> int:
        # A float cost would be counted as its integer part: 1.9 takes 1 and grants 1.9.
        return count("cost", cost, maximum=self.capacity)


class _LocalLimiter(BaseLimiter):
    """Shared machinery of the in-process limiters: a lock, a clock and a pause.

    Subclasses answer three questions under the lock: how long until `cost` fits
    (`_wait_locked`), how to take it (`_take_locked`, returning what `_refund_locked` needs
    to give it back) and how to give it back.
    """

    def __init__(self, clock: Clock | None) -> None:
        self._clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._paused_until = float("-inf")

    def _pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock.monotonic() + seconds)

    def take(self, cost: int = 1) -> Taken:
        """Take `cost` if it fits now, else say how long to wait; see `Taken`.

        Raises:
            ValidationError: If `cost` is not an integer from 1 to `capacity`.
        """
        cost = self._cost(cost)
        with self._lock:
            wait = self._wait(cost)
            if wait > 0:
                return Taken(wait)
            receipt = self._take_locked(cost, self._clock.monotonic())
        return Taken(0.0, lambda: self._refund(receipt))

    def wait_time(self, cost: int = 1) -> float:
        """Seconds until `cost` would fit, without taking anything."""
        cost = self._cost(cost)
        with self._lock:
            return self._wait(cost)

    def _refund(self, receipt: tuple[float, int]) -> None:
        with self._lock:
            self._refund_locked(receipt, self._clock.monotonic())

    def _wait(self, cost: int) -> float:
        now = self._clock.monotonic()
        wait = max(self._paused_until - now, self._wait_locked(cost, now))
        return max(wait, _MIN_WAIT) if wait > 0 else 0.0

    def _wait_locked(self, cost: int, now: float) -> float:
        raise NotImplementedError

    def _take_locked(self, cost: int, now: float) -> tuple[float, int]:
        raise NotImplementedError

    def _refund_locked(self, receipt: tuple[float, int], now: float) -> None:
        raise NotImplementedError


class TokenBucketLimiter(_LocalLimiter):
    """A token bucket: `rate` tokens per `per` seconds, bursts up to `capacity`.

    Smooth and cheap; it allows a burst of `capacity` at start. Use
    `SlidingWindowLimiter` when the provider counts calls
    in an exact window.

    Args:
        rate: Tokens added per `per` seconds, a finite number above 0.
        per: Length of the refill period in seconds, above 0 and at most a year.
        capacity: Bucket size, a finite number of at least 1; defaults to `rate`.
        clock: Time source; the system clock by default.

    Raises:
        ValidationError: For a setting that is not a number, NaN, infinite or out of range.
    """

    def __init__(
        self,
        rate: float,
        per: float = 1.0,
        *,
        capacity: float | None = None,
        clock: Clock | None = None,
    ) -> None:
        rate = finite("rate", rate, above=0, unit="tokens")
        per = finite("per", per, above=0, maximum=MAX_WINDOW, unit="seconds")
        size = finite("capacity", capacity if capacity is not None else rate, minimum=1)
        super().__init__(clock)
        self._rate = rate
        self.per = per
        self._capacity = size
        self._tokens = size
        self._updated = self._clock.monotonic()

    @property
    def capacity(self) -> float:
        """The bucket size: the largest cost one call may take."""
        return self._capacity

    @property
    def rate(self) -> float:
        """Tokens added per second: `rate / per` of the constructor."""
        return self._rate / self.per

    def _refill(self, now: float) -> None:
        elapsed = max(now - self._updated, 0.0)
        self._tokens = min(self._capacity, self._tokens + elapsed * self._rate / self.per)
        self._updated = now

    def _wait_locked(self, cost: int, now: float) -> float:
        self._refill(now)
        missing = cost - self._tokens
        return max(missing, 0.0) * self.per / self._rate

    def _take_locked(self, cost: int, now: float) -> tuple[float, int]:
        self._refill(now)
        self._tokens -= cost
        return now, cost

    def _refund_locked(self, receipt: tuple[float, int], now: float) -> None:
        # Tokens given back are ones the bucket would hold had they not been taken: refilled
        # since, they overflow the capacity and are lost, as they would have been.
        self._refill(now)
        self._tokens = min(self._capacity, self._tokens + receipt[1])

    def __repr__(self) -> str:
        return (
            f"TokenBucketLimiter(rate={self._rate:g}, per={self.per:g}, capacity={self.capacity:g})"
        )


class SlidingWindowLimiter(_LocalLimiter):
    """An exact sliding window: at most `limit` cost units in any `window` seconds.

    Remembers the time and cost of each grant inside the window, so it never lets a burst
    straddle a window edge (which a fixed-minute counter does).

    Args:
        limit: Budget per window, an integer of at least 1 (Coinalyze: 40).
        window: Window length in seconds, above 0 and at most a year (Coinalyze: 60).
        clock: Time source; the system clock by default.

    Raises:
        ValidationError: For a `limit` that is not an integer, or a `window` that is not a
            number, NaN, infinite or out of range.
    """

    def __init__(self, limit: int, window: float = 60.0, *, clock: Clock | None = None) -> None:
        limit = count("limit", limit)
        window = finite("window", window, above=0, maximum=MAX_WINDOW, unit="seconds")
        super().__init__(clock)
        self.limit = limit
        self.window = window
        self._grants: deque[tuple[float, int]] = deque()
        self._used = 0

    @property
    def capacity(self) -> float:
        """The whole window's `limit`: the largest cost one call may take."""
        return float(self.limit)

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

    def _take_locked(self, cost: int, now: float) -> tuple[float, int]:
        grant = (now, cost)
        self._grants.append(grant)
        self._used += cost
        return grant

    def _refund_locked(self, receipt: tuple[float, int], now: float) -> None:
        self._expire(now)
        # Two grants equal in time and cost are interchangeable, so removing the first equal
        # one is removing this one; one that expired meanwhile has nothing left to give back.
        if receipt in self._grants:
            self._grants.remove(receipt)
            self._used -= receipt[1]

    def __repr__(self) -> str:
        return f"SlidingWindowLimiter(limit={self.limit}, window={self.window:g})"


class CompositeLimiter(BaseLimiter):
    """Several limits at once (e.g. 10 per second *and* 1,000 per hour).

    A grant takes budget from every member, or from none: the members are taken from in turn,
    and when one refuses (another holder of a shared member took its budget meanwhile), those
    already taken are refunded. So waiting on one limit never wastes budget of another, and
    the composite never grants past a member that refused.

    Members may be any cryptodata limiter, a
    `RedisRateLimiter` or another
    composite included.

    Args:
        *limiters: The members, at least one; the first one's clock is used to wait.

    Raises:
        ValidationError: With no member, or a member that is not a cryptodata limiter.

    Examples:
        >>> both = CompositeLimiter(TokenBucketLimiter(10, per=1.0), SlidingWindowLimiter(1000, window=3600))
    """

    def __init__(self, *limiters: BaseLimiter) -> None:
        if not limiters:
            raise ValidationError("CompositeLimiter needs at least one limiter")
        for member in limiters:
            if not isinstance(member, BaseLimiter):
                raise ValidationError(
                    "CompositeLimiter members must be cryptodata limiters (TokenBucketLimiter, "
                    f"SlidingWindowLimiter, RedisRateLimiter, CompositeLimiter), got {member!r}"
                )
        self.limiters: tuple[BaseLimiter, ...] = limiters
        self._clock = limiters[0]._clock

    @property
    def capacity(self) -> float:
        """The smallest member's capacity."""
        return min(member.capacity for member in self.limiters)

    @property
    def rate(self) -> float:
        """The tightest member's sustained rate: over a long run, the slowest limit decides."""
        return min(member.rate for member in self.limiters)

    def wait_time(self, cost: int = 1) -> float:
        """Seconds until `cost` would fit in every member, without taking anything."""
        cost = self._cost(cost)
        return max(member.wait_time(cost) for member in self.limiters)

    def take(self, cost: int = 1) -> Taken:
        """Take `cost` from every member, or from none; see `Taken`.

        When a member refuses, the wait returned is that member's; a longer one of a later
        member is found on the next try.
        """
        cost = self._cost(cost)
        taken: list[Taken] = []
        for member in self.limiters:
            got = member.take(cost)
            if got.wait > 0:
                # Checking every member first and then taking would leave a gap in which
                # another holder of a shared member takes its budget: take, and roll back.
                _refund_all(taken)
                return got
            taken.append(got)
        return Taken(0.0, lambda: _refund_all(taken))

    async def atake(self, cost: int = 1) -> Taken:
        """The asyncio twin of `take`: members that do I/O (Redis) are awaited."""
        cost = self._cost(cost)
        taken: list[Taken] = []
        for member in self.limiters:
            got = await member.atake(cost)
            if got.wait > 0:
                _refund_all(taken)
                return got
            taken.append(got)
        return Taken(0.0, lambda: _refund_all(taken))

    def _pause(self, seconds: float) -> None:
        for member in self.limiters:
            member.pause(seconds)

    def __repr__(self) -> str:
        return f"CompositeLimiter({', '.join(map(repr, self.limiters))})"


def _refund_all(taken: Sequence[Taken]) -> None:
    for grant in reversed(taken):
        grant.refund()
