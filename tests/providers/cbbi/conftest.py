"""Fixtures mounting the fake CBBI host (fake.py) for the provider tests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from cryptodata import Cbbi, ManualClock
from providers.cbbi.fake import NOW, FakeCbbi


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=NOW)


@pytest.fixture
def fake() -> FakeCbbi:
    return FakeCbbi()


@pytest.fixture
def cb(fake: FakeCbbi, clock: ManualClock) -> Iterator[Cbbi]:
    with Cbbi(clock=clock, http_transport=httpx.MockTransport(fake.handle)) as client:
        yield client
