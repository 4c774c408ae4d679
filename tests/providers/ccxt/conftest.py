"""Fixtures: real ccxt instances whose `fetch` is the fake venue (tests/fakes/ccxt.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cryptodata.core.clock import ManualClock
from cryptodata.providers.ccxt import Ccxt
from fakes.ccxt import NOW, FakeVenue, exchange
from fakes.limiters import RecordingTokenBucket as RecordingLimiter


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=NOW)


@pytest.fixture
def limiter(clock: ManualClock) -> RecordingLimiter:
    # A roomy bucket: the tests count costs, not waits.
    return RecordingLimiter(1_000, 1.0, clock=clock)


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
