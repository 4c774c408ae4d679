"""Fixtures mounting the fake Fear & Greed server (fake.py) for the provider tests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from cryptodata import FearGreed, ManualClock
from providers.feargreed.fake import NOW, FakeFearGreed


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=NOW)


@pytest.fixture
def fake() -> FakeFearGreed:
    return FakeFearGreed()


@pytest.fixture
def fg(fake: FakeFearGreed, clock: ManualClock) -> Iterator[FearGreed]:
    with FearGreed(clock=clock, http_transport=httpx.MockTransport(fake.handle)) as client:
        yield client
