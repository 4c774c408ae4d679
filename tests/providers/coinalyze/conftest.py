"""Fixtures mounting the fake Coinalyze (tests/fakes/coinalyze.py) for the provider tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_httpx import HTTPXMock

from cryptodata import Coinalyze, ManualClock
from fakes.coinalyze import (
    API_KEY,
    BASE_URL,
    LIMIT,
    METHODS,
    NOW,
    NOW_DT,
    SYNTHETIC_COUNT,
    USD_FACTOR,
    WINDOW,
    Call,
    FakeCoinalyze,
    assert_exact,
    fixture_bytes,
    fixture_json,
    percent_to_fraction,
    synthetic,
    windows_of,
)

__all__ = [
    "API_KEY",
    "BASE_URL",
    "LIMIT",
    "METHODS",
    "NOW",
    "NOW_DT",
    "SYNTHETIC_COUNT",
    "USD_FACTOR",
    "WINDOW",
    "Call",
    "FakeCoinalyze",
    "assert_exact",
    "fixture_bytes",
    "fixture_json",
    "percent_to_fraction",
    "synthetic",
    "windows_of",
]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=NOW)


@pytest.fixture
def fake(httpx_mock: HTTPXMock, clock: ManualClock) -> FakeCoinalyze:
    return FakeCoinalyze(clock).mount(httpx_mock)


@pytest.fixture
def cz(fake: FakeCoinalyze, clock: ManualClock) -> Iterator[Coinalyze]:
    client = Coinalyze(api_key=API_KEY, clock=clock, base_url=BASE_URL)
    yield client
    client.close()
