"""Fixtures mounting the fake Velo (fake.py) for the provider tests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from cryptodata import ManualClock, Velo
from cryptodata.core.limiters import SlidingWindowLimiter

from .fake import KEY, NOW, FakeVelo


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=NOW)


@pytest.fixture
def fake(clock: ManualClock) -> FakeVelo:
    return FakeVelo(clock)


@pytest.fixture
def ve(fake: FakeVelo, clock: ManualClock) -> Iterator[Velo]:
    client = Velo(
        api_key=KEY,
        clock=clock,
        limiter=SlidingWindowLimiter(10_000, 1.0, clock=clock),
        http_transport=httpx.MockTransport(fake.handle),
    )
    yield client
    client.close()
