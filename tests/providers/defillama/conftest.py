"""Fixtures mounting the fake DefiLlama (fake.py) for the DefiLlama tests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from cryptodata import DefiLlama, ManualClock

from .fake import KEY, NOW, FakeDefiLlama


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=NOW)


@pytest.fixture
def fake(clock: ManualClock) -> FakeDefiLlama:
    return FakeDefiLlama(clock)


@pytest.fixture
def ll(
    fake: FakeDefiLlama, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DefiLlama]:
    monkeypatch.delenv("DEFILLAMA_API_KEY", raising=False)
    client = DefiLlama(clock=clock, http_transport=httpx.MockTransport(fake.handle))
    yield client
    client.close()


@pytest.fixture
def pro(fake: FakeDefiLlama, clock: ManualClock) -> Iterator[DefiLlama]:
    client = DefiLlama(api_key=KEY, clock=clock, http_transport=httpx.MockTransport(fake.handle))
    yield client
    client.close()
