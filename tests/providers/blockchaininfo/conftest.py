"""Fixtures mounting the fake blockchain.info server (fake.py) for the provider tests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from cryptodata import BlockchainInfo, ManualClock, SlidingWindowLimiter
from providers.blockchaininfo.fake import NOW, FakeBlockchainInfo


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=NOW)


@pytest.fixture
def fake() -> FakeBlockchainInfo:
    return FakeBlockchainInfo()


@pytest.fixture
def limiter(clock: ManualClock) -> SlidingWindowLimiter:
    return SlidingWindowLimiter(1, 10.0, clock=clock)


@pytest.fixture
def bc(
    fake: FakeBlockchainInfo, clock: ManualClock, limiter: SlidingWindowLimiter
) -> Iterator[BlockchainInfo]:
    with BlockchainInfo(
        clock=clock, limiter=limiter, http_transport=httpx.MockTransport(fake.handle)
    ) as client:
        yield client
