"""The asyncio twin returns what the blocking call returns."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from polars.testing import assert_frame_equal

from cryptodata import ManualClock, Table
from cryptodata.providers.ccxt import AsyncCcxt, Ccxt
from fakes.ccxt import FakeVenue, exchange

from .conftest import RecordingLimiter

JAN1 = datetime(2025, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)

CALLS: dict[str, Callable[[Any], Any]] = {
    "ohlcv": lambda c: c.ohlcv("BTC/USDT:USDT", interval="1h", start=JAN1, end=JAN1 + DAY),
    "funding_history": lambda c: c.funding_history("BTC/USDT:USDT", start=JAN1, end=JAN1 + DAY),
    "open_interest_history": lambda c: c.open_interest_history(
        "BTC/USDT:USDT", interval="1h", start=JAN1, end=JAN1 + DAY
    ),
    "long_short_ratio_history": lambda c: c.long_short_ratio_history(
        "BTC/USDT:USDT", interval="1h", start=JAN1, end=JAN1 + DAY
    ),
    "open_interest": lambda c: c.open_interest(["BTC/USDT:USDT"]),
    "funding_rate": lambda c: c.funding_rate(["BTC/USDT:USDT"]),
    "markets": lambda c: c.markets(),
}


@pytest.mark.parametrize("method", list(CALLS))
def test_the_async_twin_returns_what_the_blocking_call_returns(
    venue_id: str, clock: ManualClock, limiter: RecordingLimiter, method: str
) -> None:
    blocking = Ccxt(FakeVenue(exchange(venue_id), clock).instance, clock=clock, limiter=limiter)
    instance = FakeVenue(exchange(venue_id, asynchronous=True), clock).instance

    async def run() -> Table:
        async with AsyncCcxt(instance, clock=clock, limiter=limiter) as concurrent:
            call: Awaitable[Table] = CALLS[method](concurrent)
            return await call

    expected: Table = CALLS[method](blocking)
    got = asyncio.run(run())

    assert_frame_equal(got.to_polars(), expected.to_polars())
    assert got.warnings == expected.warnings
