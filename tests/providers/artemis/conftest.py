"""Fixtures mounting the fake Artemis server (fake.py) for the provider tests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from cryptodata import Artemis, ManualClock, SlidingWindowLimiter
from providers.artemis.fake import API_KEY, NOW, FakeArtemis


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=NOW)


@pytest.fixture
def fake() -> FakeArtemis:
    return FakeArtemis()


@pytest.fixture
def limiter(clock: ManualClock) -> SlidingWindowLimiter:
    return SlidingWindowLimiter(30, 60.0, clock=clock)


@pytest.fixture
def ar(fake: FakeArtemis, clock: ManualClock, limiter: SlidingWindowLimiter) -> Iterator[Artemis]:
    with Artemis(
        API_KEY, clock=clock, limiter=limiter, http_transport=httpx.MockTransport(fake.handle)
    ) as client:
        yield client
