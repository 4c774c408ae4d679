"""Clocks: where the library reads the time and waits.

Everything that sleeps or reads the time (rate limiters, retries, retention checks) takes a
`Clock`, so tests can run hours of simulated traffic in milliseconds with a
`ManualClock`.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "ManualClock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """Source of time and of waiting."""

    def time(self) -> float:
        """Wall-clock time as UNIX seconds (UTC)."""
        ...

    def monotonic(self) -> float:
        """Monotonic seconds, for measuring intervals."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block the calling thread for `seconds`."""
        ...

    async def asleep(self, seconds: float) -> None:
        """Suspend the calling task for `seconds`."""
        ...


class SystemClock:
    """The real clock: `time.time`, `time.monotonic`, `time.sleep`, `asyncio.sleep`."""

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    async def asleep(self, seconds: float) -> None:
        import asyncio  # deferred: blocking users should not pay for importing asyncio

        await asyncio.sleep(max(seconds, 0.0))

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A simulated clock: sleeping advances it instantly.

    Useful in tests and simulations: a limiter driven by a `ManualClock` enforces the same
    budget as with the system clock, without waiting.

    Examples:
        >>> clock = ManualClock(start=1_700_000_000.0)
        >>> clock.sleep(60)
        >>> clock.time()
        1700000060.0
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._origin = start
        # Elapsed time is kept apart from the epoch origin: added to 1.7e9, a wait of 1e-7 s
        # would be rounded away and a limiter waiting for it would spin forever.
        self._elapsed = 0.0
        self._lock = threading.Lock()

    def time(self) -> float:
        return self._origin + self._elapsed

    def monotonic(self) -> float:
        return self._elapsed

    def advance(self, seconds: float) -> None:
        """Move the clock forward by `seconds` (negative values are ignored)."""
        with self._lock:
            self._elapsed += max(seconds, 0.0)

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    async def asleep(self, seconds: float) -> None:
        import asyncio

        self.advance(seconds)
        await asyncio.sleep(0)

    def __repr__(self) -> str:
        return f"ManualClock(time={self.time()!r})"
