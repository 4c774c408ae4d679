"""One budget: our limiter is charged ccxt's cost of every call, and ccxt never sleeps."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from cryptodata import ManualClock
from cryptodata.providers.ccxt import AsyncCcxt, Ccxt
from fakes.ccxt import FakeVenue, exchange

from .conftest import RecordingLimiter

JAN1 = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def no_sleeping(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(seconds: float) -> None:
        raise AssertionError(f"ccxt slept {seconds}s")

    monkeypatch.setattr(time, "sleep", refuse)


def test_a_call_is_charged_ccxts_cost_of_the_endpoint(
    clock: ManualClock, limiter: RecordingLimiter
) -> None:
    # Binance klines of 500 bars weigh 5; ccxt's byLimit says so, and so does our plan.
    venue = FakeVenue(exchange("binanceusdm"), clock)
    client = Ccxt(venue.instance, clock=clock, limiter=limiter)

    client.ohlcv("BTC/USDT:USDT", interval="1h", start=JAN1, end=JAN1 + timedelta(hours=3))

    assert limiter.charged == [5]


def test_what_ccxt_charges_beyond_the_plan_is_charged_before_the_call(
    clock: ManualClock, limiter: RecordingLimiter
) -> None:
    # Bybit's public endpoints cost 5 in ccxt; a snapshot is planned at 1.
    venue = FakeVenue(exchange("bybit"), clock)
    client = Ccxt(venue.instance, clock=clock, limiter=limiter)

    client.funding_rate(["BTC/USDT:USDT"])

    assert limiter.charged == [1, 4]


def test_two_clients_sharing_a_limiter_share_one_budget(
    clock: ManualClock, limiter: RecordingLimiter
) -> None:
    first = Ccxt(FakeVenue(exchange("bybit"), clock).instance, clock=clock, limiter=limiter)
    second = Ccxt(FakeVenue(exchange("bybit"), clock).instance, clock=clock, limiter=limiter)

    first.funding_history("BTC/USDT:USDT", start=JAN1, end=JAN1 + timedelta(days=1))
    second.funding_history("BTC/USDT:USDT", start=JAN1, end=JAN1 + timedelta(days=1))

    assert limiter.charged == [5, 5]


def test_the_planned_step_cost_is_what_the_call_is_charged(
    clock: ManualClock, limiter: RecordingLimiter
) -> None:
    venue = FakeVenue(exchange("bybit"), clock)
    client = Ccxt(venue.instance, clock=clock, limiter=limiter)
    steps = client.history_steps(
        "open_interest", ["BTC/USDT:USDT"], interval="1h", start=JAN1, end=JAN1 + timedelta(days=20)
    )

    for step in steps:
        client.fetch(step)

    assert limiter.charged == [step.cost for step in steps] == [5, 5, 5]


def test_the_default_limiter_is_ccxts_rate(clock: ManualClock) -> None:
    client = Ccxt(exchange("binanceusdm"), clock=clock)

    assert client.limiter.rate == pytest.approx(1000 / 50)


def test_ccxt_throttle_hook_waits_on_our_limiter_in_asyncio_too(
    clock: ManualClock, limiter: RecordingLimiter
) -> None:
    venue = FakeVenue(exchange("bybit", asynchronous=True), clock)

    async def run() -> None:
        async with AsyncCcxt(venue.instance, clock=clock, limiter=limiter) as client:
            await client.funding_rate(["BTC/USDT:USDT"])

    asyncio.run(run())

    assert limiter.charged == [1, 4]
