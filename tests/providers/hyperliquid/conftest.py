"""Fixtures mounting the fake Hyperliquid (tests/fakes/hyperliquid.py) for the provider tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_httpx import HTTPXMock

from cryptodata.core.clock import ManualClock
from cryptodata.providers.hyperliquid.client import Hyperliquid
from fakes.hyperliquid import NOW, FakeHyperliquid
from fakes.limiters import RecordingSlidingWindow as RecordingLimiter


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=NOW)


@pytest.fixture
def fake(httpx_mock: HTTPXMock, clock: ManualClock) -> FakeHyperliquid:
    return FakeHyperliquid(clock).mount(httpx_mock)


@pytest.fixture
def limiter(clock: ManualClock) -> RecordingLimiter:
    # The client's default budget: 1,000 a minute.
    return RecordingLimiter(1_000, 60.0, clock=clock)


@pytest.fixture
def hl(
    fake: FakeHyperliquid, clock: ManualClock, limiter: RecordingLimiter
) -> Iterator[Hyperliquid]:
    with Hyperliquid(clock=clock, limiter=limiter) as client:
        yield client
