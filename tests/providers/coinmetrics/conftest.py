from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from cryptodata.core.clock import ManualClock
from cryptodata.providers.coinmetrics import CoinMetrics

from .fake import FIRST_DAY, FakeCoinMetrics

NOW = (FIRST_DAY.timestamp()) + 120 * 86_400


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=NOW)


@pytest.fixture
def fake() -> FakeCoinMetrics:
    return FakeCoinMetrics()


@pytest.fixture
def cm(
    fake: FakeCoinMetrics, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CoinMetrics]:
    monkeypatch.delenv("COINMETRICS_API_KEY", raising=False)
    client = CoinMetrics(clock=clock, http_transport=httpx.MockTransport(fake))
    yield client
    client.close()
