"""Fixtures for pipeline tests: the fake Coinalyze behind a MockTransport, and a model sink."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from cryptodata import Coinalyze, ManualClock
from fakes.coinalyze import NOW, FakeCoinalyze
from fakes.sinks import MemorySink


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=NOW)


@pytest.fixture
def fake(clock: ManualClock) -> FakeCoinalyze:
    return FakeCoinalyze(clock)


@pytest.fixture
def cz(fake: FakeCoinalyze, clock: ManualClock) -> Iterator[Coinalyze]:
    client = Coinalyze(
        api_key=fake.api_key,
        clock=clock,
        http_transport=httpx.MockTransport(fake.handle),
        max_points_per_request=100,
    )
    yield client
    client.close()


@pytest.fixture
def sink() -> MemorySink:
    return MemorySink()
