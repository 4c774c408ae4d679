"""Fixtures mounting the fake Hyperliquid (tests/fakes/hyperliquid.py) for the provider tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_httpx import HTTPXMock

from cryptodata.core.clock import ManualClock
from cryptodata.core.limiters import SlidingWindowLimiter
from cryptodata.providers.hyperliquid.client import Hyperliquid
from fakes.hyperliquid import NOW, FakeHyperliquid


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=NOW)


@pytest.fixture
def fake(httpx_mock: HTTPXMock, clock: ManualClock) -> FakeHyperliquid:
    return FakeHyperliquid(clock).mount(httpx_mock)


class RecordingLimiter(SlidingWindowLimiter):
    """The default budget (1,000 a minute), remembering every cost it was charged."""

    def __init__(self, clock: ManualClock) -> None:
        super().__init__(1_000, 60.0, clock=clock)
        self.charged: list[int] = []

    def acquire(self, cost: int = 1) -> None:
        self.charged.append(cost)
        super().acquire(cost)

    async def aacquire(self, cost: int = 1) -> None:
        self.charged.append(cost)
        await super().aacquire(cost)


@pytest.fixture
def limiter(clock: ManualClock) -> RecordingLimiter:
    return RecordingLimiter(clock)


@pytest.fixture
def hl(
    fake: FakeHyperliquid, clock: ManualClock, limiter: RecordingLimiter
) -> Iterator[Hyperliquid]:
    with Hyperliquid(clock=clock, limiter=limiter) as client:
        yield client
