"""Fixtures: real ccxt instances whose `fetch` is the fake venue (tests/fakes/ccxt.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cryptodata.core.clock import ManualClock
from cryptodata.core.limiters import TokenBucketLimiter
from cryptodata.providers.ccxt import Ccxt
from fakes.ccxt import NOW, FakeVenue, exchange


class RecordingLimiter(TokenBucketLimiter):
    """A roomy bucket remembering every cost it was charged."""

    def __init__(self, clock: ManualClock) -> None:
        super().__init__(1_000, 1.0, clock=clock)
        self.charged: list[int] = []

    def acquire(self, cost: int = 1) -> None:
        self.charged.append(cost)
        super().acquire(cost)

    async def aacquire(self, cost: int = 1) -> None:
        self.charged.append(cost)
        await super().aacquire(cost)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=NOW)


@pytest.fixture
def limiter(clock: ManualClock) -> RecordingLimiter:
    return RecordingLimiter(clock)


@pytest.fixture(params=["binanceusdm", "bybit"])
def venue_id(request: pytest.FixtureRequest) -> str:
    venue: str = request.param
    return venue


@pytest.fixture
def venue(venue_id: str, clock: ManualClock) -> FakeVenue:
    return FakeVenue(exchange(venue_id), clock)


@pytest.fixture
def client(venue: FakeVenue, clock: ManualClock, limiter: RecordingLimiter) -> Iterator[Ccxt]:
    with Ccxt(venue.instance, clock=clock, limiter=limiter) as client:
        yield client
