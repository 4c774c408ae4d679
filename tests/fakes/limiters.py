"""Limiters that remember every cost they were charged, for tests of weights and budgets."""

from __future__ import annotations

from typing import Any

from cryptodata.core.limiters import SlidingWindowLimiter, TokenBucketLimiter


class _Recording:
    """Put before a limiter class: records the cost of every acquisition in `charged`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.charged: list[int] = []
        super().__init__(*args, **kwargs)

    def acquire(self, cost: int = 1) -> None:
        self.charged.append(cost)
        super().acquire(cost)  # type: ignore[misc]

    async def aacquire(self, cost: int = 1) -> None:
        self.charged.append(cost)
        await super().aacquire(cost)  # type: ignore[misc]


class RecordingSlidingWindow(_Recording, SlidingWindowLimiter):
    """A `SlidingWindowLimiter` that records its charges."""


class RecordingTokenBucket(_Recording, TokenBucketLimiter):
    """A `TokenBucketLimiter` that records its charges."""
